"""Ogg pages (RFC 3533) for one logical stream, written here so that every feed can end a page.

FFmpeg's Ogg muxer holds back the page it is filling and one finished page (up to two seconds
of audio with its default one-second pages) and has no flush that PyAV exposes. Paging here puts
each feed's packets on the wire at once, for one page header (about 30 bytes) per feed.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Sequence

_FIRST, _LAST = 0x02, 0x04
_MAX_SEGMENTS = 255
# Ogg's CRC-32 is the unreflected one (polynomial 0x04C11DB7, no inversions); zlib's is the
# reflected one, so the bytes go in bit-reversed and the register comes out bit-reversed.
_REVERSED_BITS = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def ogg_crc(data: bytes) -> int:
    register = zlib.crc32(data.translate(_REVERSED_BITS), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{register:032b}"[::-1], 2)


def _lacing(size: int) -> bytes:
    """A packet's segment table entries: 255s, then the remainder (0 when a multiple of 255)."""
    return b"\xff" * (size // 255) + bytes([size % 255])


class OggWriter:
    """Pages of one logical stream. Packets are never split across pages, so every page ends a
    packet and carries the granule position after it. Packets must be under 65025 bytes."""

    def __init__(self, serial: int | None = None) -> None:
        self._serial = random.getrandbits(32) if serial is None else serial
        self._sequence = 0
        self.granule = 0

    def pages(self, packets: Sequence[tuple[bytes, int]], last: bool = False) -> bytes:
        """(packet, duration) pairs on as few pages as hold them; `last` marks the stream's end
        (an empty page if there is nothing left to carry)."""
        out = bytearray()
        page: list[bytes] = []
        segments = 0
        for packet, duration in packets:
            needed = len(packet) // 255 + 1
            if page and segments + needed > _MAX_SEGMENTS:
                out += self._page(page, last=False)
                page, segments = [], 0
            page.append(packet)
            segments += needed
            self.granule += duration
        if page or last:
            out += self._page(page, last)
        return bytes(out)

    def _page(self, packets: list[bytes], last: bool) -> bytes:
        flags = (_FIRST if self._sequence == 0 else 0) | (_LAST if last else 0)
        lacing = b"".join(_lacing(len(p)) for p in packets)
        header = struct.pack(
            "<4sBBqIIIB", b"OggS", 0, flags, self.granule, self._serial, self._sequence, 0, len(lacing)
        )
        self._sequence += 1
        page = bytearray(header + lacing + b"".join(packets))
        struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
        return bytes(page)
