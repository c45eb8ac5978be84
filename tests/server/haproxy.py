"""A real load balancer for the cluster test: Debian's HAProxy, health-checking /ready.

Requests a replica refuses while it drains (503 before any byte of a body) and connections it
closes are retried on the other replica (`retry-on`, `redispatch`); HAProxy retries only a request
it holds whole, hence `http-buffer-request` (our bodies are small JSON). Streams already running
stay where they are until they end (no `shutdown-sessions`).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.polling import poll
from tests.server.conftest import free_port

CONFIG = """\
global
    maxconn 512
    log stdout format raw local0

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout http-request 10s
    timeout check 2s
    retries 3
    option redispatch 1
    option http-buffer-request
    retry-on conn-failure empty-response 503

frontend api
    bind 127.0.0.1:{port}
    default_backend warmtts

backend warmtts
    balance roundrobin
    option httpchk GET /ready
    http-check expect status 200
    default-server check inter 250ms fall 2 rise 2
    http-response set-header X-Served-By %s
{servers}

listen stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /stats
"""


def haproxy_binary() -> str | None:
    return shutil.which("haproxy", path=os.environ.get("PATH", "") + os.pathsep + "/usr/sbin")


@dataclass
class LoadBalancer:
    url: str
    stats_url: str
    process: subprocess.Popen[bytes]

    def states(self) -> dict[str, str]:
        """Each server's state as HAProxy sees it: UP, DOWN, ..."""
        text = httpx.get(self.stats_url + ";csv", timeout=2).text.lstrip("# ")
        rows = csv.DictReader(io.StringIO(text))
        return {row["svname"]: row["status"].split()[0] for row in rows if row["pxname"] == "warmtts"}

    def wait_state(self, server: str, state: str, seconds: float = 30) -> None:
        assert poll(lambda: self.states().get(server) == state, seconds), f"{server} never {state}: {self.states()}"


@contextmanager
def running_haproxy(tmp_path: Path, servers: dict[str, int]) -> Iterator[LoadBalancer]:
    binary = haproxy_binary()
    assert binary is not None
    port, stats_port = free_port(), free_port()
    lines = "\n".join(f"    server {name} 127.0.0.1:{p}" for name, p in servers.items())
    config = tmp_path / "haproxy.cfg"
    config.write_text(CONFIG.format(port=port, stats_port=stats_port, servers=lines))
    log = tmp_path / "haproxy.log"
    process = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=log.open("wb"), stderr=subprocess.STDOUT)
    balancer = LoadBalancer(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{stats_port}/stats", process)

    def up() -> bool:
        assert process.poll() is None, f"haproxy exited: {log.read_text()}"
        try:
            return bool(balancer.states())
        except httpx.TransportError:
            return False

    try:
        assert poll(up, 10), "haproxy did not start"
        yield balancer
    finally:
        process.terminate()
        process.wait(timeout=10)
