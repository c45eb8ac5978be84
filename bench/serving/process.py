"""One server process: launch it, poll its readiness with a deadline, read its memory, stop it."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import psutil

from bench.serving.servers import Server

POLL_SECONDS = 0.025
STOP_SECONDS = 15.0


class ServerFailed(RuntimeError):
    """The server exited or never became ready; the message carries its last log lines."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """A fresh server on a free loopback port; use as a context manager so it is always stopped."""

    def __init__(self, server: Server, env: dict[str, str] | None = None) -> None:
        self.server = server
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, **(env or {})}
        self._log = tempfile.NamedTemporaryFile(prefix=f"bench-{server.name}-", suffix=".log", delete=False)
        self._popen: subprocess.Popen[bytes] | None = None
        self.launched_at = 0.0

    def __enter__(self) -> ServerProcess:
        self.launched_at = time.perf_counter()
        self._popen = subprocess.Popen(
            self.server.command(self.port),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self._env,
        )
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
        if kind is None:
            Path(self._log.name).unlink(missing_ok=True)

    @property
    def pid(self) -> int:
        assert self._popen is not None, "server not started"
        return self._popen.pid

    def wait_ready(self, deadline_seconds: float = 180.0) -> tuple[float, dict[str, Any] | None]:
        """Seconds from launch to the first 200 on the readiness path, and that answer's JSON."""
        url = self.base_url + self.server.ready_path
        deadline = self.launched_at + deadline_seconds
        with httpx.Client(timeout=5.0) as client:
            while time.perf_counter() < deadline:
                if self._popen is not None and self._popen.poll() is not None:
                    code = self._popen.returncode
                    raise ServerFailed(
                        f"{self.server.name} exited with {code} (log {self._log.name}):\n{self.log_tail()}"
                    )
                try:
                    response = client.get(url)
                except httpx.TransportError:
                    response = None
                if response is not None and response.status_code == 200:
                    seconds = time.perf_counter() - self.launched_at
                    try:
                        return seconds, response.json()
                    except ValueError:
                        return seconds, None
                time.sleep(POLL_SECONDS)
        raise ServerFailed(
            f"{self.server.name} not ready after {deadline_seconds:.0f} s (log {self._log.name}):\n{self.log_tail()}"
        )

    def rss_bytes(self) -> int:
        """Resident memory of the server and any children it started."""
        process = psutil.Process(self.pid)
        total = 0
        for member in [process, *process.children(recursive=True)]:
            try:
                total += member.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    def stop(self) -> None:
        if self._popen is None or self._popen.poll() is not None:
            return
        self._popen.terminate()
        try:
            self._popen.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            self._popen.wait()

    def log_tail(self, lines: int = 20) -> str:
        self._log.flush()
        text = Path(self._log.name).read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])
