"""What every audio store shares: the names it hands out and the interface the server uses.

A file is audio or the subtitles of an audio file. Names are made here, never from anything a
client sends: 32 random URL-safe characters plus the format's extension. A name must match that
shape exactly before any backend looks it up, so no request can reach a path or key outside the
store.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from warmtts.audio.formats import CONTENT_TYPES, FORMATS
from warmtts.text.subtitles import SUBTITLE_FORMATS, SUBTITLE_TYPES

_TYPES: dict[str, str] = {**CONTENT_TYPES, **SUBTITLE_TYPES}
_NAME = re.compile(r"^[A-Za-z0-9_-]{32}\.(%s)$" % "|".join((*FORMATS, *SUBTITLE_FORMATS)))


def new_name(extension: str) -> str:
    return f"{secrets.token_urlsafe(24)}.{extension}"


def valid_name(name: str) -> bool:
    return bool(_NAME.match(name))


def content_type(name: str) -> str:
    """The media type of a stored file; subtitles are UTF-8 text."""
    media = _TYPES[name.rsplit(".", 1)[1]]
    return f"{media}; charset=utf-8" if media in SUBTITLE_TYPES.values() else media


@dataclass(frozen=True)
class StoredAudio:
    """An open stored file: its size and its bytes, read as they are sent; `close` must be called."""

    size: int
    chunks: Iterator[bytes]
    close: Callable[[], None]


class AudioStore(Protocol):
    """What the server needs of a store. Every method raises StoreUnavailableError when the store
    cannot be reached or refuses; an unknown, malformed or expired name is just not there."""

    description: str

    def put(self, data: bytes, extension: str) -> str: ...

    def open(self, name: str) -> StoredAudio | None: ...

    def presigned_url(self, name: str) -> str:
        """A URL the client fetches from the store itself (S3 only)."""
        ...

    def check(self) -> None:
        """Raise StoreUnavailableError unless the store can be written now."""
        ...

    def sweep(self) -> int:
        """Delete what has expired, if this store needs it (returns how many); 0 otherwise."""
        ...
