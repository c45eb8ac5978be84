"""Command line: say, voices, phonemes, pinyin, serve, bench."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from warmtts.audio.formats import FORMATS, AudioFormat
from warmtts.config import Settings
from warmtts.cpus import usable_cpus
from warmtts.errors import InvalidInputError, UnknownVoiceError, WarmttsError
from warmtts.memory import reuse_freed_memory
from warmtts.phonemes import pinyin_cli
from warmtts.preload import build_engine
from warmtts.text.ssml import is_ssml
from warmtts.text.subtitles import SUBTITLE_FORMATS, SubtitleFormat
from warmtts.voices.params import PARAM_RANGE, SPEED_RANGE, SynthesisParams

if TYPE_CHECKING:  # `serve` must start fast: the engine's modules load during preload
    from warmtts.audio.chunk import Chunk
    from warmtts.engine import Engine
    from warmtts.text.marks import Mark

log = logging.getLogger("warmtts.cli")
PROGRESS_MIN_CHARS = 500
_SSML_HEAD_CHARS = 4096  # enough of a file to see how it starts


def _settings(args: argparse.Namespace) -> Settings:
    flags = {
        "voices_dir": args.voices_dir,
        "onnx_threads": args.threads,
        "log_level": args.log_level,
        "host": getattr(args, "host", None),
        "port": getattr(args, "port", None),
        "wyoming_uri": getattr(args, "wyoming", None),
    }
    if args.command != "serve" and "WARMTTS_ONNX_THREADS" not in os.environ and flags["onnx_threads"] is None:
        flags["onnx_threads"] = usable_cpus()  # one stream: let every call use every core it may
    if args.verbose:
        flags["log_level"] = "INFO"
    elif args.command != "serve" and flags["log_level"] is None and "WARMTTS_LOG_LEVEL" not in os.environ:
        flags["log_level"] = "WARNING"  # a command prints its result; how it got there is for --verbose
    return Settings(**{key: value for key, value in flags.items() if value is not None})


def _engine(args: argparse.Namespace) -> Engine:
    return build_engine(_settings(args))


def _input_text(args: argparse.Namespace, whole: bool = False) -> tuple[str | Iterable[str], int]:
    """The text to speak and its length in characters; a file is read lazily, line by line,
    unless `whole` (SSML is one document; subtitles quote the input by offset) or it starts as
    SSML does (then the engine reads it as SSML, as it would the same text given inline)."""
    if args.file is not None:
        path = Path(args.file)
        if whole or _starts_as_ssml(path):
            text = path.read_text(encoding="utf-8")
            return text, len(text)
        with path.open(encoding="utf-8") as handle:
            total = sum(len(line) for line in handle)
        return _lines(path), total
    if args.text == "-" or args.text is None:
        text = sys.stdin.read()
    else:
        text = args.text
    return text, len(text)


def _starts_as_ssml(path: Path) -> bool:
    with path.open(encoding="utf-8") as handle:
        return is_ssml(handle.read(_SSML_HEAD_CHARS))


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        yield from handle


def _format(args: argparse.Namespace) -> AudioFormat:
    if args.format:
        return args.format
    suffix = Path(args.output).suffix.lower().lstrip(".") if args.output not in (None, "-") else ""
    return suffix if suffix in FORMATS else "wav"  # type: ignore[return-value]


def _subtitle_format(path: str | None) -> SubtitleFormat | None:
    """The subtitle format `path` names by its extension; refused before any model loads."""
    if path is None:
        return None
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in SUBTITLE_FORMATS:
        raise InvalidInputError(f"--subtitles {path}: name a .srt or .vtt file (the extension chooses the format)")
    return suffix  # type: ignore[return-value]


def _check_voice(voice: str, settings: Settings) -> None:
    """Refuse an unknown voice from the voices' metadata, before any model is loaded."""
    from warmtts.voices.catalog import catalog

    known = [info.id for info in catalog(settings.voices_dir)]
    if voice != "auto" and voice not in known:
        raise UnknownVoiceError(voice, known)


