"""The PNG: TTFA p50/p95 and throughput against concurrent clients, one line per server and texts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

COLOURS = {
    ("warmtts", "en"): "tab:blue",
    ("warmtts", "zh"): "tab:green",
    ("warmtts", "en-mp3"): "tab:purple",  # one level (4 clients): a point, beside en's line
    ("piper", "en"): "tab:red",
}


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

    fig, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, server in result["servers"].items():
        for language, rows in (server.get("concurrency") or {}).items():
            clients = [row["clients"] for row in rows]
            colour = COLOURS.get((name, language))
            label = f"{name} ({language})"
            latency.plot(clients, [row["ttfa"]["p50"] for row in rows], "o-", color=colour, label=f"{label} p50")
            latency.plot(clients, [row["ttfa"]["p95"] for row in rows], "s--", color=colour, label=f"{label} p95")
            throughput.plot(clients, [row["throughput"] for row in rows], "o-", color=colour, label=label)
    levels = sorted(
        {row["clients"] for s in result["servers"].values() for rows in s["concurrency"].values() for row in rows}
    )
    for axis in (latency, throughput):
        axis.set_xscale("log", base=2)
        axis.set_xticks(levels, [str(n) for n in levels])
        axis.xaxis.set_minor_locator(NullLocator())
        axis.set_xlabel("concurrent clients")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    latency.set_yscale("log")
    latency.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    latency.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    latency.yaxis.set_minor_formatter(NullFormatter())
    latency.set_ylabel("time to first audio (s)")
    latency.set_title("TTFA p50 / p95")
    throughput.set_ylabel("audio seconds per wall second")
    throughput.set_title("Throughput")
    throughput.set_ylim(bottom=0)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
