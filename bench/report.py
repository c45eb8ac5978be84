"""The Markdown report of a result dict: target lines first, then one table per measurement."""

from __future__ import annotations

from typing import Any

from bench.stats import ratio
from bench.targets import COMPARE_CLIENTS, Target, dig, evaluate, level, ratios
from bench.texts import CASES

DASH = "–"
SYMBOLS = {"<=": "≤", ">=": "≥"}


def render(result: dict[str, Any]) -> str:
    servers: dict[str, Any] = result["servers"]
    parts = [
        _targets(evaluate(result)),
        _startup(servers),
        _latency(servers),
        _rtf(servers),
        _concurrency(servers),
        _memory(servers),
        _ratios(ratios(result)),
    ]
    return "\n\n".join(parts) + "\n"


def _num(value: float | None, digits: int = 3) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _targets(targets: list[Target]) -> str:
    lines = ["### Targets", ""]
    for target in targets:
        op = SYMBOLS[target.op]
        if target.value is None:
            figure = "not measured"
        elif target.unit == "×":
            figure = f"{target.value:.2f}× (target {op} {target.limit:g}×)"
        else:
            figure = f"{target.value:.3g}{target.unit} (target {op} {target.limit:g}{target.unit})"
        lines.append(f"- **{target.status}** {target.name}: {figure}")
    return "\n".join(lines)


def _startup(servers: dict[str, Any]) -> str:
    rows = []
    for name, server in servers.items():
        startup = server["startup"]
        ready = startup["ready_seconds"]
        rows.append(
            [
                name,
                str(startup["launches"]),
                _num(ready["p50"]),
                _num(ready["min"]),
                _num(ready["max"]),
                _num(dig(startup, "rss_after_ready_mb", "p50"), 0),
            ]
        )
    text = "### Start-up: launch → ready (seconds)\n\n" + _table(
        ["server", "launches", "median", "min", "max", "RSS after ready (MB)"], rows
    )
    text += (
        "\n\nwarmtts is ready at `GET /ready` = 200 (preload and warm-up done);"
        " Piper at its first answer (`GET /info`)."
    )
    steps = dig(servers, "warmtts", "startup", "preload_steps") or {}
    if steps:
        step_rows = [[f"`{step}`", _num(seconds)] for step, seconds in steps.items()]
        total = dig(servers, "warmtts", "startup", "preload_total_seconds")
        step_rows.append(["**preload total** (steps overlap)", _num(total)])
        text += "\n\nwarmtts preload steps (median seconds):\n\n" + _table(["step", "seconds"], step_rows)
    return text


def _latency(servers: dict[str, Any]) -> str:
    rows = []
    for case in CASES:
        for name, server in servers.items():
            warm = dig(server, "warm", case.id)
            if warm is None:
                continue
            first = dig(server, "first_request", case.id) or {}
            rows.append(
                [
                    case.id,
                    name,
                    dig(server, "wire_formats", case.id) or case.format,
                    str(len(case.text)),
                    _num(dig(first, "ttfa", "p50")),
                    _num(dig(warm, "ttfa", "p50")),
                    _num(dig(warm, "ttfa", "p95")),
                    _num(dig(warm, "total", "p50")),
                    _num(warm["audio_seconds"], 2),
                    _num(warm["rtf"]),
                    str(warm["errors"] + (first.get("errors") or 0)),
                ]
            )
    return (
        "### Time to first audio and full response (seconds, one client)\n\n"
        + _table(
            [
                "text",
                "server",
                "format",
                "chars",
                "first request TTFA",
                "warm TTFA p50",
                "warm TTFA p95",
                "full response p50",
                "audio",
                "RTF",
                "errors",
            ],
            rows,
        )
        + "\n\nFirst request: median over fresh processes (one per launch and text)."
        " Warm: after one untimed request per text. Piper answers WAV and runs the English pcm texts only."
        " mp3 and opus audio is counted by decoding the whole body (a streamed mp3 keeps the codec's"
        " padding, under 0.11 s); RTF per voice is over the pcm texts."
    )


