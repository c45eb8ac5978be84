"""Reading one figure from a warmtts server's Prometheus page."""

from __future__ import annotations

import httpx

IN_FLIGHT = "warmtts_requests_in_flight"


def gauge(client: httpx.Client, base_url: str, name: str, timeout: float = 10.0) -> float | None:
    """The value of an unlabelled metric `name`, or None if the page does not have it."""
    for line in client.get(base_url + "/metrics", timeout=timeout).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None
