import time

import pytest
from compute_support import FAST_RETRY, client, dead_url, run, user

from swarmfi.compute.client import ChatClient, Endpoint, RetryPolicy
from swarmfi.compute.failures import ChatError, retry_after_seconds
from swarmfi.compute.fake import FakeOpenAI, Reply
from swarmfi.compute.sse import SSEDecoder
from swarmfi.errors import ComputeProviderError

BODY = {"model": "m", "messages": user("hi")}


def endpoint(url: str, **kw) -> Endpoint:
    return Endpoint(name=kw.pop("name", "fake"), base_url=url, **kw)


async def _complete(fake: FakeOpenAI, c: ChatClient | None = None, **kw) -> dict:
    async with c or client() as chat:
        return await chat.complete(endpoint(fake.url, **kw), BODY)


async def _failure(fake: FakeOpenAI, c: ChatClient | None = None, **kw) -> ChatError:
    with pytest.raises(ChatError) as info:
        await _complete(fake, c, **kw)
    return info.value


def test_complete_returns_the_answer_and_sends_the_body():
    async def go():
        async with FakeOpenAI("hello") as fake:
            data = await _complete(fake)
            return data, fake.chat_requests()

    data, seen = run(go())
    assert data["choices"][0]["message"]["content"] == "hello"
    assert len(seen) == 1
    assert seen[0].body == {"model": "m", "messages": user("hi"), "stream": False}


def test_api_key_goes_in_the_header_and_never_in_repr():
    async def go():
        async with FakeOpenAI("x") as fake:
            await _complete(fake, api_key="sk-secret-123", key_env="K")
            return fake.chat_requests()[0].headers

    headers = run(go())
    assert headers["Authorization"] == "Bearer sk-secret-123"
    assert "sk-secret-123" not in repr(Endpoint("n", "http://x", "sk-secret-123", "K"))


def test_429_waits_for_retry_after_then_succeeds():
    limited = Reply("slow down", status=429, headers={"Retry-After": "0.3"})

    async def go():
        async with FakeOpenAI("fine") as fake:
            fake.script(limited)
            started = time.monotonic()
            data = await _complete(fake)
            return data, time.monotonic() - started, len(fake.chat_requests())

    data, elapsed, calls = run(go())
    assert data["choices"][0]["message"]["content"] == "fine"
    assert calls == 2
    assert elapsed >= 0.3


def test_retry_after_longer_than_max_wait_is_not_waited_out():
    limited = Reply("later", status=429, headers={"Retry-After": "60"})

    async def go():
        async with FakeOpenAI(limited) as fake:
            started = time.monotonic()
            error = await _failure(fake)
            return error, time.monotonic() - started, len(fake.chat_requests())

    error, elapsed, calls = run(go())
    assert calls == 1
    assert elapsed < 2
    assert error.status == 429
    assert error.retry_after == 60
    assert "rate limiting" in error.hint


def test_500_is_retried_with_backoff_then_succeeds():
    async def go():
        async with FakeOpenAI("ok") as fake:
            fake.script(Reply("boom", status=500), Reply("boom", status=503))
            data = await _complete(fake)
            return data, len(fake.chat_requests())

    data, calls = run(go())
    assert data["choices"][0]["message"]["content"] == "ok"
    assert calls == 3


def test_persistent_500_gives_up_after_the_retries():
    async def go():
        async with FakeOpenAI(Reply("internal failure", status=500)) as fake:
            return await _failure(fake), len(fake.chat_requests())

    error, calls = run(go())
    assert calls == 1 + FAST_RETRY.retries
    assert isinstance(error, ComputeProviderError)
    assert error.status == 500
    assert "internal failure" in error.message
    assert "retry later" in error.hint


def test_401_is_not_retried_and_names_the_key_variable():
    async def go():
        async with FakeOpenAI(Reply("bad key", status=401)) as fake:
            return await _failure(fake, api_key="sk-wrong", key_env="DEEPSEEK_API_KEY"), len(
                fake.chat_requests()
            )

    error, calls = run(go())
    assert calls == 1
    assert "$DEEPSEEK_API_KEY" in error.hint
    assert "sk-wrong" not in error.one_line()


def test_malformed_json_is_an_error_with_a_hint():
    async def go():
        async with FakeOpenAI(Reply(raw=b"{not json")) as fake:
            return await _failure(fake), len(fake.chat_requests())

    error, calls = run(go())
    assert error.reason == "malformed"
    assert calls == 3
    assert "/v1" in error.hint


