import json
from decimal import Decimal

import pytest

from swarmfi import cli
from swarmfi.chain.base import Registry, Token
from swarmfi.errors import PolicyError, StateError, UserInputError
from swarmfi.guard.policy import (
    DEFAULT_TOML,
    Policy,
    checksum_address,
    load_policy,
    parse_policy,
    write_default,
)
from swarmfi.guard.rules import (
    Approval,
    Effects,
    Pool,
    Transfer,
    check,
    check_plan,
    raise_for,
)

USDC = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
WETH = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
ROUTER = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"
LENDING = "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9"
STRANGER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ALICE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
ME = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
REGISTRY = Registry(
    chain_id=31337,
    tokens={"USDC": Token("USDC", USDC, 6, "USD Coin"), "WETH": Token("WETH", WETH, 18, "Wrapped")},
    contracts={"router": ROUTER, "lending": LENDING, "weth": WETH},
)
D = Decimal


def rules(violations):
    return [v.rule for v in violations]


def only(policy, **effects):
    return check(policy, Effects(label="step 1", sender=ME, **effects), REGISTRY)


@pytest.fixture
def policy(tmp_path):
    return load_policy(tmp_path / "policy.toml")  # missing: the defaults, located there


# -- the rules, each at its bound and just past it ----------------------------------------


def test_defaults():
    p = Policy()
    assert (p.max_tx_usd, p.max_day_usd) == (D(10000), D(25000))
    assert (p.max_slippage_pct, p.slippage_ceiling_pct, p.max_price_impact_pct) == (1, 5, 3)
    assert p.min_health_factor == D("1.5")
    assert (p.allowed_tokens, p.allowed_contracts, p.address_book) == (None, None, {})


def test_a_harmless_step_passes(policy):
    assert only(policy, usd_value_out=D(100), tokens=("ETH", "USDC"), contracts=(ROUTER,)) == []


def test_max_tx_usd(policy, tmp_path):
    assert only(policy, usd_value_out=D("10000")) == []
    (violation,) = only(policy, usd_value_out=D("10000.01"))
    assert violation.rule == "max_tx_usd"
    assert violation.step == "step 1"
    assert violation.message == (
        "this step moves 10,000.01 USD, above the per-transaction cap max_tx_usd = 10,000.00 USD"
    )
    assert f"raise max_tx_usd in {tmp_path / 'policy.toml'}" in violation.hint
    assert "swarmfi policy init" in violation.hint


def test_max_day_usd(policy):
    assert only(policy, usd_value_out=D(5000), spent_today_usd=D(20000)) == []
    (violation,) = only(policy, usd_value_out=D("5000.01"), spent_today_usd=D(20000))
    assert violation.rule == "max_day_usd"
    assert "20,000.00 USD already spent" in violation.message
    assert "makes 25,000.01 USD, above the daily cap max_day_usd = 25,000.00 USD" in (
        violation.message
    )


def test_check_plan_counts_earlier_steps_against_the_day(policy):
    steps = [Effects(label=f"step {i}", usd_value_out=D(9000)) for i in (1, 2, 3)]
    (violation,) = check_plan(policy, steps, REGISTRY, spent_today_usd=D(0))
    assert (violation.rule, violation.step) == ("max_day_usd", "step 3")
    assert "makes 27,000.00 USD" in violation.message
    assert check_plan(policy, steps[:2], REGISTRY, spent_today_usd=D(7000)) == []
    assert rules(check_plan(policy, steps[:2], REGISTRY, spent_today_usd=D("7000.01"))) == [
        "max_day_usd"
    ]


def test_default_slippage(policy):
    assert only(policy, slippage_pct=D(1)) == []
    (violation,) = only(policy, slippage_pct=D("1.01"))
    assert violation.rule == "max_slippage_pct"
    assert violation.message == (
        "this step allows 1.01 % slippage, but max_slippage_pct = 1 % and you did not ask for more"
    )


def test_slippage_the_user_asked_for(policy):
    assert only(policy, slippage_pct=D(3), requested_slippage_pct=D(3)) == []
    (violation,) = only(policy, slippage_pct=D("3.5"), requested_slippage_pct=D(3))
    assert violation.message == "this step allows 3.5 % slippage, but you asked for 3 %"
    tighter = only(policy, slippage_pct=D(1), requested_slippage_pct=D("0.5"))
    assert rules(tighter) == ["max_slippage_pct"]


