"""An address the API accepts is one a mail header can carry and the mailer can build: the
review signed up with addresses whose every digest then failed to build."""

from email.headerregistry import Address

import pytest
from pydantic import ValidationError

from byline.models.identity import SignupRequest

BASE = {"username": "someone", "password": "Correct-horse-42", "display_name": "S"}
UNMAILABLE = [
    "a,b@example.com",
    "x<y>@example.com",
    'q"uote@example.com',
    "p(c)@example.com",
    "semi;colon@example.com",
    "back\\slash@example.com",
    "sp ace@example.com",
    "a..b@example.com",
    ".lead@example.com",
    "brack[et]@example.com",
]


@pytest.mark.parametrize("address", UNMAILABLE)
def test_an_address_a_mail_header_cannot_carry_is_refused(address):
    with pytest.raises(ValidationError) as refused:
        SignupRequest.model_validate({**BASE, "email": address})
    assert [e["loc"][0] for e in refused.value.errors()] == ["email"]


@pytest.mark.parametrize(
    "address", ["ada@example.com", "ada.lovelace+digest@mail.example.co.uk", "o'neil@example.ie"]
)
def test_an_accepted_address_makes_a_header(address):
    accepted = SignupRequest.model_validate({**BASE, "email": address}).email
    assert Address(addr_spec=accepted).addr_spec == accepted