def test_answer_without_choices_is_malformed():
    async def go():
        async with FakeOpenAI(Reply(raw=b'{"id": "x"}')) as fake:
            return await _failure(fake)

    assert "choices" in run(go()).message


def test_timeout_is_not_retried():
    async def go():
        async with FakeOpenAI(Reply("late", delay_s=1.0)) as fake:
            started = time.monotonic()
            error = await _failure(fake, timeout_s=0.2)
            return error, time.monotonic() - started, len(fake.chat_requests())

    error, elapsed, calls = run(go())
    assert error.reason == "timeout"
    assert calls == 1
    assert elapsed < 0.9
    assert "timeout_s" in error.hint


def test_connection_refused_is_reported_at_once():
    async def go():
        with pytest.raises(ChatError) as info:
            async with ChatClient(retry=RetryPolicy(retries=5, base_s=1.0)) as chat:
                started = time.monotonic()
                await chat.complete(endpoint(dead_url()), BODY)
        return info.value, time.monotonic() - started

    error, elapsed = run(go())
    assert elapsed < 0.5  # five retries a second apart would take far longer
    assert (error.reason, error.retryable) == ("refused", False)
    assert "cannot reach" in error.message
    assert "llama-server" in error.hint


def test_dropped_connection_is_retried():
    async def go():
        async with FakeOpenAI("after drop") as fake:
            fake.script(Reply(drop=True))
            data = await _complete(fake)
            return data, len(fake.chat_requests())

    data, calls = run(go())
    assert data["choices"][0]["message"]["content"] == "after drop"
    assert calls == 2


def test_stream_yields_chunks_until_done():
    async def go():
        async with FakeOpenAI(Reply("one two three", stream_chunks=3)) as fake, client() as c:
            chunks = [ch async for ch in c.stream(endpoint(fake.url), BODY)]
            return chunks, fake.chat_requests()[0]

    chunks, seen = run(go())
    text = "".join(ch["choices"][0]["delta"].get("content", "") for ch in chunks if ch["choices"])
    assert text == "one two three"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert seen.body["stream"] is True
    assert seen.headers["Accept"] == "text/event-stream"


def test_stream_error_status_is_retried_before_the_stream_starts():
    async def go():
        async with FakeOpenAI("streamed") as fake, client() as c:
            fake.script(Reply("busy", status=503))
            chunks = [ch async for ch in c.stream(endpoint(fake.url), BODY)]
            return chunks, len(fake.chat_requests())

    chunks, calls = run(go())
    assert calls == 2
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "streamed"


def test_stream_broken_midway_raises():
    async def go():
        async with FakeOpenAI(Reply("abcdef", fail_mid_stream=True)) as fake, client() as c:
            got = []
            with pytest.raises(ChatError) as info:
                async for ch in c.stream(endpoint(fake.url), BODY):
                    got.append(ch)
            return got, info.value

    got, error = run(go())
    assert len(got) == 1
    assert error.reason == "connection"


def test_a_client_is_reusable_across_event_loops_after_aclose():
    chat = client()

    async def once(fake_text):
        async with FakeOpenAI(fake_text) as fake:
            data = await chat.complete(endpoint(fake.url), BODY)
            await chat.aclose()
            return data["choices"][0]["message"]["content"]

    assert run(once("first")) == "first"
    assert run(once("second")) == "second"


def test_sse_decoder_joins_multiline_data_and_skips_comments():
    decoder = SSEDecoder()
    events = [decoder.feed(line) for line in [": ping", "data: a", "data: b", "", "data:c", ""]]
    assert [e for e in events if e is not None] == ["a\nb", "c"]
    assert decoder.flush() is None


def test_retry_after_parses_seconds_dates_and_millis():
    assert retry_after_seconds({"Retry-After": "2"}) == 2.0
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    date = "Wed, 21 Oct 2015 07:28:10 GMT"
    assert retry_after_seconds({"Retry-After": date}, now=1445412480.0) == 10.0
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_backoff_doubles_with_jitter_and_stops_after_retries():
    policy = RetryPolicy(retries=3, base_s=1.0, cap_s=3.0)
    err = ChatError("x", "y", provider="p", reason="http_500", retryable=True)
    assert policy.delay(0, err, rand=lambda: 0.0) == 0.5
    assert policy.delay(1, err, rand=lambda: 1.0) == 2.0
    assert policy.delay(2, err, rand=lambda: 1.0) == 3.0
    assert policy.delay(3, err, rand=lambda: 1.0) is None
    fatal = ChatError("x", "y", provider="p", reason="http_401", retryable=False)
    assert policy.delay(0, fatal) is None
