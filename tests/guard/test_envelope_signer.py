import pytest

from swarmfi.agents.context import GAS_RESERVE_WEI, Prepared
from swarmfi.chain.base import TxRequest
from swarmfi.errors import PolicyError
from swarmfi.guard.envelope import Envelope
from swarmfi.guard.signer import Clearance, GuardedSigner

ME = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
ROUTER = "0x1111111111111111111111111111111111111111"
OTHER = "0x2222222222222222222222222222222222222222"


def swap_step(spend=1000, receive=990, to=ROUTER, recipient=None):
    tx = TxRequest(ME, to, b"\x01\x02", 0, label="swap")
    return Prepared(0, "swap", "swap", (tx,), {"USDC": spend}, {"DAI": receive},
                    recipient=recipient)


def test_envelope_accepts_the_same_step_and_small_drift():
    env = Envelope.of(swap_step())
    assert env.problems(swap_step()) == []
    assert env.problems(swap_step(spend=1010, receive=981)) == []


def test_envelope_rejects_overspend_underreceive_new_contract_and_recipient():
    env = Envelope.of(swap_step())
    assert "above the approved 1010" in env.problems(swap_step(spend=1011))[0]
    assert "below the approved 980" in env.problems(swap_step(receive=979))[0]
    assert "not in the preview" in env.problems(swap_step(to=OTHER))[0]
    assert "recipient changed" in env.problems(swap_step(recipient=OTHER))[0]


def test_envelope_round_trips_through_json():
    env = Envelope.of(swap_step())
    assert Envelope.from_json(env.to_json()) == env


def test_measured_deltas_allow_gas_only_in_ether():
    env = Envelope(0, "wrap", {"ETH": 10**18}, {"WETH": 10**18})
    assert env.delta_problems({"ETH": -(10**18) - GAS_RESERVE_WEI, "WETH": 10**18}) == []
    assert env.delta_problems({"ETH": -(10**18), "WETH": 10**18 - 10**17}) != []


def test_ether_received_is_measured_net_of_the_gas_paid():
    bought = 10**18 // 60  # $50 of ETH: 1 % of it is less than the gas of approve + swap
    env = Envelope(0, "swap", {"USDC": 50 * 10**6}, {"ETH": bought})
    gas = 249_515_713_754_112
    assert env.delta_problems({"USDC": -50 * 10**6, "ETH": bought - gas}) == []
    short = bought - bought // 50 - GAS_RESERVE_WEI  # 2 % short, beyond what gas explains
    assert "below the approved" in env.delta_problems({"USDC": -50 * 10**6, "ETH": short})[0]


class RecordingSigner:
    address = ME

    def __init__(self):
        self.signed = []

    def sign_tx(self, tx):
        self.signed.append(tx)
        data = tx["data"]
        return b"signed:" + (bytes.fromhex(data[2:]) if isinstance(data, str) else data)


def test_guarded_signer_refuses_anything_not_cleared():
    inner, written = RecordingSigner(), []
    signer = GuardedSigner(inner, Clearance(), lambda tx, raw: written.append(raw))
    with pytest.raises(PolicyError, match="not simulated and checked"):
        signer.sign_tx({"to": ROUTER, "data": b"\x01", "value": 0})
    assert inner.signed == [] and written == []


def test_guarded_signer_signs_a_cleared_tx_once_and_records_it_first():
    inner, written = RecordingSigner(), []
    clearance = Clearance()
    signer = GuardedSigner(inner, clearance, lambda tx, raw: written.append(raw))
    clearance.clear([TxRequest(ME, ROUTER, b"\x01", 5)])
    with pytest.raises(PolicyError):  # a different value is a different transaction
        signer.sign_tx({"to": ROUTER, "data": "0x01", "value": 6})
    assert signer.sign_tx({"to": ROUTER.lower(), "data": "0x01", "value": 5}) == b"signed:\x01"
    assert written == [b"signed:\x01"]
    with pytest.raises(PolicyError):
        signer.sign_tx({"to": ROUTER, "data": b"\x01", "value": 5})
