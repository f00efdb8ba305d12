"""A fault-injecting JSON-RPC proxy on 127.0.0.1, for tests that point swarmfi at an
endpoint that lies, loses answers or swallows transactions.

    with FaultyRpc(upstream_url, Lossy(mode="drop")) as proxy:    # port 0, in a thread
        run_the_cli("--rpc", proxy.url)
        proxy.set(Blackhole())          # replace the faults while it runs (thread-safe)
        proxy.add(Delayed(methods={"eth_call"}, seconds=0.2)); proxy.clear()
        proxy.seen("eth_sendRawTransaction")        # every call received: Seen(method, …)
        proxy.broadcasts()                          # raw txs that reached upstream: RawTx
        proxy.hashes_per_nonce()                    # {(sender, nonce): {hash, …}}

Everything no fault names is forwarded as is (one keep-alive upstream connection per
handler thread): pyrevm forks read their state through the same URL. The faults are in
`support.rpc_faults`.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from support.rpc_faults import (
    SEND,
    Answer,
    Blackhole,
    Break,
    Call,
    Delayed,
    FailAfter,
    Fault,
    LieBalance,
    LieChainId,
    Lossy,
    RawTx,
    Reorder,
)

__all__ = ["Blackhole", "Delayed", "FailAfter", "FaultyRpc", "LieBalance", "LieChainId",
           "Lossy", "RawTx", "Reorder", "Seen"]

UPSTREAM_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Seen:
    """One JSON-RPC call, as received (or as forwarded), with its time.monotonic()."""

    method: str
    params: list[Any]
    at: float


class _Broken(Exception):
    def __init__(self, how: Break) -> None:
        self.how = how


class FaultyRpc:
    """The proxy: start with `with FaultyRpc(url, *faults) as proxy` (or .start()/.close())."""

    def __init__(self, upstream_url: str, *faults: Fault) -> None:
        parts = urllib.parse.urlsplit(upstream_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be an http:// URL, not {upstream_url!r}")
        self.target = (parts.hostname, parts.port or 80, parts.path or "/")
        self._lock = threading.Lock()
        self._faults: tuple[Fault, ...] = tuple(faults)
        self._seen: list[Seen] = []
        self._forwarded: list[Seen] = []
        self._broadcasts: list[RawTx] = []
        self._local = threading.local()
        self.closing = threading.Event()
        self.server = _ProxyServer(self)
        self._thread: threading.Thread | None = None

    # -- lifecycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FaultyRpc:
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self.closing.set()
        if self._thread is not None:
            self.server.shutdown()
            self._thread.join(timeout=5)
        self.server.server_close()

    def __enter__(self) -> FaultyRpc:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- switching faults

    def set(self, *faults: Fault) -> None:
        """Replace the active faults (none: a faithful proxy)."""
        with self._lock:
            self._faults = tuple(faults)

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults = (*self._faults, fault)

    def clear(self) -> None:
        self.set()

    @property
    def faults(self) -> tuple[Fault, ...]:
        with self._lock:
            return self._faults

    # -- what happened

    def seen(self, method: str | None = None) -> list[Seen]:
        """Every call received (each batch member on its own), oldest first."""
        with self._lock:
            return [s for s in self._seen if method is None or s.method == method]

    def forwarded(self, method: str | None = None) -> list[Seen]:
        """The calls that reached upstream."""
        with self._lock:
            return [s for s in self._forwarded if method is None or s.method == method]

    def broadcasts(self) -> list[RawTx]:
        """eth_sendRawTransaction calls that reached upstream, decoded, oldest first."""
        with self._lock:
            return list(self._broadcasts)

    def hashes_per_nonce(self) -> dict[tuple[str, int], set[str]]:
        """The distinct transactions upstream was sent for each (sender, nonce)."""
        per: dict[tuple[str, int], set[str]] = defaultdict(set)
        for tx in self.broadcasts():
            per[(tx.sender, tx.nonce)].add(tx.hash)
        return dict(per)

    def reset_log(self) -> None:
        with self._lock:
            self._seen.clear()
            self._forwarded.clear()
            self._broadcasts.clear()

    # -- forwarding

    def upstream(self, method: str, params: list[Any]) -> Any:
        """Ask upstream directly (not logged, no faults): the result, or RuntimeError."""
        reply = json.loads(self._post(json.dumps(Call(method, params, 1).to_json()).encode()))
        if "error" in reply:
            raise RuntimeError(f"upstream {method}: {reply['error']}")
        return reply["result"]

    def forward(self, call: Call) -> dict[str, Any]:
        """Send `call` upstream, logged (and decoded when it is a broadcast)."""
        self._log_forwarded([call])
        reply: dict[str, Any] = json.loads(self._post(json.dumps(call.to_json()).encode()))
        return reply

    def _log_forwarded(self, calls: list[Call]) -> None:
        sends = [RawTx.decode(c.params[0]) for c in calls if c.method == SEND and c.params]
        now = time.monotonic()
        with self._lock:
            self._forwarded += [Seen(c.method, c.params, now) for c in calls]
            self._broadcasts += sends

    def _post(self, body: bytes) -> bytes:
        for attempt in (1, 2):  # a kept-alive connection upstream closed: reconnect once
            connection = self._connection()
            try:
                connection.request("POST", self.target[2], body,
                                   {"Content-Type": "application/json"})
                return connection.getresponse().read()
            except (ConnectionError, http.client.HTTPException):
                connection.close()
                self._local.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def release_upstream(self) -> None:
        """Close this thread's upstream connection (its client connection has ended)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            host, port, _ = self.target
            connection = http.client.HTTPConnection(host, port, timeout=UPSTREAM_TIMEOUT_S)
            self._local.connection = connection
        return connection

    # -- answering

    def answer(self, body: bytes) -> bytes:
        """The reply body for a request body; _Broken when a fault breaks the exchange."""
        request = json.loads(body)
        batch = isinstance(request, list)
        calls = [Call(str(r.get("method")), list(r.get("params") or []), r.get("id"))
                 for r in (request if batch else [request])]
        now = time.monotonic()
        faults = self.faults
        with self._lock:
            self._seen += [Seen(c.method, c.params, now) for c in calls]
        if not any(f.matches(c.method) for f in faults for c in calls):
            self._log_forwarded(calls)
            return self._post(body)  # the fast path: upstream's bytes as they are
        broken: Break | None = None
        replies = []
        for call in calls:
            try:
                replies.append(self._one(call, faults))
            except _Broken as exc:
                broken = broken or exc.how
        if broken is not None:
            raise _Broken(broken)
        if batch:
            for fault in faults:
                replies = fault.reorder_batch(replies)
        return json.dumps(replies if batch else replies[0]).encode()

    def _one(self, call: Call, faults: tuple[Fault, ...]) -> dict[str, Any]:
        mine = [f for f in faults if f.matches(call.method)]
        for fault in mine:
            outcome = fault.before(call, self)
            if isinstance(outcome, Answer):
                return outcome.reply(call)
            if isinstance(outcome, Break):
                if outcome.forward:
                    self.forward(call)
                raise _Broken(outcome)
            if isinstance(outcome, Call):
                call = outcome
        reply = self.forward(call)
        for fault in mine:
            reply = fault.after(call, reply, self)
        return reply


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, proxy: FaultyRpc) -> None:
        self.proxy = proxy
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _ProxyServer
    disable_nagle_algorithm = True  # else every small response waits ~40 ms
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            answer = self.server.proxy.answer(body)
        except _Broken as exc:
            self._break(exc.how)
            return
        self._reply(200, answer)

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _break(self, how: Break) -> None:
        self.close_connection = True
        if how.kind == "http500":
            self._reply(500, b'{"error":"internal server error (faulty_rpc)"}')
            return
        if how.kind == "hang":
            self.server.proxy.closing.wait(how.seconds)
        if how.kind == "reset":  # SO_LINGER 0: close() sends RST
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        self.connection.close()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.proxy.release_upstream()

    def log_message(self, format: str, *args: object) -> None:
        return None
