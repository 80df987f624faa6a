"""What an uploaded file really is: its image type by magic bytes, and its width and height.

Only the first bytes of a file are needed (headers, never pixels), so the validator reads a
range instead of the object. Every parser works on untrusted bytes and reports any problem
(too short, corrupt, not the declared type) as :class:`ImageRejected` with a reason a person
can read; nothing else escapes. :class:`Truncated` (a subclass) means "these bytes end before
the header does", so the caller may try again with more of the file.

References: PNG (ISO/IEC 15948, IHDR first), GIF89a (logical screen descriptor), JPEG
(ITU T.81, B.1.1 markers; SOFn carries the frame size), WebP (RIFF container; VP8 RFC 6386
9.1, VP8L and VP8X per the WebP container specification).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

JPEG: Final = "image/jpeg"
PNG: Final = "image/png"
GIF: Final = "image/gif"
WEBP: Final = "image/webp"
IMAGE_TYPES: Final = (JPEG, PNG, GIF, WEBP)
EXTENSIONS: Final = {JPEG: "jpg", PNG: "png", GIF: "gif", WEBP: "webp"}

MAX_SIDE: Final = 1 << 24
"""Larger than any side these formats can express except PNG's 2^31-1; PNG sides beyond it
are refused as implausible."""

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
# SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the C0..CF range.
_JPEG_SOF: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, without a length: TEM and RST0..RST7 (SOI and EOI handled apart).
_JPEG_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})


class ImageRejected(ValueError):
    """The bytes are not an acceptable image of the declared type; ``str()`` says why."""


class Truncated(ImageRejected):
    """The bytes end before the header that holds the dimensions."""


@dataclass(frozen=True)
class ImageInfo:
    media_type: str
    width: int
    height: int


def sniff(data: bytes) -> str | None:
    """The image type the leading bytes announce, or None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def inspect(data: bytes, declared: str) -> ImageInfo:
    """The declared type's dimensions, if ``data`` starts like an image of that type."""
    if declared not in IMAGE_TYPES:
        raise ImageRejected(f"{declared} is not an accepted image type")
    found = sniff(data)
    if found != declared:
        what = found or "not an image of any accepted type"
        raise ImageRejected(f"declared {declared}, but the bytes are {what}")
    width, height = _PARSERS[declared](data)
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ImageRejected(f"implausible dimensions {width}x{height}")
    return ImageInfo(declared, width, height)


def _need(data: bytes, end: int, what: str) -> None:
    if len(data) < end:
        raise Truncated(f"the file ends inside the {what}")


def _png(data: bytes) -> tuple[int, int]:
    _need(data, 33, "PNG header")
    length = int.from_bytes(data[8:12], "big")
    if length != 13 or data[12:16] != b"IHDR":
        raise ImageRejected("PNG without an IHDR chunk first")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _gif(data: bytes) -> tuple[int, int]:
    _need(data, 13, "GIF logical screen descriptor")
    return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")


def _jpeg(data: bytes) -> tuple[int, int]:
    position = 2  # after SOI
    while True:
        _need(data, position + 2, "JPEG marker")
        if data[position] != 0xFF:
            raise ImageRejected("corrupt JPEG: expected a marker")
        while data[position + 1] == 0xFF:  # fill bytes before a marker
            position += 1
            _need(data, position + 2, "JPEG marker")
        marker = data[position + 1]
        position += 2
        if marker in _JPEG_STANDALONE:
            continue
        if marker in (0x00, 0xD8, 0xD9, 0xDA):
            raise ImageRejected(f"corrupt JPEG: marker {marker:02X} before the frame header")
        _need(data, position + 2, "JPEG segment length")
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2:
            raise ImageRejected("corrupt JPEG: segment shorter than its length field")
        if marker in _JPEG_SOF:
            _need(data, position + 7, "JPEG frame header")
            if length < 8:
                raise ImageRejected("corrupt JPEG: frame header too short")
            height = int.from_bytes(data[position + 3 : position + 5], "big")
            width = int.from_bytes(data[position + 5 : position + 7], "big")
            if height == 0:
                raise ImageRejected("JPEG whose height is deferred to a DNL marker")
            return width, height
        position += length


def _webp(data: bytes) -> tuple[int, int]:
    _need(data, 30, "WebP header")
    chunk = data[12:16]
    if chunk == b"VP8 ":
        if data[23:26] != b"\x9d\x01\x2a":
            raise ImageRejected("corrupt WebP: VP8 frame without its start code")
        width = int.from_bytes(data[26:28], "little") & 0x3FFF
        height = int.from_bytes(data[28:30], "little") & 0x3FFF
        return width, height
    if chunk == b"VP8L":
        if data[20] != 0x2F:
            raise ImageRejected("corrupt WebP: VP8L without its signature")
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    raise ImageRejected("WebP with an unknown first chunk")


_PARSERS: Final = {PNG: _png, GIF: _gif, JPEG: _jpeg, WEBP: _webp}
