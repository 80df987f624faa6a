"""Tiny images built byte by byte for tests: complete, valid files (PNG, GIF) or files whose
headers are exactly what a real encoder writes (JPEG, WebP), with the dimensions asked for."""

from __future__ import annotations

import struct
import zlib


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_header(width: int, height: int) -> bytes:
    """A PNG's signature and IHDR chunk (8-bit greyscale) and nothing else."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)


def png(width: int = 3, height: int = 2) -> bytes:
    """A complete 8-bit greyscale PNG (every decoder opens it)."""
    rows = b"".join(b"\x00" + bytes(i % 256 for i in range(width)) for _ in range(height))
    return (
        png_header(width, height)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def gif(width: int = 1, height: int = 1, version: bytes = b"89a") -> bytes:
    """A GIF with a two-colour global palette and one image of the logical screen size (its
    pixel data is one pixel's worth, so only the 1x1 default decodes completely)."""
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
    data = b"\x02\x02\x44\x01\x00"  # LZW: minimum code size 2, one sub-block, terminator
    return b"GIF" + version + screen + image + data + b"\x3b"


def jpeg(
    width: int = 640,
    height: int = 480,
    *,
    sof: int = 0xC0,
    app_bytes: int = 16,
    fill: int = 0,
) -> bytes:
    """JPEG headers as an encoder writes them: SOI, APP0 (JFIF, padded to ``app_bytes``), DQT,
    DHT (a marker in the SOF range that is not a frame), fill bytes, SOFn, SOS, scan, EOI."""

    def segment(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    app0 = segment(0xE0, jfif + b"\x00" * max(0, app_bytes - len(jfif)))
    dqt = segment(0xDB, b"\x00" + bytes(range(1, 65)))
    dht = segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
    frame = segment(sof, b"\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00")
    sos = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    return b"\xff\xd8" + app0 + dqt + dht + b"\xff" * fill + frame + sos + b"\x12\x34" + b"\xff\xd9"


def _riff(chunk: bytes, payload: bytes) -> bytes:
    body = chunk + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) % 2)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def webp_lossy(width: int = 400, height: int = 300) -> bytes:
    """Simple-format lossy WebP: a VP8 key frame header (frame tag, start code, 14-bit sizes)."""
    frame = b"\x30\x01\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height) + b"\x00" * 10
    return _riff(b"VP8 ", frame)


def webp_lossless(width: int = 400, height: int = 300) -> bytes:
    """Simple-format lossless WebP: VP8L signature and (width-1, height-1) in 14 bits each."""
    bits = (width - 1) | ((height - 1) << 14)
    return _riff(b"VP8L", b"\x2f" + struct.pack("<I", bits) + b"\x00" * 6)


def webp_extended(width: int = 5000, height: int = 3000) -> bytes:
    """Extended-format WebP: VP8X with 24-bit canvas width-1 and height-1, then a VP8L image."""
    canvas = (
        b"\x10\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    )
    inner = webp_lossless(min(width, 16384), min(height, 16384))[12:]
    whole = _riff(b"VP8X", canvas)[12:] + inner
    return b"RIFF" + struct.pack("<I", 4 + len(whole)) + b"WEBP" + whole


# ---------------------------------------------------------------- real files and attacks


def encoded(media_type: str, width: int = 8, height: int = 6, *, frames: int = 1) -> bytes:
    """A real file of ``media_type`` written by Pillow's encoders (every decoder opens it);
    ``frames`` > 1 makes an animated GIF or WebP."""
    import io

    from PIL import Image

    form = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
    pictures = [Image.new("RGB", (width, height), (40 * i % 256, 120, 200)) for i in range(frames)]
    out = io.BytesIO()
    extra = {"save_all": True, "append_images": pictures[1:]} if frames > 1 else {}
    pictures[0].save(out, form[media_type], **extra)
    return out.getvalue()


def png_with_html() -> bytes:
    """A PNG signature and header followed by an HTML page with a script: the sniffing-browser
    attack of a file that only starts like an image."""
    return png_header(16, 16) + b"<html><body><script>alert(document.cookie)</script></html>"


def png_with_trailing_html() -> bytes:
    """A complete, decodable PNG with an HTML page and a script after its IEND chunk."""
    return png(4, 4) + b"<html><script>alert(document.cookie)</script></html>"


def gif_javascript_polyglot() -> bytes:
    """A GIF that is also JavaScript: the logical screen width is ``/*`` (0x2A2F) so the header
    opens a comment, which the bytes after the GIF trailer close before running a script."""
    screen = b"/*" + struct.pack("<HBBB", 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return b"GIF89a" + screen + image + b"\x3b" + b"*/=1;alert(document.domain);//"


def gif_comment_polyglot() -> bytes:
    """A fully valid GIF that is also JavaScript, with nothing after its trailer: the header
    opens a comment (width ``/*``), and a comment extension block closes it and runs a script."""
    screen = b"/*" + struct.pack("<HBBB", 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    script = b"*/=alert(document.domain)//"
    comment = b"\x21\xfe" + bytes([len(script)]) + script + b"\x00"
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return b"GIF89a" + screen + comment + image + b"\x3b"


def png_claiming(width: int = 1 << 24, height: int = 1 << 24) -> bytes:
    """A well-formed PNG whose header claims ``width`` x ``height`` pixels (2^48 by default)
    with a tiny compressed IDAT: a decompression bomb for anyone who trusts the header."""
    return (
        png_header(width, height)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + (_png_chunk(b"IEND", b""))
    )
