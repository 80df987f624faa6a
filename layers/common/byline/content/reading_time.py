"""Reading time as Medium counts it: 238 words a minute, plus time for each image."""

from __future__ import annotations

import math
import re

WORDS_PER_MINUTE = 238
_WORD = re.compile(r"[\w'\u2019-]+", re.UNICODE)


def image_seconds(images: int) -> int:
    """12 s for the first image, 11 for the second, ... down to 3 s for the tenth and later."""
    return sum(max(12 - i, 3) for i in range(images))


def reading_minutes(text: str, images: int = 0) -> int:
    """Whole minutes, rounded up, at least one."""
    words = len(_WORD.findall(text))
    seconds = words / WORDS_PER_MINUTE * 60 + image_seconds(images)
    return max(1, math.ceil(seconds / 60))
