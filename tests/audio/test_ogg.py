from __future__ import annotations

import struct

from warmtts.audio.ogg import OggWriter, ogg_crc


def bitwise_crc(data: bytes) -> int:
    """RFC 3533's CRC, one bit at a time: polynomial 0x04C11DB7, initial 0, no reflection."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc


def parse(stream: bytes) -> list[tuple[int, int, int, list[int]]]:
    """(flags, granule, sequence, packet sizes) of every page, checking each page's CRC."""
    pages = []
    while stream:
        magic, _, flags, granule, _, sequence, crc, count = struct.unpack_from("<4sBBqIIIB", stream)
        assert magic == b"OggS"
        lacing = stream[27 : 27 + count]
        end = 27 + count + sum(lacing)
        assert crc == bitwise_crc(stream[:22] + b"\0\0\0\0" + stream[26:end])
        sizes, size = [], 0
        for value in lacing:
            size += value
            if value < 255:
                sizes.append(size)
                size = 0
        pages.append((flags, granule, sequence, sizes))
        stream = stream[end:]
    return pages


def test_crc_matches_the_bitwise_definition() -> None:
    for data in (b"", b"OggS", bytes(range(256)) * 3):
        assert ogg_crc(data) == bitwise_crc(data)


def test_pages_hold_whole_packets_and_the_granule_after_their_last() -> None:
    writer = OggWriter(serial=7)
    head = writer.pages([(b"head", 0)])
    # 200 packets of 300 bytes take two segments each: 127 fit on a page, then 73.
    body = writer.pages([(bytes(300), 960)] * 200)
    tail = writer.pages([(bytes(255), 312)], last=True)
    pages = parse(head + body + tail)
    assert [(flags, granule, sequence) for flags, granule, sequence, _ in pages] == [
        (0x02, 0, 0), (0, 127 * 960, 1), (0, 200 * 960, 2), (0x04, 200 * 960 + 312, 3)
    ]
    assert [len(sizes) for *_, sizes in pages] == [1, 127, 73, 1]
    assert pages[3][3] == [255]  # a multiple of 255 ends with a 0 lacing value


def test_the_end_of_a_stream_can_be_an_empty_page() -> None:
    writer = OggWriter(serial=1)
    writer.pages([(b"x", 10)])
    assert parse(writer.pages([], last=True)) == [(0x04, 10, 1, [])]
