"""A real `swarmfi serve` in a subprocess on a free loopback port, and a small JSON client."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path


class Served:
    def __init__(self, tmp: Path, *args: str) -> None:
        self.home = tmp / "home"
        self.state = tmp / "devnet"
        env = {**os.environ, "SWARMFI_HOME": str(self.home)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "swarmfi", "serve", "--port", "0", "--state",
             str(self.state), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env)
        try:
            first = self.proc.stdout.readline()  # the server prints once it listens
            if not first.startswith("swarmfi serving on "):
                raise RuntimeError(first + self.proc.stderr.read())
            self.url = first.split()[-1].rstrip("/")
            self.banner = [first, self.proc.stdout.readline(), self.proc.stdout.readline()]
        except BaseException:
            self.close()
            raise
        self.api_token = (self.state / "api.token").read_text().strip()
        self.approver = (self.state / "approver.token").read_text().strip()

    def call(self, path, body=None, token=None, headers=None, raw=None):
        """(status, JSON) of one request; POST when there is a body."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.url + path, data=data, headers=headers or {},
                                         method="POST" if data is not None else "GET")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def events(self, plan_id):
        """Every server-sent event of a plan's stream, as (event, data)."""
        request = urllib.request.Request(self.url + f"/v1/runs/{plan_id}",
                                         headers={"Accept": "text/event-stream"})
        out, event = [], None
        with urllib.request.urlopen(request, timeout=30) as response:
            for line in response:
                text = line.decode().rstrip("\n")
                if text.startswith("event: "):
                    event = text[7:]
                elif text.startswith("data: "):
                    out.append((event, json.loads(text[6:])))
        return out

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
