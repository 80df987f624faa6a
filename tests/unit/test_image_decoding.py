"""The validator decodes the whole image within a pixel limit and refuses bytes after its end:
a file that only starts like an image, or is also a script, or claims more pixels than it may,
is rejected; real small files of every accepted type pass."""

from __future__ import annotations

import pytest

from byline.content.images import GIF, IMAGE_TYPES, JPEG, MAX_PIXELS, PNG, WEBP, ImageRejected
from byline.content.images import verify as verify_image
from tests.support import images


@pytest.mark.parametrize("media_type", IMAGE_TYPES)
def test_a_real_small_image_of_each_accepted_type_passes(media_type):
    info = verify_image(images.encoded(media_type, 8, 6), media_type)
    assert (info.media_type, info.width, info.height) == (media_type, 8, 6)


@pytest.mark.parametrize("media_type", [GIF, WEBP])
def test_an_animated_image_passes_with_every_frame_decoded(media_type):
    info = verify_image(images.encoded(media_type, 8, 6, frames=3), media_type)
    assert (info.width, info.height) == (8, 6)


def test_a_png_header_followed_by_html_is_rejected():
    with pytest.raises(ImageRejected):
        verify_image(images.png_with_html(), PNG)


@pytest.mark.parametrize("media_type", IMAGE_TYPES)
def test_bytes_after_the_end_of_the_image_are_rejected(media_type):
    data = images.encoded(media_type) + b"<script>alert(1)</script>"
    with pytest.raises(ImageRejected, match="after the end of the image"):
        verify_image(data, media_type)


def test_a_png_with_a_page_after_its_iend_chunk_is_rejected():
    with pytest.raises(ImageRejected, match="after the end of the image"):
        verify_image(images.png_with_trailing_html(), PNG)


def test_a_gif_javascript_polyglot_is_rejected():
    with pytest.raises(ImageRejected):
        verify_image(images.gif_javascript_polyglot(), GIF)


def test_a_header_claiming_2_to_the_24_pixels_a_side_is_rejected_before_decoding():
    with pytest.raises(ImageRejected, match="pixels"):
        verify_image(images.png_claiming(1 << 24, 1 << 24), PNG)


def test_an_image_just_over_the_pixel_limit_is_rejected():
    side = int(MAX_PIXELS**0.5) + 1
    with pytest.raises(ImageRejected, match="pixels"):
        verify_image(images.png_claiming(side, side), PNG)


def test_a_png_whose_pixel_data_is_short_of_its_header_is_rejected():
    with pytest.raises(ImageRejected):
        verify_image(images.png_claiming(64, 64), PNG)


def test_a_png_with_a_corrupted_chunk_checksum_is_rejected():
    data = bytearray(images.encoded(PNG))
    data[-20] ^= 0xFF  # inside the IDAT chunk
    with pytest.raises(ImageRejected):
        verify_image(bytes(data), PNG)


@pytest.mark.parametrize("media_type", IMAGE_TYPES)
def test_a_truncated_image_is_rejected(media_type):
    data = images.encoded(media_type, 32, 32)
    with pytest.raises(ImageRejected):
        verify_image(data[: len(data) - 12], media_type)


def test_a_webp_with_a_valid_header_and_no_image_data_is_rejected():
    with pytest.raises(ImageRejected, match="does not decode"):
        verify_image(images.webp_lossy(), WEBP)


def test_a_jpeg_whose_scan_runs_past_the_end_of_the_file_is_rejected():
    data = images.encoded(JPEG, 16, 16)
    with pytest.raises(ImageRejected):
        verify_image(data[: len(data) - 2], JPEG)  # EOI cut off


def test_a_gif_javascript_polyglot_without_trailing_bytes_is_rejected():
    """The script hides in a comment block of an otherwise valid GIF (found by the review)."""
    with pytest.raises(ImageRejected, match="comment"):
        verify_image(images.gif_comment_polyglot(), GIF)
