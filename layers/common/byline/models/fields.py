"""Constrained field types that models of several routes share (no models here).

They live apart from the models so that a route whose body has a ``MediaKey`` or a ``Username``
does not build the identity routes' models at its cold start: pydantic builds a model's
validator when its class is defined.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field, HttpUrl, StringConstraints

LINE_BREAKING = frozenset({"Cc", "Zl", "Zp", "Cs"})
"""Controls (C0, C1, DEL: CR, LF, NEL, VT, FF, tab ...), line and paragraph separators, and
lone surrogates. Format characters (Cf) stay: emoji and many scripts need the zero-width
joiners."""


BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Directional embeddings, overrides and isolates: in a one-line field they only serve to make
it read as something else (a subject or a name shown reversed), and they leak into whatever
follows them on the line. Right-to-left scripts need none of them."""


def _one_line(value: str) -> str:
    """Refuse, rather than normalise, characters that break a line.

    A single-line value ends up in places that cannot hold a line break (a mail Subject, an
    HTTP header, a feed title, a log line); one such title once made every digest it led fail.
    Refusing answers the client with a 422 that names the field, so what is stored is exactly
    what the author sent and sees again (no silent rewrite the author's ETag and idempotent
    retries would disagree with); a value that is legitimately one line never contains them.
    """
    for char in value:
        if unicodedata.category(char) in LINE_BREAKING or char in BIDI_CONTROLS:
            raise ValueError(
                f"must be a single line without control characters (found U+{ord(char):04X})"
            )
    return value


SingleLine = AfterValidator(_one_line)
"""Add to the ``Annotated`` of every single-line string of a request body."""


def _lines(value: str) -> str:
    """:func:`_one_line` for text of several lines: line feeds stay, nothing else that
    controls the terminal or the direction of the text does."""
    for line in value.replace("\r\n", "\n").split("\n"):
        _one_line(line)
    return value


MultiLine = AfterValidator(_lines)
"""Add to the ``Annotated`` of a plain-text field that may hold line breaks (a bio)."""


class Secret:
    """Marks a field whose value is a secret (a password, a token, a confirmation code):
    ``Annotated[str, ..., SECRET]``. Nothing stores it in any form, hashes included;
    byline.http.idempotency leaves such fields out of the request it binds a key to."""

    def __repr__(self) -> str:
        return "SECRET"


SECRET = Secret()

Username = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z0-9_]{3,30}$"),
    Field(description="3 to 30 of a-z, 0-9 and _; case-insensitive (stored lower-case)"),
]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        max_length=254,
        # The local part is an RFC 5322 dot-atom: no quotes, commas, brackets, semicolons or
        # backslashes, which mail headers cannot carry unquoted and SES refuses.
        pattern=(
            r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
            r"@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
        ),
    ),
    SingleLine,
]
Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=30, pattern=r"^[A-Za-z0-9]+$"
    ),
    Field(description="letters and digits only, case-insensitive (stored lower-case)"),
]
DisplayName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), SingleLine
]
Password = Annotated[str, Field(min_length=1, max_length=256), SECRET]

PASSWORD_RULES = (
    "at least 10 characters, with an upper-case letter, a lower-case letter and a digit, and no "  # noqa: S105  # nosec B105
    "space at either end"
)
"""The user pool's PasswordPolicy (template.yaml), in words."""


def _meets_policy(password: str) -> str:
    """The pool's password policy, checked before anything else looks at the sign-up, so that
    the answer cannot depend on whether the address is registered (Cognito is asked only when
    it is not)."""
    if (
        len(password) < 10
        or password != password.strip()
        or not any(c.isupper() for c in password)
        or not any(c.islower() for c in password)
        or not any(c.isdigit() for c in password)
    ):
        raise ValueError(f"the password needs {PASSWORD_RULES}")
    return password


NewPassword = Annotated[Password, AfterValidator(_meets_policy)]
"""A password being chosen: it must meet the pool's policy."""
RoleName = Literal["reader", "author", "editor", "admin"]
MediaKey = Annotated[
    str,
    StringConstraints(pattern=r"^media/[A-Za-z0-9_-]{1,64}/[A-Za-z0-9_.-]{1,128}$", max_length=220),
]


_DNS_NAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
"""A public host name: dotted labels of letters, digits and inner hyphens (IDNs arrive as
punycode), so no IP address, no ``localhost``, no empty label."""