def _voices_for(args: argparse.Namespace, text: str | Iterable[str], settings: Settings) -> frozenset[str] | None:
    """The voices one text needs, so a start loads nothing else (English alone skips zh-baker,
    jieba and pypinyin: most of a start): the voice asked for, and the default voice of each
    script the text holds. SSML may name any voice, so it loads them all (None)."""
    from warmtts.text.scripts import HAN

    if args.ssml:
        return None
    content = text if isinstance(text, str) else Path(args.file).read_text(encoding="utf-8")
    if is_ssml(content):
        return None
    needed = set() if args.voice == "auto" else {args.voice}
    if HAN.search(content):
        needed.add(settings.default_zh_voice)
    if any(char.isalnum() and not HAN.match(char) for char in content) or not needed:
        needed.add(settings.default_en_voice)
    return frozenset(needed)


def cmd_say(args: argparse.Namespace) -> int:
    """Everything cheap is checked first (voice, parameters, input, where the audio goes), then
    the models load, then the audio is written or played as it is synthesised."""
    from warmtts.audio.player import PLAYERS, find_player, play_chunks, player_command

    settings = _settings(args)
    _check_voice(args.voice, settings)
    SynthesisParams(args.speed, args.pitch, args.energy)
    subtitle_format = _subtitle_format(args.subtitles)
    text, total = _input_text(args, whole=args.ssml or subtitle_format is not None)
    player = None
    if args.output is None:
        player = find_player()
        if player is None:
            print(f"warmtts: no audio player found (tried {', '.join(PLAYERS)}); write a file instead with "
                  "-o out.wav (or -o - for stdout)", file=sys.stderr)
            return 2
    reuse_freed_memory()  # as the server does: vocoder windows reuse pages instead of faulting
    engine = build_engine(settings, voices=_voices_for(args, text, settings))
    fmt = _format(args)
    stream = engine.synthesize_stream(text, args.voice, args.speed, args.pitch, args.energy, ssml=args.ssml or None)
    progress = None
    if total >= PROGRESS_MIN_CHARS and sys.stderr.isatty() or args.progress:
        from tqdm import tqdm

        progress = tqdm(total=total, unit="char", desc="synthesising", file=sys.stderr)
    marks: list[Mark] = []

    def on_chunk(chunk: Chunk) -> None:
        marks.extend(chunk.marks)
        if progress is not None:
            progress.update(chunk.source_chars)

    start = time.perf_counter()
    if player is not None:
        seconds = play_chunks(stream, player_command(player, stream.sample_rate), on_chunk)
    else:
        from warmtts.audio.files import write_chunks

        target = None if args.output == "-" else Path(args.output)
        seconds = write_chunks(stream, target, fmt, stream.sample_rate, on_chunk=on_chunk)
    if progress is not None:
        progress.update(max(0, total - progress.n))
        progress.close()
    if subtitle_format is not None:
        from warmtts.text.subtitles import subtitles

        assert isinstance(text, str)
        cues = subtitles(marks, text, subtitle_format, ssml=args.ssml or None)
        Path(args.subtitles).write_text(cues, encoding="utf-8")
    elapsed = time.perf_counter() - start
    log.info(
        "say voice=%s output=%s audio_seconds=%.2f synthesis_seconds=%.2f rtf=%.3f",
        stream.voice, player or fmt, seconds, elapsed, elapsed / seconds if seconds else 0.0,
    )
    return 0


def cmd_voices(args: argparse.Namespace) -> int:
    """From the voices' metadata: listing them loads no model."""
    from warmtts.voices.catalog import catalog

    for info in catalog(_settings(args).voices_dir):
        print(f"{info.id}\t{info.language}\t{info.sample_rate} Hz\t{info.engine}\t{info.description}")
    return 0


