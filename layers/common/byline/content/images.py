"""What an uploaded file really is: its image type by magic bytes, its width and height, and
(:func:`verify`) whether the whole file is that image and nothing else.

:func:`inspect` needs only the first bytes of a file (headers, never pixels). :func:`verify`
takes the whole file: it walks the format's structure to the image's end (PNG chunks with their
CRCs to IEND, GIF blocks to the trailer, JPEG segments and scans to EOI, WebP's RIFF length and
chunks) and refuses any byte after it, refuses more than :data:`MAX_PIXELS` before decoding,
then decodes every frame with Pillow (docs/decisions/0011-decoding-uploaded-images.md).

Every parser works on untrusted bytes and reports any problem (too short, corrupt, not the
declared type) as :class:`ImageRejected` with a reason a person can read; nothing else escapes.
:class:`Truncated` (a subclass) means "these bytes end before the header does".

References: PNG (ISO/IEC 15948, IHDR first), GIF89a (logical screen descriptor), JPEG
(ITU T.81, B.1.1 markers; SOFn carries the frame size), WebP (RIFF container; VP8 RFC 6386
9.1, VP8L and VP8X per the WebP container specification).
"""

from __future__ import annotations

import zlib
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

MAX_PIXELS: Final = 50_000_000
"""Pixels of one frame: a 48-megapixel phone photo fits; decoded as RGBA it stays well inside
the validator's memory."""
MAX_FRAMES: Final = 1000
MAX_ANIMATION_PIXELS: Final = 200_000_000
"""Frames times pixels of an animation: what decoding every frame may cost at the most."""

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


# -- whole-file verification ------------------------------------------------------------------


def verify(data: bytes, declared: str) -> ImageInfo:
    """``data`` is one complete image of the declared type, within the pixel limits, with
    nothing after its end; its dimensions, or :class:`ImageRejected` saying why not."""
    info = inspect(data, declared)
    if info.width * info.height > MAX_PIXELS:
        raise ImageRejected(
            f"{info.width}x{info.height} is more than the {MAX_PIXELS} pixels allowed"
        )
    end = _ENDS[declared](data)
    if end < len(data):
        raise ImageRejected(f"{len(data) - end} bytes after the end of the image")
    _decode(data, info)
    return info


def _decode(data: bytes, info: ImageInfo) -> None:
    """Every pixel of every frame, by Pillow; any failure of the decoder is a rejection."""
    import io

    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb check, a second line
    try:
        with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[info.media_type]]) as image:
            if image.size != (info.width, info.height):
                raise ImageRejected(
                    f"the header says {info.width}x{info.height}, the image is "
                    f"{image.size[0]}x{image.size[1]}"
                )
            frames = int(getattr(image, "n_frames", 1))
            if frames > MAX_FRAMES or frames * info.width * info.height > MAX_ANIMATION_PIXELS:
                raise ImageRejected(f"an animation of {frames} frames is more than allowed")
            for frame in range(frames):
                image.seek(frame)
                image.load()
    except ImageRejected:
        raise
    except Exception as error:
        raise ImageRejected(f"the image does not decode: {error}") from error


_PILLOW_FORMATS: Final = {PNG: "PNG", GIF: "GIF", JPEG: "JPEG", WEBP: "WEBP"}


def _png_end(data: bytes) -> int:
    position = len(_PNG_SIGNATURE)
    while True:
        _need(data, position + 12, "PNG chunk")
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            raise ImageRejected(f"corrupt PNG: chunk {kind!r} runs past the end of the file")
        crc = int.from_bytes(data[end - 4 : end], "big")
        if zlib.crc32(data[position + 4 : end - 4]) != crc:
            raise ImageRejected(f"corrupt PNG: chunk {kind!r} fails its checksum")
        if kind == b"IEND":
            return end
        position = end


def _gif_sub_blocks(data: bytes, position: int) -> int:
    while True:
        _need(data, position + 1, "GIF data block")
        size = data[position]
        position += 1 + size
        if size == 0:
            return position


_GIF_FREE_TEXT = {0xFE, 0x01}
"""Comment and plain-text extensions: free bytes no renderer shows."""


def _gif_end(data: bytes) -> int:
    _need(data, 13, "GIF logical screen descriptor")
    flags = data[10]
    position = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while True:
        _need(data, position + 1, "GIF block")
        introducer = data[position]
        if introducer == 0x3B:  # trailer
            return position + 1
        if introducer == 0x21:  # extension: label, then sub-blocks
            _need(data, position + 2, "GIF extension label")
            if data[position + 1] in _GIF_FREE_TEXT:
                raise ImageRejected(
                    "GIF comment and plain-text blocks are not accepted (they carry arbitrary "
                    "bytes that make the file something else as well, e.g. a script)"
                )
            position = _gif_sub_blocks(data, position + 2)
        elif introducer == 0x2C:  # image descriptor, local colour table, LZW data
            _need(data, position + 10, "GIF image descriptor")
            local = data[position + 9]
            position += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
            position = _gif_sub_blocks(data, position + 1)  # after the LZW minimum code size
        else:
            raise ImageRejected(f"corrupt GIF: block {introducer:02X} where a block should start")


def _jpeg_end(data: bytes) -> int:
    position = 2  # after SOI
    while True:
        _need(data, position + 2, "JPEG marker")
        if data[position] != 0xFF:
            raise ImageRejected("corrupt JPEG: expected a marker")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        position += 2
        if marker == 0xD9:  # EOI
            return position
        if marker in _JPEG_STANDALONE:
            continue
        _need(data, position + 2, "JPEG segment length")
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2:
            raise ImageRejected("corrupt JPEG: segment shorter than its length field")
        position += length
        if marker == 0xDA:  # a scan: entropy-coded bytes up to the next marker
            position = _jpeg_scan_end(data, position)


def _jpeg_scan_end(data: bytes, position: int) -> int:
    while True:
        found = data.find(b"\xff", position)
        if found < 0 or found + 1 >= len(data):
            raise Truncated("the file ends inside a JPEG scan")
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte, restart marker
            position = found + 2
            continue
        return found


def _webp_end(data: bytes) -> int:
    _need(data, 20, "WebP header")
    end = 8 + int.from_bytes(data[4:8], "little")
    if end > len(data):
        raise Truncated("the file ends before its RIFF length says")
    position = 12
    while position < end:
        _need(data, position + 8, "WebP chunk")
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        position += 8 + size + (size & 1)
    if position != end:
        raise ImageRejected("corrupt WebP: chunks do not fill the RIFF container")
    return end


_ENDS: Final = {PNG: _png_end, GIF: _gif_end, JPEG: _jpeg_end, WEBP: _webp_end}
