"""Constrained field types that models of several routes share (no models here).

They live apart from the models so that a route whose body has a ``MediaKey`` or a ``Username``
does not build the identity routes' models at its cold start: pydantic builds a model's
validator when its class is defined.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

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


def _https_only(url: HttpUrl) -> HttpUrl:
    if url.scheme != "https":
        raise ValueError("links must use https")
    return url


Link = Annotated[HttpUrl, Field(max_length=300), AfterValidator(_https_only)]
