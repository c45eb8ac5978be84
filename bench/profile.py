"""Where a one-core CLI run spends its time: py-spy samples of `warmtts say`, by pipeline stage.

    python -m bench.profile [--voice en-joe] [--voice zh-baker] [--update-docs]

Runs `warmtts say -f <twelve sentences> --voice V -o x.wav` pinned to one core (`taskset -c 0`)
under `py-spy record` (a sampling profiler: the process runs unmodified, 100 samples a second,
idle threads left out) and files each sample under the stage of the innermost frame it
recognises: the text stages, the acoustic model (the whole-sentence latent or mel), the vocoder
windows, loudness and limiter, resampling, encoding and writing, the Python between them, and
start-up (imports, loading, everything before the first sentence). The vocoder's share is split
into its own frames and their context by the window plan (the frames decoded beyond those kept,
for this text's average sentence). Samples are wall time of running or runnable threads: on a
shared machine a wait for the core counts too, so shares compare, absolute seconds do not.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import machine
from bench.doc_sections import replace_marked
from bench.efficiency import TEXTS, clean_env, wav_audio_seconds

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
STAGES = (
    "start-up", "text stages", "acoustic model", "vocoder windows", "loudness and limiter", "resampling",
    "encoding and writing", "Python between calls",
)
# innermost match wins: (stage, fragments of a py-spy frame "qualname (path:line)")
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("vocoder windows", ("PiperVoice.decode (", "PiperVoice.flow (", "BakerVoice.vocode (")),
    ("acoustic model", ("PiperVoice.prior (", "BakerVoice.mel (")),
    ("loudness and limiter", ("warmtts/voices/loudness.py",)),
    ("resampling", ("warmtts/audio/rate.py", "warmtts/audio/stretch.py", "soxr")),
    ("text stages", ("warmtts/text/", "warmtts/phonemes/", "espeak", "jieba", "pypinyin")),
    ("encoding and writing", ("warmtts/audio/files.py", "warmtts/audio/encode.py", "warmtts/audio/av_encode.py",
                              "soundfile")),
)
SYNTHESIS = ("write_chunks (", "play_chunks (")
START_UP = ("build_engine (", "Preloader.")


def stage_of(stack: str) -> str:
    """The stage of one sample, `stack` being py-spy's raw line without its count (outermost
    frame first, separated by ';')."""
    frames = stack.split(";")
    if frames and frames[0].startswith("thread ") and "MainThread" not in frames[0]:
        return "start-up"  # the preload pool, or a thread without a name before main starts
    if any(marker in stack for marker in START_UP) or not any(marker in stack for marker in SYNTHESIS):
        return "start-up"
    synthesis = next(i for i, f in enumerate(frames) if any(marker in f for marker in SYNTHESIS))
    for frame in reversed(frames[synthesis + 1:]):
        for stage, fragments in RULES:
            if any(fragment in frame for fragment in fragments):
                return stage
    return "Python between calls"  # the engine's own frames, numpy between the steps


def tally(raw: str) -> Counter[str]:
    """Samples per stage from py-spy's `--format raw` output (collapsed stacks: "a;b;c COUNT")."""
    counts: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            counts[stage_of(stack)] += int(count)
    return counts


def context_share(total_frames: int, plan: Any) -> float:
    """The share of a sentence's decoded frames that are context (decoded, then dropped)."""
    spans = plan.spans(total_frames)
    decoded = sum(min(total_frames, e + plan.context) - max(0, s - plan.context) for s, e in spans)
    return 1 - total_frames / decoded if decoded else 0.0


def table(counts: Counter[str], context: float) -> list[dict[str, Any]]:
    total = sum(counts.values()) or 1
    rows = []
    for stage in STAGES:
        share = counts.get(stage, 0) / total
        if stage == "vocoder windows" and share:
            rows.append({"stage": "vocoder windows: own frames", "samples": None, "share": share * (1 - context)})
            rows.append({"stage": "vocoder windows: context (by the plan)", "samples": None, "share": share * context})
            continue
        rows.append({"stage": stage, "samples": counts.get(stage, 0), "share": share})
    return rows


