import pytest
from compute_support import client, dead_url, provider, run, user

from swarmfi.compute.fake import FakeOpenAI, Reply
from swarmfi.compute.protocol import ChatRequest
from swarmfi.compute.router import Router
from swarmfi.compute.usage import Budget, CallRecord, UsageStore
from swarmfi.errors import ComputeProviderError, PolicyError

ADDRESS = "0xde709f2102306220921060314715629080e2fb77"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def router(providers, **kw) -> Router:
    kw.setdefault("client", client())
    return Router(providers, **kw)


def names(route) -> list[str]:
    return [p.name for p in route.providers]


def test_falls_back_in_order_when_the_first_provider_fails():
    async def go():
        async with FakeOpenAI(Reply("down", status=500)) as bad, FakeOpenAI("from b") as good:
            providers = [
                provider(bad.url, "a", price=(1, 1)),
                provider(good.url, "b", price=(9, 9)),
            ]
            async with router(providers) as r:
                done = await r.complete(user("hello"))
            return done, len(bad.chat_requests()), len(good.chat_requests())

    done, bad_calls, good_calls = run(go())
    assert (done.provider, done.text) == ("b", "from b")
    assert bad_calls == 3  # the first try and two retries, then the fallback
    assert good_calls == 1


def test_timeout_falls_back_without_retrying():
    async def go():
        async with FakeOpenAI(Reply("late", delay_s=1.0)) as slow, FakeOpenAI("quick") as fast:
            providers = [provider(slow.url, "slow", timeout_s=0.2), provider(fast.url, "fast")]
            async with router(providers, objective="cheapest") as r:
                done = await r.complete(user("hi"))
            return done, len(slow.chat_requests())

    done, slow_calls = run(go())
    assert done.provider == "fast"
    assert slow_calls == 1


def test_cooldown_skips_a_failed_provider_until_it_expires():
    clock = Clock()

    async def go():
        async with FakeOpenAI("a answers") as a, FakeOpenAI("b answers") as b:
            a.script(Reply(raw=b"garbage"), Reply(raw=b"garbage"), Reply(raw=b"garbage"))
            providers = [provider(a.url, "a", price=(1, 1)), provider(b.url, "b", price=(2, 2))]
            async with router(providers, cooldown_s=30, clock=clock) as r:
                first = await r.complete(user("one"))
                calls_a = len(a.chat_requests())
                second = await r.complete(user("two"))
                cooling = r.cooling()
                assert len(a.chat_requests()) == calls_a  # not even tried while cooling
                clock.now += 31
                third = await r.complete(user("three"))
            return first, second, third, cooling

    first, second, third, cooling = run(go())
    assert [first.provider, second.provider, third.provider] == ["b", "b", "a"]
    assert set(cooling) == {"a"}
    assert cooling["a"] == pytest.approx(30)


def test_cooldown_doubles_on_consecutive_failures():
    clock = Clock()

    async def go():
        providers = [provider(dead_url(), "down")]
        async with router(providers, cooldown_s=10, clock=clock) as r:
            for _ in range(3):
                with pytest.raises(ComputeProviderError):
                    await r.complete(user("x"))
            return r.cooling()["down"]

    assert run(go()) == pytest.approx(40)


def test_cheapest_fastest_and_weighted_order():
    a = provider("http://127.0.0.1:1/v1", "cheap-slow", price=(0.1, 0.1), latency_s=5.0)
    b = provider("http://127.0.0.1:2/v1", "dear-fast", price=(10, 10), latency_s=0.5)
    c = provider("http://127.0.0.1:3/v1", "middle", price=(1, 1), latency_s=1.0)
    request = ChatRequest(tuple(user("x" * 400)))
    assert names(router([a, b, c], objective="cheapest").route(request)) == [
        "cheap-slow",
        "middle",
        "dear-fast",
    ]
    assert names(router([a, b, c], objective="fastest").route(request)) == [
        "dear-fast",
        "middle",
        "cheap-slow",
    ]
    weighted = router([a, b, c], objective="weighted", cost_weight=0.5, latency_weight=0.5)
    assert names(weighted.route(request)) == ["middle", "cheap-slow", "dear-fast"]


def test_fastest_learns_observed_latency():
    async def go():
        async with FakeOpenAI("s", latency_s=0.25) as slow, FakeOpenAI("f") as fast:
            providers = [
                provider(slow.url, "s", latency_s=0.01),
                provider(fast.url, "f", latency_s=0.1),
            ]
            async with router(providers, objective="fastest") as r:
                first = await r.complete(user("1"))
                order = names(r.route(ChatRequest(tuple(user("2")))))
            return first.provider, order

    first, order = run(go())
    assert first == "s"  # its prior (0.01 s) said it was the fastest
    assert order == ["f", "s"]  # observed 0.25 s is slower than f's prior of 0.1 s


