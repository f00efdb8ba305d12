"""HTTP JSON-RPC for a DevnetNode, on 127.0.0.1 by default (stdlib only).

    serve(node, port=8545)                    # blocks until Ctrl-C
    with running(node) as server:             # a free port, in a thread (tests)
        Web3(Web3.HTTPProvider(server.url))

The node's lock serialises the server's threads. Responses carry
permissive CORS headers and OPTIONS preflights are answered, so browser wallets
and dapps on any origin can reach the devnet; that is fine for a chain whose
keys are public, and the reason the server binds to loopback only by default.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from swarmfi.chain.node import DevnetNode

log = logging.getLogger(__name__)

MAX_BODY = 32 * 1024 * 1024
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization",
    "Access-Control-Max-Age": "86400",
}
INFO = b'{"name":"swarmfi devnet","usage":"POST JSON-RPC 2.0 requests to this URL"}'


class DevnetHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that answers JSON-RPC from one DevnetNode."""

    daemon_threads = True

    def __init__(self, node: DevnetNode, host: str = "127.0.0.1", port: int = 8545) -> None:
        self.node = node
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, body: bytes) -> bytes:
        return self.node.handle_json(body)


class _Handler(BaseHTTPRequestHandler):
    server: DevnetHTTPServer
    disable_nagle_algorithm = True  # else every small response waits ~40 ms
    protocol_version = "HTTP/1.1"  # keep-alive, as web3's session expects

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._reply(413 if length > MAX_BODY else 411, b"")
            return
        answer = self.server.answer(self.rfile.read(length))
        self._reply(200 if answer else 204, answer)

    def do_OPTIONS(self) -> None:
        self._reply(204, b"")

    def do_GET(self) -> None:
        self._reply(200, INFO)

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        for name, value in CORS_HEADERS.items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("devnet http: " + format, *args)


def serve(node: DevnetNode, host: str = "127.0.0.1", port: int = 8545) -> None:
    """Serve `node` until KeyboardInterrupt (which it lets through after closing)."""
    server = DevnetHTTPServer(node, host, port)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


@contextlib.contextmanager
def running(node: DevnetNode, host: str = "127.0.0.1", port: int = 0) -> Iterator[DevnetHTTPServer]:
    """Serve `node` from a background thread (port 0 picks a free port)."""
    server = DevnetHTTPServer(node, host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
