"""English (and any espeak-ng language) phonemes through piper-tts' bundled espeak-ng bridge.

espeak-ng keeps global state (the current voice) and piper's bridge sets the voice and reads
the phonemes in two calls, between which another thread may switch the voice; so every call
holds one process-wide lock (tests/test_frontend_threads.py fails without it). Phonemising a
sentence takes well under a millisecond, so the lock is never the bottleneck.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata

from piper.phonemize_espeak import ESPEAK_DATA_DIR, EspeakPhonemizer

_LOCK = threading.Lock()
_PHONEMIZER: EspeakPhonemizer | None = None


def _phonemizer() -> EspeakPhonemizer:
    global _PHONEMIZER
    if _PHONEMIZER is None:
        _PHONEMIZER = EspeakPhonemizer(ESPEAK_DATA_DIR)
    return _PHONEMIZER


def phonemize(text: str, espeak_voice: str) -> list[str]:
    """IPA phonemes of `text`, one codepoint each, with clause punctuation kept as pause cues."""
    with _LOCK:
        sentences = _phonemizer().phonemize(espeak_voice, text)
    phonemes: list[str] = []
    for sentence in sentences:
        if phonemes and phonemes[-1] != " ":
            phonemes.append(" ")
        phonemes.extend(sentence)
    return phonemes


_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def _sounds(phoneme: str) -> bool:
    return not phoneme.isspace() and not unicodedata.category(phoneme).startswith("P")


def _weight(phoneme: str) -> int:
    """Stress and length marks (ˈ ˌ ː) belong to a word but are not sounds of their own."""
    return 0 if unicodedata.category(phoneme) == "Lm" else 1


def word_units(text: str, phonemes: list[str]) -> list[tuple[str, tuple[int, int] | None]]:
    """Each phoneme of `text` with the word of `text` it speaks ([start, end)), or None for
    spaces and punctuation. espeak-ng writes a space between words but joins some unstressed
    ones ("of the" → ʌvðə) and may split others, so its groups are paired with the words by
    the best monotone alignment of phoneme counts to letter counts (_pair)."""
    words = [m.span() for m in _WORD.finditer(text)]
    groups: list[list[int]] = [[]]
    for index, phoneme in enumerate(phonemes):
        if phoneme == " ":
            groups.append([])
        elif _sounds(phoneme):
            groups[-1].append(index)
    groups = [g for g in groups if g]
    owner: dict[int, tuple[int, int]] = {}
    if words and groups:
        sizes = [sum(_weight(phonemes[i]) for i in g) for g in groups]
        for group_block, word_block in _pair(sizes, [e - s for s, e in words]):
            sounding = [i for g in group_block for i in groups[g]]
            letters = [words[w][1] - words[w][0] for w in word_block]
            for k, i in enumerate(sounding):  # a group of several words: shared by their letters
                share = (k + 0.5) / len(sounding) * sum(letters)
                w, running = 0, letters[0]
                while share > running and w + 1 < len(letters):
                    w += 1
                    running += letters[w]
                owner[i] = words[word_block[w]]
    return [(p, owner.get(i)) for i, p in enumerate(phonemes)]


def _pair(sizes: list[int], letters: list[int], widest: int = 3, band: int = 8) -> list[tuple[list[int], list[int]]]:
    """Blocks (groups, words) covering both in order, each one group to up to `widest` words
    or up to `widest` groups to one word, so that each block's phonemes best match its letters
    (scaled to the same total): least squared difference plus a price per merge, by dynamic
    programming within `band` of the diagonal."""
    g_count, w_count = len(sizes), len(letters)
    if g_count == w_count:
        return [([i], [i]) for i in range(g_count)]
    scale = sum(sizes) / max(1, sum(letters))
    size_sum, letter_sum = [0, *itertools.accumulate(sizes)], [0, *itertools.accumulate(letters)]
    moves = [(1, k) for k in range(1, widest + 1)] + [(k, 1) for k in range(2, widest + 1)]
    best: dict[tuple[int, int], tuple[float, tuple[int, int]]] = {(0, 0): (0.0, (0, 0))}
    for g in range(g_count + 1):
        for w in range(max(0, g - band), min(w_count, g + band) + 1):
            if (g, w) not in best:
                continue
            here = best[(g, w)][0]
            for dg, dw in moves:
                g2, w2 = g + dg, w + dw
                if g2 > g_count or w2 > w_count:
                    continue
                miss = (size_sum[g2] - size_sum[g]) - scale * (letter_sum[w2] - letter_sum[w])
                total = here + miss * miss + 2.0 * (dg + dw - 2)
                if (g2, w2) not in best or total < best[(g2, w2)][0]:
                    best[(g2, w2)] = (total, (dg, dw))
    if (g_count, w_count) not in best:  # too uneven to pair: everything is one block
        return [(list(range(g_count)), list(range(w_count)))]
    blocks: list[tuple[list[int], list[int]]] = []
    g, w = g_count, w_count
    while g or w:
        dg, dw = best[(g, w)][1]
        blocks.append((list(range(g - dg, g)), list(range(w - dw, w))))
        g, w = g - dg, w - dw
    return blocks[::-1]