def test_sensitive_prompt_never_reaches_cloud_even_when_every_local_is_down():
    async def go():
        async with FakeOpenAI("cloud answer") as cloud:
            providers = [
                provider(dead_url(), "local-1", privacy="local"),
                provider(dead_url(), "local-2", privacy="local"),
                provider(cloud.url, "cloud", privacy="cloud"),
            ]
            async with router(providers) as r:
                with pytest.raises(ComputeProviderError) as info:
                    await r.complete(user(f"send 5 USDC to {ADDRESS}"))
                with pytest.raises(ComputeProviderError) as marked:
                    await r.complete(user("harmless words"), sensitive=True)
                plain = await r.complete(user("swap 1 ETH for USDC"))
            return info.value, marked.value, plain, cloud.chat_requests()

    error, marked, plain, seen = run(go())
    assert "not sent to any cloud provider" in error.message
    assert "wallet address" in error.message
    assert "local-1" in error.message and "local-2" in error.message
    assert "not sent to any cloud provider" in marked.message
    assert plain.provider == "cloud"
    assert len(seen) == 1
    assert all(ADDRESS not in s.prompt and "harmless" not in s.prompt for s in seen)


def test_sensitive_prompt_without_any_private_provider_fails_clearly():
    async def go():
        async with FakeOpenAI("no") as cloud:
            async with router([provider(cloud.url, "cloud")]) as r:
                with pytest.raises(ComputeProviderError) as info:
                    await r.complete(user("what is my balance?"), sensitive=False)
            return info.value, cloud.requests

    error, seen = run(go())
    assert "only to a local or TEE provider" in error.message
    assert "tee" in error.hint
    assert seen == []


def test_sensitive_prompt_goes_to_tee_when_local_is_down():
    async def go():
        async with FakeOpenAI("tee answer") as tee, FakeOpenAI("cloud") as cloud:
            providers = [
                provider(cloud.url, "cloud", privacy="cloud"),
                provider(dead_url(), "local", privacy="local"),
                provider(tee.url, "tee", privacy="tee", price=(5, 5)),
            ]
            async with router(providers) as r:
                done = await r.complete(user(f"balance of {ADDRESS}?"))
            return done, cloud.requests

    done, cloud_seen = run(go())
    assert (done.provider, done.sensitive) == ("tee", True)
    assert cloud_seen == []


def test_providers_without_their_key_are_skipped():
    async def go():
        async with FakeOpenAI("keyed") as fake:
            locked = provider(fake.url, "locked", price=(0, 0), api_key_env="SWARMFI_TEST_KEY")
            open_ = provider(fake.url, "open", price=(1, 1))
            async with router([locked, open_], environ={}) as r:
                no_key = await r.complete(user("x"))
            async with router([locked, open_], environ={"SWARMFI_TEST_KEY": "k1"}) as r:
                keyed = await r.complete(user("x"))
            return no_key.provider, keyed.provider, fake.chat_requests()[-1].headers

    no_key, keyed, headers = run(go())
    assert (no_key, keyed) == ("open", "locked")
    assert headers["Authorization"] == "Bearer k1"


def test_missing_key_everywhere_names_the_variable():
    p = provider("https://api.example.com/v1", "solo", api_key_env="SOLO_KEY")
    with pytest.raises(ComputeProviderError) as info:
        router([p], environ={}).route(ChatRequest(tuple(user("x"))))
    assert "$SOLO_KEY" in info.value.message


def test_budget_per_run_stops_with_a_clear_error(tmp_path):
    usage = UsageStore(tmp_path / "u.sqlite3")

    async def go():
        async with FakeOpenAI(Reply("paid", usage=(1000, 1000))) as fake:
            priced = provider(fake.url, "priced", price=(100, 100))  # $0.2 per call
            async with router([priced], budget=Budget(run_usd=0.5), usage=usage) as r:
                await r.complete(user("1"), max_tokens=10)
                await r.complete(user("2"), max_tokens=10)
                with pytest.raises(PolicyError) as info:
                    await r.complete(user("3"), max_tokens=10_000)
                return info.value, r.spent_run, len(fake.chat_requests())

    error, spent, calls = run(go())
    assert calls == 2
    assert spent == pytest.approx(0.4)
    assert error.rule == "compute.budget_run_usd"
    assert "budget" in error.message and "0.400000" in error.message
    assert "budget_run_usd" in error.hint