def test_slippage_ceiling(policy):
    assert only(policy, slippage_pct=D(5), requested_slippage_pct=D(5)) == []
    (violation,) = only(policy, slippage_pct=D("5.01"), requested_slippage_pct=D("5.01"))
    assert violation.rule == "slippage_ceiling_pct"
    assert "you asked for 5.01 % slippage, above the hard ceiling" in violation.message
    assert "slippage_ceiling_pct = 5 %" in violation.message


def test_price_impact(policy):
    assert only(policy, price_impact_pct=D(3)) == []
    assert only(policy, price_impact_pct=D(-7)) == []  # better than the oracle
    (violation,) = only(policy, price_impact_pct=D("3.01"))
    assert violation.rule == "max_price_impact_pct"
    assert violation.message == (
        "the price is 3.01 % worse than the oracle's, above max_price_impact_pct = 3 %"
    )


def test_health_factor(policy):
    assert only(policy, health_factor_before=D(2), health_factor_after=D("1.5")) == []
    assert only(policy, health_factor_before=D(2), health_factor_after=None) == []
    (violation,) = only(policy, health_factor_before=D(2), health_factor_after=D("1.4999"))
    assert violation.rule == "min_health_factor"
    assert violation.message == (
        "the health factor after this step would be 1.4999 (it is 2 now), "
        "below min_health_factor = 1.5"
    )
    assert "lower min_health_factor in" in violation.hint
    (first_borrow,) = only(policy, health_factor_before=None, health_factor_after=D("1.2"))
    assert "would be 1.2, below" in first_borrow.message


def test_health_factor_allows_steps_that_improve_a_weak_position(policy):
    assert only(policy, health_factor_before=D("1.1"), health_factor_after=D("1.3")) == []
    assert rules(only(policy, health_factor_before=D("1.3"), health_factor_after=D("1.2"))) == [
        "min_health_factor"
    ]


def test_token_allowlist_defaults_to_the_registry(policy):
    assert only(policy, tokens=("ETH", "usdc", "WETH", USDC.lower())) == []
    found = only(policy, tokens=("PEPE", STRANGER, "PEPE"))
    assert rules(found) == ["allowed_tokens", "allowed_tokens"]
    assert found[0].message == "PEPE is not on the token allowlist"
    assert "extra_tokens" in found[0].hint


def test_token_allowlist_from_the_file(tmp_path):
    p = parse_policy('allowed_tokens = ["ETH", "USDC"]\nextra_tokens = ["pepe"]', tmp_path / "p")
    assert p.allowed_tokens == ("ETH", "USDC")
    assert only(p, tokens=("ETH", "USDC", USDC, "PEPE")) == []
    assert rules(only(p, tokens=("WETH",))) == ["allowed_tokens"]
    assert rules(only(p, tokens=(WETH,))) == ["allowed_tokens"]


def test_contract_allowlist(policy):
    assert only(policy, contracts=(ROUTER, LENDING.lower(), USDC)) == []
    (violation,) = only(policy, contracts=(ROUTER, STRANGER))
    assert violation.rule == "allowed_contracts"
    assert violation.message == f"contract {STRANGER} is not on the contract allowlist"


def test_contract_allowlist_from_the_file(tmp_path):
    text = f'allowed_contracts = ["router"]\nextra_contracts = ["{STRANGER}"]'
    p = parse_policy(text, tmp_path / "p")
    assert only(p, contracts=(ROUTER, STRANGER, USDC)) == []
    assert rules(only(p, contracts=(LENDING,))) == ["allowed_contracts"]


def test_a_pool_of_allowed_tokens_may_be_called(policy, tmp_path):
    pool = Pool(STRANGER, ("ETH", "USDC"))  # removing liquidity approves the LP token
    assert only(policy, contracts=(STRANGER, ROUTER), pools=(pool,)) == []
    narrow = parse_policy('allowed_tokens = ["USDC"]', tmp_path / "p")
    assert rules(only(narrow, contracts=(STRANGER,), pools=(pool,))) == ["allowed_contracts"]
    other = Pool(ALICE, ("ETH", "USDC"))
    assert rules(only(policy, contracts=(STRANGER,), pools=(other,))) == ["allowed_contracts"]


def test_approvals_are_exact(policy):
    assert only(policy, approvals=(Approval("USDC", ROUTER, 1_000_000, 1_000_000),)) == []
    (more,) = only(policy, approvals=(Approval("USDC", ROUTER, 1_000_001, 1_000_000),))
    assert more.rule == "exact_approvals"
    assert more.message == (
        f"the approval of USDC to {ROUTER} is for 1000001 (raw units), but the step needs 1000000"
    )
    (unlimited,) = only(policy, approvals=(Approval("USDC", ROUTER, 2**256 - 1, 5),))
    assert "is for an unlimited amount (raw units), but the step needs 5" in unlimited.message


