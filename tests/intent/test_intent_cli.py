import io
import json

import pytest

from swarmfi import cli
from swarmfi.intent import parsers


def run(argv, monkeypatch, capsys, stdin=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.run(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_parse_renders_steps(monkeypatch, capsys):
    code, out, _ = run(["parse", "swap 1 ETH for USDC then supply half of it"], monkeypatch, capsys)
    assert code == 0
    assert "1. swap ETH -> USDC (spend 1 ETH)" in out
    assert "2. supply 50% of USDC from step 1 to the lending market" in out


def test_parse_json_prints_canonical_json(monkeypatch, capsys):
    code, out, _ = run(["parse", "--json", "每天定投100 USDC买ETH，持续30天"], monkeypatch, capsys)
    assert code == 0
    data = json.loads(out)
    assert data["schedule"] == {"every_seconds": 86400, "times": 30}
    assert data["steps"][0]["token_in"] == "USDC"


def test_refusal_exits_2_with_message_but_json_exits_0(monkeypatch, capsys):
    code, out, err = run(["parse", "swap ETH for USDC"], monkeypatch, capsys)
    assert code == 2 and out == ""
    assert "refused (ambiguous): say how much ETH to spend" in err
    code, out, _ = run(["parse", "--json", "swap ETH for USDC"], monkeypatch, capsys)
    assert code == 0
    assert json.loads(out)["error"]["kind"] == "ambiguous"


def test_stdin_mode_is_one_json_object_per_line(monkeypatch, capsys):
    lines = ["swap 1 ETH for USDC", "", "bridge 1 ETH to Base", "查询ETH价格", "   "]
    code, out, _ = run(["parse"], monkeypatch, capsys, stdin="\n".join(lines) + "\n")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == len(lines)
    assert rows[0]["steps"][0]["action"] == "swap"
    assert rows[1]["error"]["kind"] == "invalid"
    assert rows[2]["error"]["kind"] == "unsupported"
    assert rows[3]["steps"][0] == {
        "action": "query",
        "query": "price",
        "token": "ETH",
        "when": None,
    }
    assert rows[4]["error"]["kind"] == "invalid"


def test_unknown_parser_is_a_user_error(monkeypatch, capsys):
    code, _, err = run(["parse", "--parser", "nope", "swap 1 ETH for USDC"], monkeypatch, capsys)
    assert code == 2
    assert "no parser called 'nope'" in err and "embedded" in err


def _write(tmp_path, rows):
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return path


SWAP = {"steps": [{"action": "swap", "token_in": "ETH", "token_out": "USDC",
                   "amount": {"value": "1"}, "side": "in", "slippage": None, "when": None}],
        "schedule": None}  # fmt: skip


def test_eval_passes_and_reports(tmp_path, monkeypatch, capsys):
    joke = {"text": "tell me a joke", "expect": {"error": {"kind": "invalid", "message": ""}}}
    path = _write(tmp_path, [{"text": "swap 1 ETH for USDC", "expect": SWAP}, joke])
    code, out, _ = run(["eval", "intents", str(path)], monkeypatch, capsys)
    assert code == 0
    assert "accuracy 1.0000: 2/2 passed, 0 failed" in out


def test_eval_below_min_exits_1_and_shows_a_diff(tmp_path, monkeypatch, capsys):
    wrong = {**SWAP, "steps": [{**SWAP["steps"][0], "amount": {"value": "2"}}]}
    path = _write(tmp_path, [{"text": "swap 1 ETH for USDC", "expect": wrong},
                             {"text": "swap 1 ETH for USDC", "expect": SWAP}])  # fmt: skip
    code, out, _ = run(["eval", "intents", str(path)], monkeypatch, capsys)
    assert code == 1
    assert "FAIL line 1: swap 1 ETH for USDC" in out
    assert '-    "value": "2"' in out and '+    "value": "1"' in out
    assert "accuracy 0.5000: 1/2 passed, 1 failed" in out
    code, out, _ = run(
        ["eval", "intents", str(path), "--min", "0.5", "--json"], monkeypatch, capsys
    )
    report = json.loads(out)
    assert code == 0 and report["accuracy"] == 0.5 and report["failures"][0]["line"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "x"}\n', "line 1 needs"),
        ('\n{"text": "x", "expect": {"steps": []}}\n', "line 2: expect is not canonical"),
        ("not json\n", "line 1 is not JSON"),
        ("", "has no cases"),
    ],
)
def test_eval_bad_file_names_the_line(tmp_path, monkeypatch, capsys, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    code, _, err = run(["eval", "intents", str(path)], monkeypatch, capsys)
    assert code == 2
    assert message in " ".join(err.split())


def test_eval_missing_file(tmp_path, monkeypatch, capsys):
    code, _, err = run(["eval", "intents", str(tmp_path / "none.jsonl")], monkeypatch, capsys)
    assert code == 2 and "cannot read" in err


def test_a_registered_backend_plugs_into_parse_and_eval(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(parsers._REGISTRY, "always-swap", lambda text: SWAP)
    path = _write(tmp_path, [{"text": "anything", "expect": SWAP}])
    code, out, _ = run(
        ["eval", "intents", str(path), "--parser", "always-swap"], monkeypatch, capsys
    )
    assert code == 0 and "parser always-swap" in out
    code, out, _ = run(["parse", "--json", "--parser", "always-swap", "hi"], monkeypatch, capsys)
    assert json.loads(out) == SWAP


def test_a_backend_with_non_canonical_output_is_refused(monkeypatch):
    monkeypatch.setitem(parsers._REGISTRY, "broken", lambda text: {"steps": "nope"})
    monkeypatch.setitem(parsers._REGISTRY, "zero", lambda text: {
        **SWAP, "steps": [{**SWAP["steps"][0], "amount": {"value": "0"}}]})  # fmt: skip
    out = parsers.parse_dict("x", "broken")
    assert out["error"]["kind"] == "invalid" and "not canonical" in out["error"]["message"]
    assert parsers.parse_dict("x", "zero")["error"]["message"] == "an amount must be more than zero"


def test_registry_accepts_lazy_targets():
    parsers.register_parser("lazy-embedded", "swarmfi.intent.parser:parse_canonical")
    try:
        assert "lazy-embedded" in parsers.available()
        assert parsers.get_parser("lazy-embedded")("wrap 1 ETH")["steps"][0]["action"] == "wrap"
    finally:
        parsers._REGISTRY.pop("lazy-embedded")
    with pytest.raises(ValueError):
        parsers.register_parser("a:b", "x")