def _https_only(url: HttpUrl) -> HttpUrl:
    """A public https link: no user information (``https://site.example@evil.example/`` reads as
    one site and opens another) and a real host name."""
    if url.scheme != "https":
        raise ValueError("links must use https")
    if url.username or url.password:
        raise ValueError("links must not carry a user name or password (user@host)")
    host = (url.host or "").lower().rstrip(".")
    if not _DNS_NAME.match(host) or host.rsplit(".", 1)[-1].isdigit():
        raise ValueError("links must name a public host (no IP address or localhost)")
    return url


Link = Annotated[HttpUrl, Field(max_length=300), AfterValidator(_https_only)]


def _known_zone(name: str) -> str:
    if name not in _zones():
        raise ValueError("not an IANA time zone name, e.g. Europe/Paris")
    return name


_ZONES: set[str] = set()
_COPIES = ("posix/", "right/")
"""Trees some hosts' zoneinfo holds beside the zones themselves (copies, or leap-second
variants)."""


def _zones() -> set[str]:
    """The zones a subscriber or the site may name: the host's IANA zones of the Area/Location form
    (``Europe/Paris``, ``America/Argentina/Salta``, ``Etc/GMT-2``), and ``UTC``. Not the bare
    names beside them: ``localtime`` (the host's own zone, whatever it is), ``Factory``,
    ``posixrules``, nor the legacy single-word aliases (``EST``, ``CET``, ``GB``, ``Japan``
    ...), whose ``Etc/`` or Area/Location names say the same."""
    if not _ZONES:
        _ZONES.update(
            name for name in available_timezones() if "/" in name and not name.startswith(_COPIES)
        )
        _ZONES.add("UTC")
    return _ZONES


TimeZone = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_known_zone)]


_MEDIA_KEY = re.compile(r"^media/[A-Za-z0-9_-]{1,64}/[A-Za-z0-9_.-]{1,128}$")
_URL_CHARS = re.compile(r"^(?:[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=-]|%[0-9A-Fa-f]{2})+$")
"""What RFC 3986 lets a URL or a path be made of once encoded: no space, no ``"<>\\^`{|}`` (a
backslash is a slash to browsers, so ``/\\evil.com`` would leave the site), ``%`` only before
two hex digits."""
_MAILTO = re.compile(r"^mailto:[^@/?#]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+([?][^#]*)?$", re.I)
_ABSOLUTE = re.compile(r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?([/?#]|$)", re.I)
"""An absolute http(s) URL with a host name and no user information."""


def _image_ref(value: str) -> str:
    """An image is a media key Byline serves (an accepted upload, checked when it is stored) or
    an absolute https URL. Nothing else: ``javascript:``, ``data:``, ``http:`` and relative
    references are refused, so a front-end may put the value in ``src`` as it is."""
    if _MEDIA_KEY.match(value):
        return value
    if (
        not _URL_CHARS.match(value)
        or not value.lower().startswith("https://")
        or not _ABSOLUTE.match(value)
    ):
        raise ValueError("must be a media key (media/...) or an absolute https URL")
    return value


ImageRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(_image_ref),
    Field(description="a media key (media/<owner>/<file>, an accepted upload) or an https URL"),
]


def is_media_key(value: str | None) -> bool:
    """Whether an :data:`ImageRef` names an upload (which must be an accepted one)."""
    return value is not None and _MEDIA_KEY.match(value) is not None


def _nav_url(value: str) -> str:
    """A navigation target as Ghost's themes take it: a site path (``/about/``), a fragment
    (``#/portal/``), or an absolute http(s) or mailto URL. No other scheme."""
    if not _URL_CHARS.match(value):
        raise ValueError("must be a URL or path without spaces or control characters")
    if value.startswith("#") or (value.startswith("/") and not value.startswith("//")):
        return value
    lowered = value.lower()
    if lowered.startswith("mailto:") and _MAILTO.match(value):
        return value
    if _ABSOLUTE.match(value):
        return value
    raise ValueError("must be a path (/...), a fragment (#...), or an http(s) or mailto URL")


NavUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(_nav_url),
]


def _twitter(value: str) -> str:
    handle = value.removeprefix("@")
    if not re.fullmatch(r"[A-Za-z0-9_]{1,15}", handle):
        raise ValueError("must be an X/Twitter handle: @ and 1 to 15 of A-Z, a-z, 0-9 and _")
    return "@" + handle


TwitterHandle = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=16),
    AfterValidator(_twitter),
    Field(description="an X/Twitter handle, stored with its @ (as Ghost stores it)"),
]
FacebookHandle = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9.][A-Za-z0-9./-]*$",
    ),
    Field(description="a Facebook page or profile path after facebook.com/, e.g. ghost"),
]