def test_approval_spender_must_be_allowed(policy):
    found = only(policy, approvals=(Approval("USDC", STRANGER, 5, 5),))
    assert rules(found) == ["allowed_contracts"]


def test_transfer_to_a_typed_address(policy):
    assert only(policy, transfers=(Transfer("USDC", STRANGER, STRANGER.lower()),)) == []
    (violation,) = only(policy, transfers=(Transfer("USDC", ALICE, STRANGER),))
    assert violation.rule == "transfer_recipients"
    assert violation.message == (
        f"this step sends USDC to {ALICE}, not the address {STRANGER} you typed"
    )


def test_transfer_to_an_address_book_name(tmp_path):
    p = parse_policy(f'[address_book]\nAlice = "{ALICE.lower()}"', tmp_path / "p")
    assert p.address_book == {"Alice": ALICE}
    assert p.lookup(" alice ") == ALICE
    assert only(p, transfers=(Transfer("ETH", ALICE, "alice"),)) == []
    (wrong,) = only(p, transfers=(Transfer("ETH", STRANGER, "alice"),))
    assert "not the address the address book has for 'alice'" in wrong.message
    (unknown,) = only(p, transfers=(Transfer("ETH", STRANGER, "bob"),))
    assert "'bob', a name that is not in the address book" in unknown.message
    assert "address_book" in unknown.hint


def test_transfer_to_an_address_nobody_gave(policy):
    (violation,) = only(policy, transfers=(Transfer("ETH", STRANGER, ""),))
    assert violation.message == f"this step sends ETH to {STRANGER}, an address you did not give"
    assert only(policy, transfers=(Transfer("ETH", ME.lower(), ""),)) == []  # back to yourself


def test_many_violations_at_once_and_the_error(policy):
    found = only(policy, usd_value_out=D(30000), tokens=("PEPE",), price_impact_pct=D(10))
    assert rules(found) == ["max_tx_usd", "max_day_usd", "max_price_impact_pct", "allowed_tokens"]
    with pytest.raises(PolicyError) as caught:
        raise_for(found)
    assert caught.value.rule == "max_tx_usd"
    assert caught.value.exit_code == 3
    assert caught.value.message.startswith("step 1: this step moves 30,000.00 USD")
    assert caught.value.message.endswith("(and 3 more policy violations)")
    raise_for([])


def test_violation_json(policy):
    (violation,) = only(policy, usd_value_out=D(10001))
    assert set(violation.to_json()) == {"rule", "message", "hint", "step"}


def _flip_last_letter(address):
    i = max(i for i, c in enumerate(address) if c.isalpha() and i > 1)
    return address[:i] + address[i].swapcase() + address[i + 1 :]


# -- addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [  # the EIP-55 specification's examples
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ],
)
def test_checksum_address(address):
    assert checksum_address(address) == address
    assert checksum_address(address.lower()) == address
    assert checksum_address("0x" + address[2:].upper()) == address
    flipped = _flip_last_letter(address)
    with pytest.raises(ValueError, match="fails its EIP-55 checksum"):
        checksum_address(flipped)


def test_not_an_address():
    for text in ("0x123", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00", "0xZZ" + "0" * 38):
        with pytest.raises(ValueError, match="is not an address"):
            checksum_address(text)


# -- loading --------------------------------------------------------------------------------


def test_missing_file_means_defaults(tmp_path):
    p = load_policy(tmp_path / "nope.toml")
    assert p.model_dump() == Policy().model_dump()
    assert (p.source, p.path) == (None, tmp_path / "nope.toml")


def test_default_path_follows_swarmfi_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path))
    (tmp_path / "policy.toml").write_text("max_tx_usd = 123.45\n")
    p = load_policy()
    assert p.max_tx_usd == D("123.45")
    assert p.source == tmp_path / "policy.toml"


def test_the_default_file_is_exactly_the_defaults(tmp_path):
    written = write_default(tmp_path / "sub" / "policy.toml")
    assert written.read_text() == DEFAULT_TOML
    p = load_policy(written)
    assert p.model_dump() == Policy().model_dump()
    assert p.source == written
    for key in Policy.model_fields:
        assert key in DEFAULT_TOML


