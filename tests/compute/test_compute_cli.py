import json

from swarmfi import cli
from swarmfi.compute.fake import FakeOpenAI, Reply
from swarmfi.compute.usage import UsageStore


def test_llm_ask_goes_through_the_router_and_usage_reports_it(tmp_path, monkeypatch, capsys):
    db = tmp_path / "usage.sqlite3"
    monkeypatch.setenv("SWARMFI_USAGE_DB", str(db))
    with FakeOpenAI(Reply("forty-two", usage=(50, 5))).running() as url:
        monkeypatch.setenv("SWARMFI_LLM_BASE_URL", url)
        assert cli.run(["llm", "ask", "what is six times seven", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["text"], answer["provider"]) == ("forty-two", "env")
    assert cli.run(["usage", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["total_calls"] == 1
    (row,) = report["rows"]
    assert (row["provider"], row["input_tokens"], row["output_tokens"]) == ("env", 50, 5)


def test_usage_table_and_empty_database(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "250")
    db = tmp_path / "u.sqlite3"
    assert cli.run(["usage", "--db", str(db)]) == 0
    assert "no LLM calls recorded" in capsys.readouterr().out
    store = UsageStore(db)
    from swarmfi.compute.usage import CallRecord

    store.record(
        CallRecord(
            "r",
            "deepseek",
            "deepseek-chat",
            "cloud",
            False,
            True,
            10,
            20,
            cost_usd=0.25,
            latency_s=1.5,
        )
    )
    store.close()
    assert cli.run(["usage", "--db", str(db), "--days", "1"]) == 0
    out = capsys.readouterr().out
    assert "deepseek" in out and "0.250000" in out


def test_llm_providers_lists_presets_without_keys(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-printed")
    assert cli.run(["llm", "providers", "--json"]) == 0
    out = capsys.readouterr().out
    assert "sk-never-printed" not in out
    rows = {r["name"]: r for r in json.loads(out)["providers"]}
    assert rows["openai"]["key_set"] is True
    assert rows["phala"]["privacy"] == "tee"
    assert cli.run(["llm", "providers"]) == 0
    assert "llamacpp" in capsys.readouterr().out


def test_sensitive_ask_with_only_a_cloud_provider_exits_5(monkeypatch, capsys):
    with FakeOpenAI("never").running() as url:
        monkeypatch.setenv("SWARMFI_LLM_BASE_URL", url)
        monkeypatch.setenv("SWARMFI_LLM_PRIVACY", "cloud")
        assert cli.run(["llm", "ask", "hello", "--sensitive"]) == 5
    assert "not sent to any cloud provider" in " ".join(capsys.readouterr().err.split())
