"""English (and any espeak-ng language) phonemes through piper-tts' bundled espeak-ng bridge.

espeak-ng keeps global state (the current voice) and piper's bridge sets the voice and reads
the phonemes in two calls, between which another thread may switch the voice; so every call
holds one process-wide lock (tests/test_frontend_threads.py fails without it). Phonemising a
sentence takes well under a millisecond, so the lock is never the bottleneck.
"""

from __future__ import annotations

import threading

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
