"""The Chinese frontend: words → pinyin → prosodic words → Baker phones, in one call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from warmtts.phonemes.baker_phones import BakerPhonemizer, Span
from warmtts.phonemes.zh_pinyin import ZhG2P
from warmtts.phonemes.zh_prosody import ProsodicWord, prosodic_words


@dataclass(frozen=True)
class ZhAnalysis:
    words: list[ProsodicWord]
    phones: list[str]
    units: list[Span | None]  # per phone, the characters of the text it speaks

    @property
    def marked_text(self) -> str:
        """'银行行长说#1我们#1长大了' — the prosodic words with the marks between them."""
        parts = [w.text + ("" if i == len(self.words) - 1 else w.mark) for i, w in enumerate(self.words)]
        return "".join(parts)

    @property
    def pinyin(self) -> str:
        return " ".join(s for w in self.words for s in w.pinyin if s)


class ZhFrontend:
    def __init__(self, g2p: ZhG2P, phonemizer: BakerPhonemizer) -> None:
        self._g2p = g2p
        self._phonemizer = phonemizer

    def analyze(self, text: str, readings: Mapping[int, str] | None = None) -> ZhAnalysis:
        """`readings` fixes the syllable of characters by index (SSML's pinyin), as the
        lexicon does; sandhi still applies to them."""
        words = prosodic_words(self._g2p.words(text, readings=readings))
        located = self._phonemizer.located(words, text)
        return ZhAnalysis(words, [phone for phone, _ in located], [unit for _, unit in located])