def _plan_context(voice: str, audio_seconds: float, sentences: int) -> float:
    """The context share of the voice's window plan (as the CLI ran it: its defaults) for this
    run's average sentence."""
    from warmtts.config import Settings
    from warmtts.preload import build_engine

    loaded = build_engine(Settings(log_level="WARNING")).voices.get(voice)
    rate, hop = loaded.info.sample_rate, loaded.hop  # type: ignore[attr-defined]
    return context_share(round(audio_seconds / sentences * rate / hop), loaded.windows)  # type: ignore[attr-defined]


def profile(voice: str, rate: int) -> dict[str, Any]:
    language = "zh" if voice.startswith("zh") else "en"
    with tempfile.TemporaryDirectory(prefix="warmtts-profile-") as folder:
        text, wav, raw = Path(folder) / "text.txt", Path(folder) / "out.wav", Path(folder) / "profile.raw"
        text.write_text(TEXTS[language][1] + "\n", encoding="utf-8")
        say = [sys.executable, "-m", "warmtts.cli", "say", "-f", str(text), "--voice", voice, "-o", str(wav)]
        spy = Path(sys.executable).parent / "py-spy"
        command = [str(spy) if spy.exists() else "py-spy", "record", "--nonblocking", "-r", str(rate), "-f", "raw", "-t", "-o", str(raw), "--",
                   "taskset", "-c", "0", *say]
        env = clean_env({"PYTHONPATH": str(ROOT / "src")})
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=900)
        wall = time.perf_counter() - started
        counts = tally(raw.read_text(encoding="utf-8"))
        audio = wav_audio_seconds(wav)
    context = _plan_context(voice, audio, 12)
    return {"voice": voice, "audio_seconds": round(audio, 2), "wall_seconds": round(wall, 2),
            "samples": sum(counts.values()), "context_share": round(context, 4), "rows": table(counts, context),
            "command": shlex.join(["py-spy", "record", "--nonblocking", "-r", str(rate), "-f", "raw", "-t", "--",
                                   "taskset", "-c", "0", "warmtts", "say", "-f", "<twelve sentences>", "--voice",
                                   voice, "-o", "x.wav"])}


def markdown(result: dict[str, Any]) -> str:
    meta = result["meta"]
    lines = [
        "### Where a one-core CLI run spends its time (py-spy)",
        "",
        f"Run on {meta['started']} with `{meta['command']}`; machine: {machine.one_line(meta['machine'])}.",
        "Each voice speaks the twelve-sentence held-out text of `bench/efficiency.py`, warmtts with its defaults "
        "(sized to the one core it may use). Shares of the samples; start-up is everything before the first "
        "sentence (imports, loading sessions, the text resources).",
        "",
    ]
    for run in result["profiles"]:
        lines += [
            f"**{run['voice']}**: {run['audio_seconds']} s of audio, {run['samples']} samples; `{run['command']}`",
            "",
            "| stage | share of samples | share of synthesis (without start-up) |",
            "|---|---|---|",
        ]
        startup = next((r["share"] for r in run["rows"] if r["stage"] == "start-up"), 0.0)
        for row in run["rows"]:
            rest = "–" if row["stage"] == "start-up" or startup >= 1 else f"{100 * row['share'] / (1 - startup):.1f} %"
            lines.append(f"| {row['stage']} | {100 * row['share']:.1f} % | {rest} |")
        lines.append("")
    return "\n".join(lines)


def markers() -> tuple[str, str]:
    return ("<!-- bench:profile:begin (generated by python -m bench.profile --update-docs; edits here are "
            "overwritten) -->", "<!-- bench:profile:end -->")


def replace_section(document: str, body: str) -> str:
    """`document` with this bench's section replaced by `body`, or appended when it has none."""
    return replace_marked(document, *markers(), body)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--voice", action="append", help="voice to profile (default: en-joe and zh-baker)")
    parser.add_argument("--rate", type=int, default=100, help="samples a second (default 100)")
    parser.add_argument("--out", type=Path, default=RESULTS / "profile.json")
    parser.add_argument("--update-docs", action="store_true", help=f"rewrite the profile section of {DOC}")
    args = parser.parse_args(argv)
    started = time.time()
    profiles = [profile(voice, args.rate) for voice in args.voice or ["en-joe", "zh-baker"]]
    result = {
        "meta": {"command": shlex.join(["python", "-m", "bench.profile", *argv]), "machine": machine.describe(),
                 "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds")},
        "profiles": profiles,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    body = markdown(result)
    if args.update_docs:
        DOC.write_text(replace_section(DOC.read_text(encoding="utf-8"), body), encoding="utf-8")
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
