"""Account notices: short mails to an address's owner about their account (no subscription, so
no unsubscribe link), sent through the same SES mailer as the digests."""

from __future__ import annotations

import uuid

from byline.data import mailer
from byline.settings import get_settings

SIGN_UP_ATTEMPT_SUBJECT = "Someone tried to sign up with your email address"


def sign_up_attempt_notice(email: str, sender: str, site_url: str) -> mailer.Email:
    """What the owner of a registered address gets instead of a sign-up answer that would
    tell a stranger the address is registered."""
    text = (
        "Someone just tried to create a Byline account with this email address, which already "
        "belongs to your account. Nothing was changed and no new account was created.\n\n"
        "If it was you, log in instead; you can use this address as your login. If it was not, "
        "you need not do anything.\n\n"
        f"{site_url}\n"
    )
    html = (
        "<p>Someone just tried to create a Byline account with this email address, which "
        "already belongs to your account. Nothing was changed and no new account was "
        "created.</p><p>If it was you, log in instead; you can use this address as your login. "
        "If it was not, you need not do anything.</p>"
    )
    return mailer.Email(
        sender=sender,
        recipient=email,
        subject=SIGN_UP_ATTEMPT_SUBJECT,
        text=text,
        html=html,
        unsubscribe_url=None,
        reference=f"notice-{uuid.uuid4().hex}",
        tags={mailer.KIND_TAG: "notice"},
    )


def tell_owner_of_sign_up_attempt(email: str) -> None:
    settings = get_settings()
    mailer.send(sign_up_attempt_notice(email, settings.digest_sender, settings.site_url))