def cmd_phonemes(args: argparse.Namespace) -> int:
    _check_voice(args.voice, _settings(args))
    engine = _engine(args)
    for analysis in engine.analyze(args.text, args.voice):
        print(f"text:       {analysis.piece.text}")
        print(f"normalized: {analysis.normalized}")
        for run in analysis.runs:
            print(f"  [{run.script} → {run.voice}] {run.phonemized.text}")
            for stage, value in run.phonemized.stages.items():
                print(f"    {stage + ':':<9} {value}")
            joiner = " " if run.script == "zh" else ""
            print(f"    {'phonemes:':<9} {joiner.join(run.phonemized.phonemes)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from warmtts.server.main import serve

    return serve(_settings(args))


def cmd_bench(args: argparse.Namespace) -> int:
    """The benchmark lives in the source checkout's bench/, beside src/; it is not installed."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "bench" / "main.py").is_file():
        print("warmtts: bench runs from a source checkout (pip install -e '.[bench]')", file=sys.stderr)
        return 2
    sys.path.insert(0, str(root))
    from bench.main import main as bench_main

    return bench_main(args.bench_args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warmtts", description="Chinese and English TTS on the CPU.")
    parser.add_argument("--voices-dir", type=Path, help="folder of extra Piper voices (WARMTTS_VOICES_DIR)")
    parser.add_argument("--threads", type=int, help="ONNX Runtime threads per model (WARMTTS_ONNX_THREADS)")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR (WARMTTS_LOG_LEVEL; serve logs INFO, "
                        "other commands only warnings)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step (as --log-level INFO)")
    sub = parser.add_subparsers(dest="command", required=True)

    say = sub.add_parser("say", help="speak text: play it, or write it to a file with -o")
    say.add_argument("text", nargs="?", help="text to speak, or - for stdin")
    say.add_argument("-f", "--file", help="read the text from a UTF-8 file")
    say.add_argument("-o", "--output", help="output file, or - for stdout; without it, play the audio "
                     "(paplay, aplay or ffplay) as it is synthesised")
    say.add_argument("--voice", default="auto", help="voice id, or auto to choose by language")
    low, high = PARAM_RANGE
    say.add_argument("--speed", type=float, default=1.0,
                     help=f"{SPEED_RANGE[0]} to {SPEED_RANGE[1]} (past {low}-{high}, time-stretched)")
    say.add_argument("--pitch", type=float, default=1.0, help=f"{low} to {high} (zh-baker)")
    say.add_argument("--energy", type=float, default=1.0, help=f"{low} to {high} (zh-baker)")
    say.add_argument("--format", choices=FORMATS, help="default: from the output's extension, else wav")
    say.add_argument("--progress", action="store_true", help="show a progress bar even when not a terminal")
    say.add_argument("--subtitles", metavar="FILE", help="also write subtitles: FILE.srt (SubRip) or FILE.vtt (WebVTT)")
    say.add_argument("--ssml", action="store_true", help="the text is SSML (without it, text that starts as an XML document is)")
    say.set_defaults(func=cmd_say)

    voices = sub.add_parser("voices", help="list the voices (from their metadata; loads no model)")
    voices.set_defaults(func=cmd_voices)

    phonemes = sub.add_parser("phonemes", help="print every text stage of TEXT")
    phonemes.add_argument("text")
    phonemes.add_argument("--voice", default="auto")
    phonemes.set_defaults(func=cmd_phonemes)

    pinyin_cli.add_parser(sub)

    serve = sub.add_parser("serve", help="start the HTTP service (API, web page, metrics)")
    serve.add_argument("--host", help="address to listen on (WARMTTS_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (WARMTTS_PORT, default 8080)")
    serve.add_argument("--wyoming", metavar="URI", help="also serve Wyoming at tcp://HOST:PORT (WARMTTS_WYOMING_URI)")
    serve.set_defaults(func=cmd_serve)

    # every argument goes to `python -m bench` unchanged: "+" as prefix keeps argparse off its flags
    bench = sub.add_parser("bench", help="benchmark the service against Piper's (warmtts bench --help)",
                           prefix_chars="+", add_help=False)
    bench.add_argument("bench_args", nargs="*")
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "say" and (args.text is None) == (args.file is None):
        parser.error("say needs TEXT, - or -f FILE (exactly one)")
    try:
        settings = _settings(args)
    except ValidationError as exc:
        parser.error(f"invalid configuration: {exc}")
    logging.basicConfig(
        level=settings.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    try:
        return int(args.func(args))
    except WarmttsError as exc:
        print(f"warmtts: {exc}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError) as exc:
        print(f"warmtts: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
