"""Image types by magic bytes and dimensions from headers, on bytes built in the tests: every
format, the JPEG marker rules, and truncated or corrupt input that must end in a clean
rejection (never an IndexError, struct.error or anything else)."""

from __future__ import annotations

import base64
import contextlib
import random

import pytest

from byline.content.images import (
    GIF,
    IMAGE_TYPES,
    JPEG,
    PNG,
    WEBP,
    ImageInfo,
    ImageRejected,
    Truncated,
    inspect,
    sniff,
)
from tests.support import images

SAMPLES = {
    "png": (images.png(3, 2), PNG, (3, 2)),
    "png-wide": (images.png(1000, 1), PNG, (1000, 1)),
    "gif89a": (images.gif(1, 1), GIF, (1, 1)),
    "gif87a": (images.gif(320, 200, b"87a"), GIF, (320, 200)),
    "jpeg-baseline": (images.jpeg(640, 480), JPEG, (640, 480)),
    "jpeg-progressive": (images.jpeg(1920, 1080, sof=0xC2), JPEG, (1920, 1080)),
    "jpeg-lossless-huffman": (images.jpeg(17, 33, sof=0xC3), JPEG, (17, 33)),
    "jpeg-arithmetic": (images.jpeg(65535, 2, sof=0xC9), JPEG, (65535, 2)),
    "jpeg-fill-bytes": (images.jpeg(10, 20, fill=4), JPEG, (10, 20)),
    "jpeg-big-exif": (images.jpeg(800, 600, app_bytes=60_000), JPEG, (800, 600)),
    "webp-lossy": (images.webp_lossy(400, 300), WEBP, (400, 300)),
    "webp-lossless": (images.webp_lossless(16384, 1), WEBP, (16384, 1)),
    "webp-extended": (images.webp_extended(5000, 3000), WEBP, (5000, 3000)),
}
# A 1x1 PNG as written by a real encoder (the one the local stack's tests upload).
REAL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_format_is_recognised_and_measured(name: str):
    data, media_type, (width, height) = SAMPLES[name]
    assert sniff(data) == media_type
    assert inspect(data, media_type) == ImageInfo(media_type, width, height)


def test_a_png_from_a_real_encoder_is_one_pixel():
    assert inspect(REAL_PNG, PNG) == ImageInfo(PNG, 1, 1)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, I am plain text",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"%PDF-1.7\n",
        b"RIFF\x24\x00\x00\x00WAVEfmt ",  # RIFF, but audio
        b"\xff\xd8",  # SOI without a third marker byte
        b"GIF88a\x01\x00\x01\x00",
        b"\x89PNG\r\n\x1a\x0a"[:7],
    ],
)
def test_anything_else_is_no_accepted_type(data: bytes):
    assert sniff(data) is None
    for declared in IMAGE_TYPES:
        with pytest.raises(ImageRejected, match="not an image of any accepted type"):
            inspect(data, declared)


def test_bytes_of_another_image_type_than_declared_are_rejected():
    with pytest.raises(ImageRejected, match="declared image/png, but the bytes are image/gif"):
        inspect(images.gif(), PNG)
    with pytest.raises(ImageRejected, match="declared image/jpeg, but the bytes are image/webp"):
        inspect(images.webp_lossy(), JPEG)


def test_an_undeclarable_type_is_rejected_before_looking_at_bytes():
    with pytest.raises(ImageRejected, match="image/svg\\+xml is not an accepted image type"):
        inspect(images.png(), "image/svg+xml")


def test_jpeg_dht_dac_and_jpg_markers_are_not_taken_for_frame_headers():
    # images.jpeg puts a DHT (FFC4) before the frame: had it been read as SOF, the sizes
    # would come from the table bytes.
    assert inspect(images.jpeg(321, 123), JPEG) == ImageInfo(JPEG, 321, 123)
    for not_a_frame in (0xC4, 0xC8, 0xCC):
        data = images.jpeg(5, 5, sof=not_a_frame)
        with pytest.raises(ImageRejected, match="marker DA before the frame header"):
            inspect(data, JPEG)


def test_a_jpeg_whose_height_comes_later_in_a_dnl_marker_is_rejected():
    with pytest.raises(ImageRejected, match="DNL"):
        inspect(images.jpeg(100, 0), JPEG)


def test_a_jpeg_with_garbage_where_a_marker_should_be_is_rejected():
    data = images.jpeg(app_bytes=16)
    after_app0 = 2 + 2 + 2 + 16  # SOI, APP0 marker, its length field, its payload
    assert data[after_app0] == 0xFF
    broken = data[:after_app0] + b"\x00" + data[after_app0 + 1 :]
    with pytest.raises(ImageRejected, match="expected a marker"):
        inspect(broken, JPEG)


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (images.png_header(0, 5), PNG),
        (images.gif(0, 0), GIF),
        (images.png_header(1 << 30, 1), PNG),
    ],
)
def test_zero_or_absurd_dimensions_are_rejected(data: bytes, media_type: str):
    with pytest.raises(ImageRejected, match="implausible dimensions"):
        inspect(data, media_type)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_truncation_is_a_clean_rejection_or_still_measured(name: str):
    data, media_type, size = SAMPLES[name]
    for end in range(len(data)):
        try:
            info = inspect(data[:end], media_type)
        except ImageRejected:
            continue
        assert (info.width, info.height) == size, end


def test_a_header_cut_short_says_it_is_truncated_so_more_bytes_can_be_read():
    data = images.jpeg(800, 600, app_bytes=60_000)
    with pytest.raises(Truncated):
        inspect(data[:50_000], JPEG)
    assert inspect(data, JPEG).width == 800


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_corrupted_bytes_never_raise_anything_but_a_rejection(name: str):
    data, media_type, _ = SAMPLES[name]
    rng = random.Random(name)
    head = bytearray(data[:200])
    for _ in range(2000):
        mutated = bytearray(head)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        cut = rng.randint(0, len(mutated))
        try:
            info = inspect(bytes(mutated[:cut]), media_type)
        except ImageRejected:
            continue
        assert info.width > 0
        assert info.height > 0


def test_random_bytes_never_raise_anything_but_a_rejection():
    rng = random.Random(7)
    prefixes = [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP"]
    for _ in range(3000):
        prefix = rng.choice(prefixes)
        data = prefix + rng.randbytes(rng.randint(0, 64))
        declared = sniff(data) or PNG
        with contextlib.suppress(ImageRejected):
            inspect(data, declared)