def _rtf(servers: dict[str, Any]) -> str:
    rows = [
        [name, voice, _num(value)]
        for name, server in servers.items()
        for voice, value in (server.get("rtf") or {}).items()
    ]
    return "### Real-time factor (full-response seconds / audio seconds, one client)\n\n" + _table(
        ["server", "voice", "RTF"], rows
    )


def _concurrency(servers: dict[str, Any]) -> str:
    rows = []
    for name, server in servers.items():
        for language, levels in (server.get("concurrency") or {}).items():
            for row in levels:
                rows.append(
                    [
                        name,
                        language,
                        str(row["clients"]),
                        str(row["requests"]),
                        str(row["errors"]),
                        _num(dig(row, "ttfa", "p50")),
                        _num(dig(row, "ttfa", "p95")),
                        _num(dig(row, "total", "p50")),
                        _num(row["throughput"], 2),
                    ]
                )
    text = "### Concurrency (each client sends its requests back to back; sentences)\n\n" + _table(
        [
            "server",
            "texts",
            "clients",
            "requests",
            "errors",
            "TTFA p50",
            "TTFA p95",
            "full p50",
            "throughput (audio s / s)",
        ],
        rows,
    )
    failures = [
        f"- {name} ({language}, {row['clients']} clients): {'; '.join(row['error_examples'])}"
        for name, server in servers.items()
        for language, levels in (server.get("concurrency") or {}).items()
        for row in levels
        if row["errors"]
    ]
    text += _encoded_throughput(servers.get("warmtts"))
    return text + ("\n\nErrors seen:\n\n" + "\n".join(failures) if failures else "")


def _encoded_throughput(ours: dict[str, Any] | None) -> str:
    """The mp3 mix beside the pcm one at the same client count (texts `en-mp3` against `en`)."""
    mp3 = dig(level(ours, "en-mp3", COMPARE_CLIENTS), "throughput")
    pcm = dig(level(ours, "en", COMPARE_CLIENTS), "throughput")
    if mp3 is None and pcm is None:
        return ""
    return (
        f"\n\nwarmtts at {COMPARE_CLIENTS} clients, English sentences: {_num(mp3, 2)} audio s / s in mp3,"
        f" {_num(pcm, 2)} in pcm (mp3 / pcm {_num(ratio(mp3, pcm), 2)})."
    )


def _memory(servers: dict[str, Any]) -> str:
    rows = [
        [name, _num(dig(s, "memory", "rss_after_ready_mb"), 0), _num(dig(s, "memory", "peak_rss_mb"), 0)]
        for name, s in servers.items()
    ]
    return "### Memory (resident, MB, process and children)\n\n" + _table(
        ["server", "after ready", "peak under load"], rows
    )


def _ratios(values: dict[str, float | None]) -> str:
    rows = [[_ratio_label(key), _num(value, 2)] for key, value in values.items()]
    return "### warmtts / Piper (same run; below 1 is warmtts faster, except throughput)\n\n" + _table(
        ["figure", "ratio"], rows
    )


RATIO_LABELS = {
    "startup": "launch → ready",
    "first_ttfa": "first-request TTFA",
    "warm_ttfa": "warm TTFA p50",
    "ttfa_vs_full": "warm TTFA p50 / Piper's full response p50",
    "full_response": "full response p50",
}
LOAD_LABELS = {"throughput": "throughput", "ttfa_p95": "TTFA p95"}


def _ratio_label(key: str) -> str:
    """`warm_ttfa:en-sentence` → `warm TTFA p50 (en-sentence)`, `throughput@4` → `throughput at 4 clients`."""
    name, at, clients = key.partition("@")
    if at:
        return f"{LOAD_LABELS.get(name, name)} at {clients} clients"
    name, _, case = key.partition(":")
    label = RATIO_LABELS.get(name, name)
    return f"{label} ({case})" if case else label
