"""Writing a stream of chunks to a file or stdout without holding the whole utterance.

WAV and FLAC files go through libsndfile, which fixes their headers when the file closes.
Everything else, and everything to stdout, is streamed by `make_encoder`: to stdout a WAV
header declares an open length and a FLAC header 0 (unknown) total samples.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

import soundfile

from warmtts.audio.chunk import Chunk
from warmtts.audio.encode import make_encoder
from warmtts.audio.formats import AudioFormat

SUBTYPES = {"wav": ("WAV", "PCM_16"), "flac": ("FLAC", "PCM_16")}


def write_chunks(
    chunks: Iterable[Chunk],
    target: Path | None,
    fmt: AudioFormat,
    sample_rate: int,
    on_chunk: Callable[[Chunk], None] = lambda chunk: None,
) -> float:
    """Write every chunk to `target` (None: stdout); returns the seconds of audio written."""
    seconds = 0.0
    if target is not None and fmt in SUBTYPES:
        container, subtype = SUBTYPES[fmt]
        with soundfile.SoundFile(target, "w", sample_rate, 1, subtype, format=container) as sink:
            for chunk in chunks:
                sink.write(chunk.pcm)
                seconds += chunk.seconds
                on_chunk(chunk)
        return seconds
    encoder = make_encoder(fmt, sample_rate)
    out: BinaryIO = sys.stdout.buffer if target is None else open(target, "wb")
    try:
        for chunk in chunks:
            out.write(encoder.feed(chunk.pcm))
            out.flush()
            seconds += chunk.seconds
            on_chunk(chunk)
        out.write(encoder.finish())
    finally:
        if target is not None:
            out.close()
        else:
            out.flush()
    return seconds
