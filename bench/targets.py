"""Ratios between the servers and the issue's targets, evaluated from a result dict (pure)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bench.stats import ratio

EN_CASES = ("en-sentence", "en-paragraph")
COMPARE_CLIENTS = 4
LOAD_CLIENTS = 8
RSS_LIMIT_MB = 500.0


@dataclass(frozen=True)
class Target:
    """One target line: `value op limit`; status is PASS, MISS or N/A (a figure is missing)."""

    name: str
    value: float | None
    op: str
    limit: float
    unit: str = "×"

    @property
    def status(self) -> str:
        if self.value is None:
            return "N/A"
        met = self.value <= self.limit if self.op == "<=" else self.value >= self.limit
        return "PASS" if met else "MISS"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"status": self.status}


def dig(data: Any, *keys: Any) -> Any:
    """data[k1][k2]…, or None as soon as a key or index is missing."""
    for key in keys:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def level(server: dict[str, Any] | None, language: str, clients: int) -> dict[str, Any] | None:
    for row in dig(server, "concurrency", language) or []:
        if row["clients"] == clients:
            return row
    return None


def ratios(result: dict[str, Any]) -> dict[str, float | None]:
    """warmtts / Piper for start-up, TTFA, full-response time and throughput (same run)."""
    ours, piper = dig(result, "servers", "warmtts"), dig(result, "servers", "piper")
    out: dict[str, float | None] = {
        "startup": ratio(dig(ours, "startup", "ready_seconds", "p50"), dig(piper, "startup", "ready_seconds", "p50")),
    }
    for case in EN_CASES:
        out[f"first_ttfa:{case}"] = ratio(
            dig(ours, "first_request", case, "ttfa", "p50"), dig(piper, "first_request", case, "ttfa", "p50")
        )
        out[f"warm_ttfa:{case}"] = ratio(
            dig(ours, "warm", case, "ttfa", "p50"), dig(piper, "warm", case, "ttfa", "p50")
        )
        out[f"full_response:{case}"] = ratio(
            dig(ours, "warm", case, "total", "p50"), dig(piper, "warm", case, "total", "p50")
        )
    out[f"throughput@{COMPARE_CLIENTS}"] = ratio(
        dig(level(ours, "en", COMPARE_CLIENTS), "throughput"), dig(level(piper, "en", COMPARE_CLIENTS), "throughput")
    )
    return out


def evaluate(result: dict[str, Any]) -> list[Target]:
    ours, piper = dig(result, "servers", "warmtts"), dig(result, "servers", "piper")
    warm_ttfa = {case: dig(ours, "warm", case, "ttfa", "p50") for case in ("zh-sentence", "zh-paragraph", *EN_CASES)}
    rows = ratios(result)
    targets = [Target("ready ≤ 1.5 × Piper's launch → first answer", rows["startup"], "<=", 1.5)]
    for case, warm in warm_ttfa.items():
        first = dig(ours, "first_request", case, "ttfa", "p50")
        targets.append(Target(f"first-request TTFA ≤ 1.2 × warm TTFA ({case})", ratio(first, warm), "<=", 1.2))
    targets += [
        Target("warm TTFA ≤ 0.3 × Piper's (en-sentence)", rows["warm_ttfa:en-sentence"], "<=", 0.3),
        Target(
            "zh-sentence TTFA no slower than en-sentence's",
            ratio(warm_ttfa["zh-sentence"], warm_ttfa["en-sentence"]),
            "<=",
            1.0,
        ),
    ]
    for language in ("zh", "en"):
        targets.append(
            Target(
                f"paragraph TTFA ≤ 1.2 × sentence's ({language})",
                ratio(warm_ttfa[f"{language}-paragraph"], warm_ttfa[f"{language}-sentence"]),
                "<=",
                1.2,
            )
        )
    for voice in ("zh-baker", "en-joe"):
        targets.append(Target(f"RTF ≤ 0.05 ({voice})", dig(ours, "rtf", voice), "<=", 0.05, unit=""))
    ours_load, piper_load = level(ours, "en", LOAD_CLIENTS), level(piper, "en", LOAD_CLIENTS)
    targets += [
        Target(
            f"{LOAD_CLIENTS} clients: TTFA p95 ≤ 0.2 × Piper's",
            ratio(dig(ours_load, "ttfa", "p95"), dig(piper_load, "ttfa", "p95")),
            "<=",
            0.2,
        ),
        Target(
            f"{LOAD_CLIENTS} clients: no errors (zh and en)",
            _errors(ours, LOAD_CLIENTS),
            "<=",
            0,
            unit=" errors",
        ),
        Target(
            f"throughput at {COMPARE_CLIENTS} clients ≥ 1.1 × Piper's", rows[f"throughput@{COMPARE_CLIENTS}"], ">=", 1.1
        ),
        Target("RSS after ready ≤ 500 MB", dig(ours, "memory", "rss_after_ready_mb"), "<=", RSS_LIMIT_MB, unit=" MB"),
    ]
    return targets


def _errors(server: dict[str, Any] | None, clients: int) -> float | None:
    rows = [level(server, language, clients) for language in ("zh", "en")]
    found = [row["errors"] for row in rows if row is not None]
    return float(sum(found)) if found else None
