"""Output bytes for generations: a real PNG of the generation's size and a real ISO BMFF (MP4) file.

Both are deterministic per generation and cheap: the PNG is a 256-colour palette image whose rows
repeat in 16 bands (a 4096 x 4096 image compresses in about 40 ms and weighs about 250 KB), and the
few most recent ones are kept, since a client usually fetches an output right after it appears.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections import OrderedDict
from functools import lru_cache

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BANDS = 16
_CACHE_SIZE = 8
_recent: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _palette(seed: str) -> bytes:
    """256 colours on a line between two colours drawn from the seed."""
    rng = random.Random(seed)
    start = [rng.randrange(256) for _ in range(3)]
    end = [rng.randrange(256) for _ in range(3)]
    return bytes(start[c] + (end[c] - start[c]) * i // 255 for i in range(256) for c in range(3))


def png(seed: str, width: int, height: int) -> bytes:
    """A `width` x `height` PNG: a horizontal gradient whose phase shifts in horizontal bands."""
    key = (seed, width, height)
    cached = _recent.get(key)
    if cached is not None:
        _recent.move_to_end(key)
        return cached
    compressor = zlib.compressobj(1)
    parts: list[bytes] = []
    for band in range(BANDS):
        rows = height * (band + 1) // BANDS - height * band // BANDS
        row = b"\x00" + bytes((band * 16 + x * 255 // max(width - 1, 1)) % 256 for x in range(width))
        parts.append(compressor.compress(row * rows))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)  # 8-bit palette, no interlace
    data = b"".join([PNG_SIGNATURE, _chunk(b"IHDR", header), _chunk(b"PLTE", _palette(seed)),
                     _chunk(b"IDAT", b"".join(parts)), _chunk(b"IEND", b"")])
    _recent[key] = data
    if len(_recent) > _CACHE_SIZE:
        _recent.popitem(last=False)
    return data


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR (what a client checks)."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


@lru_cache(maxsize=_CACHE_SIZE)
def mp4(seed: str, seconds: int) -> bytes:
    """An ISO BMFF file (`ftyp`, `moov` with a movie header of the clip's duration, `mdat`): what MP4
    readers parse first. The media data is deterministic filler of about 4 KB per second."""
    timescale = 1000
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    matrix = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
    mvhd = _box(b"mvhd", struct.pack(">B3xIIII", 0, 0, 0, timescale, seconds * timescale)
                + struct.pack(">IH10x", 0x00010000, 0x0100) + matrix + bytes(24) + struct.pack(">I", 2))
    rng = random.Random(seed)
    mdat = _box(b"mdat", rng.randbytes(4096 * seconds))
    return ftyp + _box(b"moov", mvhd) + mdat


def mp4_duration(data: bytes) -> float:
    """Seconds from the movie header (what a client checks)."""
    position = 0
    while position + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[position:position + 8])
        if kind == b"moov":
            mvhd = data[position + 8:position + size]
            timescale, duration = struct.unpack(">II", mvhd[20:28])
            return duration / timescale
        if size < 8:
            break
        position += size
    raise ValueError("no movie header")
