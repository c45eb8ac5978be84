"""Where the server's threads spend their samples under load: a table from py-spy raw profiles.

    python -m bench.server_profile /tmp/prof/this-c4-r0.txt [...]

Reads py-spy's raw stacks (`bench.server_load --profile` writes them, with idle threads kept)
and files each sample under its thread's role (a synthesis worker, the event loop, ONNX
Runtime's own pool threads, anyio's and our helper threads) and, for a worker, under the stage
of the innermost frame it recognises. A sample is wall time of a thread, running, runnable or
waiting: a worker's "waiting for a step" is idle time; on a shared machine a running share
includes waiting for a core, so shares compare, absolute seconds do not.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

# innermost match wins among a worker's frames: (stage, fragments of a py-spy frame)
WORKER_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ONNX decoder windows", ("PiperVoice.decode (", "BakerVoice.vocode (")),
    ("ONNX whole-sentence latent (encoder, durations, flow)", ("PiperVoice.latent (", "BakerVoice.mel (")),
    ("loudness and limiter", ("warmtts/voices/loudness.py", "warmtts/audio/level")),
    ("fades, pcm conversion and joins", ("fade_edges (", "to_int16 (", "warmtts/audio/join.py", "warmtts/audio/chunk.py")),
    ("encoding", ("warmtts/audio/encode.py", "warmtts/audio/av_encode.py", "warmtts/audio/ogg.py")),
    ("resampling", ("warmtts/audio/rate.py", "warmtts/audio/stretch.py")),
    ("text stages", ("warmtts/text/", "warmtts/phonemes/", "espeak", "jieba", "pypinyin")),
    ("waiting for a step", ("Scheduler._take (",)),
)
IDLE = ("Condition.wait (", "Event.wait (", "Queue.get (", "EpollSelector.select (", "epoll_wait", "acquire_lock",
        "pthread_cond_")


def role_of(frames: list[str]) -> str:
    text = ";".join(frames)
    if "Scheduler._work (" in text:
        return "synthesis worker"
    if "uvicorn/server.py" in text or "Runner.run (asyncio" in text:
        return "event loop"
    if not any("(" in f and ".py:" in f for f in frames):
        return "native thread (ONNX Runtime pool)"
    return "other Python threads (anyio, trimmer, store)"


def stage_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for stage, fragments in WORKER_RULES:
            if any(fragment in frame for fragment in fragments):
                return stage
    if any("warmtts/server/synthesis/" in f for f in frames[-3:]):
        return "Python in scheduler and job"
    return "Python between calls (engine, voices, windows)"


def idle(frames: list[str]) -> bool:
    return any(any(i in f for i in IDLE) for f in frames[-6:])


def loop_stage(frames: list[str]) -> str:
    if idle(frames):
        return "idle (waiting on sockets)"
    if any("warmtts/server/synthesis/" in f for f in frames):
        return "running: admission, job hand-off"
    return "running: HTTP, routes, sending"


def tabulate(paths: list[Path]) -> dict[str, Counter[str]]:
    table: dict[str, Counter[str]] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = stack.split(";")
            role = role_of(frames)
            if role == "synthesis worker":
                stage = stage_of(frames)
            elif role == "event loop":
                stage = loop_stage(frames)
            elif role.startswith("native"):
                stage = "all"
            else:
                stage = "idle" if idle(frames) else "running"
            table.setdefault(role, Counter())[stage] += int(count)
    return table


def render(table: dict[str, Counter[str]]) -> str:
    lines = ["| thread | stage | samples | share of the role |", "|---|---|---:|---:|"]
    for role, stages in table.items():
        total = sum(stages.values())
        for stage, count in stages.most_common():
            lines.append(f"| {role} | {stage} | {count} | {count / total:.1%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.server_profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("profiles", nargs="+", type=Path)
    args = parser.parse_args(argv)
    print(render(tabulate(args.profiles)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
