"""`swarmfi serve` as a real HTTP server on loopback, driven over the wire."""

import json
import stat
import urllib.error
import urllib.request
from decimal import Decimal

import pytest
from tests.server.support import Served

SWAP = "swap 1 ETH for USDC"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(tmp_path_factory.mktemp("http"))
    yield server
    server.close()


def balances(served):
    return served.call("/v1/balances")[1]["balances"]


def test_the_tokens_are_private_and_printed_once(served):
    for name in ("api.token", "approver.token"):
        assert stat.S_IMODE((served.state / name).stat().st_mode) == 0o600
    assert served.api_token in served.banner[1]
    assert f"#key={served.approver}" in served.banner[2]


def test_openapi_lists_the_api(served):
    status, doc = served.call("/openapi.json")
    assert status == 200
    assert doc["openapi"].startswith("3.1")
    assert {"/v1/preview", "/v1/runs", "/v1/runs/{plan_id}", "/v1/runs/{plan_id}/approve",
            "/v1/balances", "/v1/orders", "/v1/ledger/verify"} <= set(doc["paths"])


def test_writes_need_the_token(served):
    status, body = served.call("/v1/preview", {"text": SWAP})
    assert status == 401
    assert body["error"]["kind"] == "auth"
    assert "api.token" in body["error"]["hint"]
    assert served.call("/v1/preview", {"text": SWAP}, token="wrong")[0] == 401


def test_preview_then_the_person_approves_then_it_runs(served):
    before = balances(served)
    status, shown = served.call("/v1/preview", {"text": SWAP}, token=served.api_token)
    assert (status, shown["status"]) == (200, "awaiting_approval")
    plan_id = shown["plan_id"]
    assert shown["preview"]["steps"][0]["usd_value"] == "3000"
    status, waiting = served.call("/v1/runs", {"plan_id": plan_id}, token=served.api_token)
    assert (status, waiting["status"]) == (200, "awaiting_approval")
    assert balances(served) == before
    status, refused = served.call(f"/v1/runs/{plan_id}/approve", {"decision": "approve"},
                                  token=served.api_token)  # a program cannot approve
    assert (status, refused["error"]["kind"]) == (401, "auth")
    status, approved = served.call(f"/v1/runs/{plan_id}/approve", {"decision": "approve"},
                                   token=served.approver)
    assert (status, approved["status"]) == (200, "approved")
    status, done = served.call("/v1/runs?wait=1", {"plan_id": plan_id}, token=served.api_token)
    assert (status, done["status"], done["approved_by"]) == (200, "done", "person:web")
    after = balances(served)
    assert Decimal(after["USDC"]) - Decimal(before["USDC"]) >= Decimal("2975")
    events = served.events(plan_id)
    assert events[-1][0] == "end" and events[-1][1]["status"] == "done"
    labels = [data.get("label") for kind, data in events if kind == "progress"]
    assert "step 1: swap" in labels
    again = served.call("/v1/runs?wait=1", {"plan_id": plan_id}, token=served.api_token)[1]
    assert again["status"] == "awaiting_approval"  # used once; a new plan needs approval


def test_a_run_streams_its_progress_live(served):
    shown = served.call("/v1/preview", {"text": "swap 0.1 ETH for USDC"},
                        token=served.api_token)[1]
    served.call(f"/v1/runs/{shown['plan_id']}/approve", {}, token=served.approver)
    status, started = served.call("/v1/runs", {"plan_id": shown["plan_id"]},
                                  token=served.api_token)
    assert status in (200, 202)
    assert started["plan_id"] == shown["plan_id"]
    events = served.events(shown["plan_id"])
    kinds = [data.get("kind") for kind, data in events if kind == "progress"]
    assert kinds[0] == "started" and kinds[-1] == "finished"
    assert served.call(f"/v1/runs/{shown['plan_id']}")[1]["status"] == "done"


def test_errors_carry_swarmfi_kinds_and_hints(served):
    token = served.api_token
    status, body = served.call("/v1/preview", raw=b"{not json", token=token)
    assert (status, body["error"]["kind"]) == (400, "input")
    status, body = served.call("/v1/preview", {"txt": SWAP}, token=token)
    assert status == 400 and '"text"' in body["error"]["message"]
    status, body = served.call("/v1/preview", {"text": "swap some ETH"}, token=token)
    assert (status, body["error"]["kind"]) == (422, "refusal")
    assert body["error"]["hint"]
    status, body = served.call("/v1/preview", raw=b'{"text": "' + b"x" * 70_000 + b'"}',
                               token=token)
    assert status == 413
    status, body = served.call("/v1/runs/p-nosuchplan")
    assert (status, body["error"]["kind"]) == (400, "input")


def test_a_blocked_plan_names_its_rule(served):
    status, body = served.call("/v1/preview", {"text": "swap 5 ETH for USDC"},
                               token=served.api_token)
    assert (status, body["status"], body["plan_id"]) == (200, "blocked", None)
    assert body["preview"]["violations"][0]["rule"] == "max_tx_usd"
    status, body = served.call("/v1/runs", {"text": "swap 5 ETH for USDC"},
                               token=served.api_token)
    assert (status, body["error"]["kind"], body["error"]["rule"]) == (403, "policy", "max_tx_usd")


def test_reads_and_the_ledger(served):
    assert served.call("/v1/orders")[1] == {"status": "ok", "orders": []}
    status, verified = served.call("/v1/ledger/verify")
    assert status == 200 and verified["ok"] is True
    runs = served.call("/v1/runs")[1]["runs"]
    assert runs and all("status" in r for r in runs)
    assert served.call("/v1/orders/7/cancel", {}, token=served.api_token)[0] == 400


def test_a_foreign_host_header_is_refused(served):
    request = urllib.request.Request(served.url + "/v1/balances",
                                     headers={"Host": "evil.example:80"})
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("answered a foreign host")
    except urllib.error.HTTPError as exc:
        assert exc.code == 421
        assert json.loads(exc.read())["error"]["kind"] == "auth"


def test_no_cors_headers_unless_configured(served):
    request = urllib.request.Request(served.url + "/v1/balances",
                                     headers={"Origin": "http://evil.example"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers.get("access-control-allow-origin") is None


def test_the_rate_limit(tmp_path):
    server = Served(tmp_path, "--rate", "1")
    try:
        codes = [server.call("/v1/health")[0] for _ in range(12)]
    finally:
        server.close()
    assert codes[:10] == [200] * 10
    assert 429 in codes[10:]
