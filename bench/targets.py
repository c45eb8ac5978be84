"""Ratios between the servers and issue 11's targets, evaluated from a result dict (pure).

Every comparison with Piper is within one run on one machine. The English texts compared are
the ones Piper runs (English, uncompressed), taken from `Piper` itself so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bench.serving.servers import Piper, Warmtts
from bench.stats import ratio
from bench.texts import CASES, cases_for, pcm_twin

COMPARED_CASES = tuple(case.id for case in cases_for(Piper.languages, Piper.formats))
OUR_CASES = tuple(case.id for case in cases_for(Warmtts.languages, Warmtts.formats))
LOAD_LANGUAGES = ("zh", "en")  # the pcm mixes; "en-mp3" is reported beside them, not judged
COMPARE_CLIENTS = 4
LOAD_CLIENTS = 8
RSS_LIMIT_MB = 450.0
SHORT_CASE, LONG_CASE = "en-short", "en-long"  # "TTFA flat in length": ~30 against 150+ characters
ENCODED_PAIRS = tuple(  # (mp3 case, the pcm case with its text), for "mp3 TTFA ≤ 1.2 × pcm TTFA"
    (case.id, twin.id) for case in CASES if case.format == "mp3" and (twin := pcm_twin(case)) is not None
)


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


def level(server: dict[str, Any] | None, mix: str, clients: int) -> dict[str, Any] | None:
    for row in dig(server, "concurrency", mix) or []:
        if row["clients"] == clients:
            return row
    return None


def ratios(result: dict[str, Any]) -> dict[str, float | None]:
    """warmtts / Piper for start-up, TTFA, full-response time and load (same run)."""
    ours, piper = dig(result, "servers", "warmtts"), dig(result, "servers", "piper")
    out: dict[str, float | None] = {
        "startup": ratio(dig(ours, "startup", "ready_seconds", "p50"), dig(piper, "startup", "ready_seconds", "p50")),
    }
    for case in COMPARED_CASES:
        ttfa = dig(ours, "warm", case, "ttfa", "p50")
        piper_total = dig(piper, "warm", case, "total", "p50")
        out[f"first_ttfa:{case}"] = ratio(
            dig(ours, "first_request", case, "ttfa", "p50"), dig(piper, "first_request", case, "ttfa", "p50")
        )
        out[f"warm_ttfa:{case}"] = ratio(ttfa, dig(piper, "warm", case, "ttfa", "p50"))
        out[f"ttfa_vs_full:{case}"] = ratio(ttfa, piper_total)
        out[f"full_response:{case}"] = ratio(dig(ours, "warm", case, "total", "p50"), piper_total)
    out[f"throughput@{COMPARE_CLIENTS}"] = ratio(
        dig(level(ours, "en", COMPARE_CLIENTS), "throughput"), dig(level(piper, "en", COMPARE_CLIENTS), "throughput")
    )
    out[f"ttfa_p95@{LOAD_CLIENTS}"] = ratio(
        dig(level(ours, "en", LOAD_CLIENTS), "ttfa", "p95"), dig(level(piper, "en", LOAD_CLIENTS), "ttfa", "p95")
    )
    return out


def evaluate(result: dict[str, Any]) -> list[Target]:
    """The issue's targets in its order: TTFA, one client, load, start-up and memory, mp3."""
    ours = dig(result, "servers", "warmtts")
    rows = ratios(result)
    return [
        *_ttfa(ours, rows),
        *_one_client(ours, rows),
        *_load(ours, rows),
        Target("launch → ready ≤ 2.0 × Piper's (its first answer)", rows["startup"], "<=", 2.0),
        Target("RSS after ready ≤ 450 MB", dig(ours, "memory", "rss_after_ready_mb"), "<=", RSS_LIMIT_MB, unit=" MB"),
        *(
            Target(f"mp3 TTFA ≤ 1.2 × pcm TTFA ({pcm})", ratio(_warm_ttfa(ours, mp3), _warm_ttfa(ours, pcm)), "<=", 1.2)
            for mp3, pcm in ENCODED_PAIRS
        ),
    ]


def _warm_ttfa(server: dict[str, Any] | None, case: str) -> float | None:
    return dig(server, "warm", case, "ttfa", "p50")


def _ttfa(ours: dict[str, Any] | None, rows: dict[str, float | None]) -> list[Target]:
    targets = [
        Target(f"warm TTFA ≤ 0.3 × Piper's full response ({case})", rows[f"ttfa_vs_full:{case}"], "<=", 0.3)
        for case in COMPARED_CASES
    ]
    targets += [
        Target(
            "zh-sentence TTFA no slower than en-sentence's",
            ratio(_warm_ttfa(ours, "zh-sentence"), _warm_ttfa(ours, "en-sentence")),
            "<=",
            1.0,
        ),
        Target(
            f"TTFA flat in length: {LONG_CASE} ≤ 1.3 × {SHORT_CASE}",
            ratio(_warm_ttfa(ours, LONG_CASE), _warm_ttfa(ours, SHORT_CASE)),
            "<=",
            1.3,
        ),
    ]
    targets += [
        Target(
            f"paragraph TTFA ≤ 1.2 × sentence's ({language})",
            ratio(_warm_ttfa(ours, f"{language}-paragraph"), _warm_ttfa(ours, f"{language}-sentence")),
            "<=",
            1.2,
        )
        for language in ("zh", "en")
    ]
    targets += [
        Target(
            f"first-request TTFA ≤ 1.2 × warm TTFA ({case})",
            ratio(dig(ours, "first_request", case, "ttfa", "p50"), _warm_ttfa(ours, case)),
            "<=",
            1.2,
        )
        for case in OUR_CASES
    ]
    return targets


def _one_client(ours: dict[str, Any] | None, rows: dict[str, float | None]) -> list[Target]:
    targets = [
        Target(f"one client: full response ≤ 1.0 × Piper's ({case})", rows[f"full_response:{case}"], "<=", 1.0)
        for case in COMPARED_CASES
    ]
    voices = dict.fromkeys(case.voice for case in CASES)
    return targets + [Target(f"RTF ≤ 0.05 ({voice})", dig(ours, "rtf", voice), "<=", 0.05, unit="") for voice in voices]


def _load(ours: dict[str, Any] | None, rows: dict[str, float | None]) -> list[Target]:
    return [
        Target(
            f"throughput at {COMPARE_CLIENTS} clients ≥ 1.2 × Piper's", rows[f"throughput@{COMPARE_CLIENTS}"], ">=", 1.2
        ),
        Target(f"{LOAD_CLIENTS} clients: TTFA p95 ≤ 0.25 × Piper's", rows[f"ttfa_p95@{LOAD_CLIENTS}"], "<=", 0.25),
        Target(f"{LOAD_CLIENTS} clients: no errors (zh and en)", _errors(ours, LOAD_CLIENTS), "<=", 0, unit=" errors"),
    ]


def _errors(server: dict[str, Any] | None, clients: int) -> float | None:
    rows = [level(server, mix, clients) for mix in LOAD_LANGUAGES]
    found = [row["errors"] for row in rows if row is not None]
    return float(sum(found)) if found else None