def test_budget_per_day_counts_earlier_runs(tmp_path):
    usage = UsageStore(tmp_path / "u.sqlite3")
    usage.record(CallRecord("earlier", "x", "m", "cloud", False, True, cost_usd=1.0))

    async def go():
        async with FakeOpenAI("free") as fake:
            providers = [
                provider(fake.url, "priced", price=(5, 5)),
                provider(fake.url, "free", privacy="local"),
            ]
            async with router(providers, budget=Budget(day_usd=1.0), usage=usage) as r:
                return (await r.complete(user("x"))).provider, r.spent_day()

    chosen, spent_day = run(go())
    assert chosen == "free"  # the priced one would break today's budget
    assert spent_day == pytest.approx(1.0)
    over = router(
        [provider("http://127.0.0.1:9/v1", "p", price=(5, 5))],
        budget=Budget(day_usd=1.0),
        usage=usage,
    )
    with pytest.raises(PolicyError) as info:
        over.route(ChatRequest(tuple(user("x"))))
    assert "today" in info.value.message


def test_every_call_is_accounted_in_sqlite(tmp_path):
    usage = UsageStore(tmp_path / "u.sqlite3")

    async def go():
        async with FakeOpenAI(Reply("answer", usage=(120, 30))) as fake:
            providers = [
                provider(dead_url(), "down", price=(0, 0)),
                provider(fake.url, "up", price=(2.0, 8.0)),
            ]
            async with router(providers, usage=usage, run_id="run-1") as r:
                return await r.complete(user("count me"))

    done = run(go())
    rows = usage.calls("run-1")
    assert [(r["provider"], r["ok"], r["error"]) for r in rows] == [
        ("down", 0, "refused"),
        ("up", 1, None),
    ]
    up = rows[1]
    assert (up["input_tokens"], up["output_tokens"], up["estimated"]) == (120, 30, 0)
    assert up["cost_usd"] == pytest.approx((120 * 2.0 + 30 * 8.0) / 1e6)
    assert done.cost_usd == pytest.approx(up["cost_usd"])
    assert usage.spent_run("run-1") == pytest.approx(done.cost_usd)
    (summary,) = [s for s in usage.summary() if s["provider"] == "up"]
    assert summary["calls"] == 1 and summary["input_tokens"] == 120


def test_tokens_are_estimated_when_the_provider_reports_none():
    async def go():
        async with FakeOpenAI(Reply("x" * 40, report_usage=False)) as fake:
            r = router([provider(fake.url, "p", price=(1, 1))])
            async with r:
                return await r.complete(user("y" * 400))

    done = run(go())
    assert done.usage.estimated
    assert done.usage.output_tokens == 10
    assert done.usage.input_tokens == 104


def test_schema_uses_json_schema_where_supported_else_json_mode():
    schema = {"title": "Intent", "type": "object", "properties": {"a": {"type": "string"}}}

    async def go():
        async with FakeOpenAI('{"a": "x"}') as fake:
            strict = provider(fake.url, "s", caps=("json_schema", "json_object"))
            loose = provider(fake.url, "j", caps=("json_object",))
            bare = provider(fake.url, "t")
            for p in (strict, loose, bare):
                async with router([p]) as r:
                    done = await r.complete(
                        [{"role": "system", "content": "Be brief."}, *user("go")], schema=schema
                    )
                    assert done.format == {"s": "json_schema", "j": "json_object"}.get(
                        p.name, "text"
                    )
            return [s.body for s in fake.chat_requests()]

    strict, loose, bare = run(go())
    assert strict["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Intent", "schema": schema, "strict": False},
    }
    assert strict["messages"][0]["content"] == "Be brief."
    assert loose["response_format"] == {"type": "json_object"}
    assert "JSON Schema" in loose["messages"][0]["content"]
    assert loose["messages"][0]["content"].startswith("Be brief.")
    assert "response_format" not in bare
    assert '"title":"Intent"' in bare["messages"][0]["content"]


def test_stream_falls_back_before_the_first_chunk_and_is_accounted(tmp_path):
    usage = UsageStore(tmp_path / "u.sqlite3")

    async def go():
        async with FakeOpenAI("streamed text", latency_s=0) as fake:
            providers = [
                provider(dead_url(), "down"),
                provider(fake.url, "up", price=(1, 1), caps=("stream_usage",)),
            ]
            async with router(providers, usage=usage, run_id="s") as r:
                stream = r.stream(user("tell me"))
                deltas = [d async for d in stream]
                return deltas, stream.completion

    deltas, done = run(go())
    assert "".join(deltas) == "streamed text"
    assert len(deltas) == 3
    assert (done.provider, done.text, done.usage.estimated) == ("up", "streamed text", False)
    assert [r["ok"] for r in usage.calls("s")] == [0, 1]


def test_sync_wrapper_runs_in_its_own_loop():
    with FakeOpenAI("sync answer").running() as url:
        r = router([provider(url, "p")])
        assert r.complete_sync(user("a")).text == "sync answer"
        assert r.complete_sync(user("b")).text == "sync answer"
