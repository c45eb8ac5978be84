"""`warmtts pinyin`: tone-numbered pinyin of every Han character, a line out per line in.

It loads only the g2p (jieba, the polyphone model, the lexicon) — never a voice or the
normaliser — so it starts in about a second and keeps pace with thousands of lines.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # jieba and pypinyin cost 1.5 s to import: only `warmtts pinyin` pays for them here
    from warmtts.phonemes.zh_pinyin import ZhG2P


def han_syllables(g2p: ZhG2P, text: str, sandhi: bool = False) -> list[str]:
    """The syllables of `text`'s Han characters in order: one per character in citation tones;
    with `sandhi` the spoken tones, erhua merged into the syllable before it."""
    return [s for word in g2p.words(text, sandhi=sandhi) if word.is_han for s in word.pinyin if s]


def pinyin_line(g2p: ZhG2P, text: str, sandhi: bool = False) -> str:
    return " ".join(han_syllables(g2p, text, sandhi))


def write_lines(g2p: ZhG2P, lines: Iterable[str], out: TextIO, sandhi: bool) -> None:
    """One output line per input line, flushed at once so a pipe sees each as it is ready."""
    for line in lines:
        out.write(pinyin_line(g2p, line.rstrip("\r\n"), sandhi) + "\n")
        out.flush()


def cmd_pinyin(args: argparse.Namespace) -> int:
    from warmtts.config import Settings
    from warmtts.phonemes.zh_lexicon import load_lexicon
    from warmtts.phonemes.zh_pinyin import ZhG2P

    settings = Settings(**({"log_level": args.log_level} if args.log_level else {}))
    g2p = ZhG2P(load_lexicon(settings.lexicon_path), cache_dir=settings.cache_folder("text"))
    g2p.warm_up()
    lines: Iterable[str] = sys.stdin if args.text == "-" else args.text.splitlines() or [""]
    write_lines(g2p, lines, sys.stdout, args.sandhi)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    pinyin = sub.add_parser("pinyin", help="print the tone-numbered pinyin of TEXT's Han characters")
    pinyin.add_argument("text", help="text, or - to read one text per line from stdin")
    pinyin.add_argument("--sandhi", action="store_true", help="spoken tones (sandhi, erhua) instead of citation tones")
    pinyin.set_defaults(func=cmd_pinyin)