def test_init_never_overwrites(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("max_tx_usd = 1\n")
    with pytest.raises(UserInputError, match="already exists"):
        write_default(path)
    assert path.read_text() == "max_tx_usd = 1\n"


def test_decimals_stay_exact(tmp_path):
    p = parse_policy("max_tx_usd = 0.1\nmin_health_factor = 1.05\n", tmp_path / "p")
    assert (p.max_tx_usd, p.min_health_factor) == (D("0.1"), D("1.05"))


def test_bad_toml_names_file_and_line(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("max_tx_usd = 10000\nmax_day_usd = \n")
    with pytest.raises(StateError) as caught:
        load_policy(path)
    assert f"the policy file {path} is not valid TOML" in caught.value.message
    assert "line 2" in caught.value.message
    assert "delete the file" in caught.value.hint


def test_unknown_key_suggests_the_right_one(tmp_path):
    with pytest.raises(StateError) as caught:
        parse_policy("max_tx_usdd = 5\n", tmp_path / "p.toml")
    assert "has an unknown key 'max_tx_usdd'" in caught.value.message
    assert caught.value.hint.startswith("did you mean max_tx_usd?")


@pytest.mark.parametrize(
    ("text", "key", "fix"),
    [
        ("max_tx_usd = -1", "max_tx_usd = -1", "positive number of US dollars"),
        ("max_tx_usd = 0", "max_tx_usd = 0", "positive number"),
        ('max_day_usd = "lots"', "max_day_usd = 'lots'", "positive number"),
        ("max_day_usd = true", "max_day_usd = True", "positive number"),
        ("max_tx_usd = inf", "max_tx_usd = Decimal('Infinity')", "positive number"),
        ("max_price_impact_pct = 101", "max_price_impact_pct = 101", "from 0 to 100"),
        ("min_health_factor = 1", "min_health_factor = 1", "above 1"),
        ("max_slippage_pct = 6", "max_slippage_pct", "no higher than slippage_ceiling_pct"),
        ('allowed_tokens = "USDC"', "allowed_tokens = 'USDC'", "list of symbols"),
        ('extra_tokens = ["US DC"]', "extra_tokens", "list of symbols"),
        ('extra_contracts = ["routr"]', "extra_contracts", "list of addresses"),
        ('[address_book]\nbob = "0x123"', "address_book.bob = '0x123'", "one name ="),
        (f'[address_book]\n"{ALICE}" = "{ALICE}"', "address_book", "one name ="),
    ],
)
def test_bad_values_name_file_key_and_fix(tmp_path, text, key, fix):
    path = tmp_path / "policy.toml"
    with pytest.raises(StateError) as caught:
        parse_policy(text, path)
    assert caught.value.message.startswith(f"the policy file {path}: {key}")
    assert fix in caught.value.hint
    assert caught.value.exit_code == 2


def test_bad_checksum_in_the_address_book(tmp_path):
    typo = _flip_last_letter(ALICE)
    with pytest.raises(StateError, match="fails its EIP-55 checksum"):
        parse_policy(f'[address_book]\nalice = "{typo}"', tmp_path / "p")


def test_unreadable_file(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_bytes(b"max_tx_usd = \xff\xfe\n")
    with pytest.raises(StateError, match="cannot read the policy file"):
        load_policy(path)


# -- CLI ------------------------------------------------------------------------------------


def test_policy_show_json_defaults(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path))
    assert cli.run(["policy", "show", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["source"] is None
    assert data["path"] == str(tmp_path / "policy.toml")
    assert data["policy"]["max_tx_usd"] == "10000"
    assert data["policy"]["allowed_tokens"] is None


def test_policy_init_then_show(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    assert cli.run(["policy", "init"]) == 0
    assert (tmp_path / "home" / "policy.toml").read_text() == DEFAULT_TOML
    assert cli.run(["policy", "init"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli.run(["policy", "show"]) == 0
    out = capsys.readouterr().out
    assert f"policy: {tmp_path / 'home' / 'policy.toml'}" in out
    assert "max_tx_usd" in out
    assert "every token swarmfi knows" in out


def test_policy_show_file_option_and_bad_file(tmp_path, capsys):
    path = tmp_path / "custom.toml"
    path.write_text(f'max_tx_usd = 50\n[address_book]\nalice = "{ALICE}"\n')
    assert cli.run(["policy", "show", "--json", "--file", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["source"], data["policy"]["max_tx_usd"]) == (str(path), "50")
    assert data["policy"]["address_book"] == {"alice": ALICE}
    path.write_text("max_tx_usd = -5\n")
    assert cli.run(["policy", "show", "--file", str(path)]) == 2
    assert "max_tx_usd = -5 is not allowed" in " ".join(capsys.readouterr().err.split())
