"""A real warmtts server: `warmtts serve` in its own process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def wait(self, path: str, status: int, deadline_seconds: float = 60.0) -> httpx.Response:
        """Poll `path` until it answers `status` (no fixed sleeps)."""
        deadline = time.monotonic() + deadline_seconds
        last: object = None
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"server exited: {self.log.read_text()[-3000:]}"
            try:
                response = httpx.get(self.url + path, timeout=2)
                if response.status_code == status:
                    return response
                last = response.status_code
            except httpx.TransportError as exc:
                last = exc
            time.sleep(0.05)
        raise AssertionError(f"{path} never answered {status}; last: {last}")


def start_server(tmp_path: Path, port: int | None = None, **env: str) -> Server:
    """Start `warmtts serve` (on `port`, e.g. again after a restart; a free one by default)."""
    port = port or free_port()
    log = tmp_path / f"server-{port}.log"
    environment = os.environ | {"WARMTTS_LOG_LEVEL": "INFO"} | env
    process = subprocess.Popen(
        [sys.executable, "-m", "warmtts.cli", "serve", "--port", str(port)],
        stdout=log.open("ab"), stderr=subprocess.STDOUT, env=environment,
    )
    return Server(f"http://127.0.0.1:{port}", process, log)


def stop_server(server: Server) -> int:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    return server.process.returncode


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One ready server for the tests that only use it."""
    srv = start_server(tmp_path_factory.mktemp("server"))
    try:
        srv.wait("/ready", 200)
        yield srv
    finally:
        stop_server(srv)
