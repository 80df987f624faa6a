"""The one authorization policy: may this principal do this action on this resource?

Ghost's rules are the reference. Roles are cumulative (reader < author < editor < admin). An
author may change only what they own; an editor may change anyone's articles and moderate
comments; an admin also manages roles and site settings. Handlers call :func:`authorize`;
nothing else decides.
"""

from __future__ import annotations

from enum import StrEnum

from byline.auth.principal import Principal, Role
from byline.errors import Forbidden, Unauthorized


class Action(StrEnum):
    read_own_profile = "profile:read-own"
    edit_own_profile = "profile:edit-own"
    delete_own_account = "account:delete-own"
    comment = "comment:create"
    like = "like:write"
    follow = "follow:write"
    manage_subscription = "subscription:write"
    create_article = "article:create"
    edit_article = "article:edit"
    delete_article = "article:delete"
    publish_article = "article:publish"
    read_draft = "article:read-draft"
    upload_media = "media:upload"
    delete_comment = "comment:delete"
    moderate_comments = "comment:moderate"
    set_user_role = "user:set-role"
    edit_site_settings = "site:settings"
    manage_content_keys = "content-keys:manage"
    manage_pages = "page:manage"
    feature_article = "article:feature"


# The least role that may perform the action on a resource it does NOT own.
_ANYONES: dict[Action, Role] = {
    Action.edit_article: Role.editor,
    Action.delete_article: Role.editor,
    Action.publish_article: Role.editor,
    Action.read_draft: Role.editor,
    Action.delete_comment: Role.editor,
    Action.moderate_comments: Role.editor,
    Action.set_user_role: Role.admin,
    Action.edit_site_settings: Role.admin,
    Action.manage_content_keys: Role.admin,
    # Pages (about, contact) are the site's, not an author's: only editors create, edit,
    # publish or delete one, whoever created it. Featuring an article is an editorial choice
    # too (setting ``featured`` or changing it; sending the current value is no change).
    Action.manage_pages: Role.editor,
    Action.feature_article: Role.editor,
}

# The least role that may perform the action on its own resource (or with no resource).
_OWN: dict[Action, Role] = {
    Action.read_own_profile: Role.reader,
    Action.edit_own_profile: Role.reader,
    Action.delete_own_account: Role.reader,
    Action.comment: Role.reader,
    Action.like: Role.reader,
    Action.follow: Role.reader,
    Action.manage_subscription: Role.reader,
    Action.delete_comment: Role.reader,
    Action.create_article: Role.author,
    Action.edit_article: Role.author,
    Action.delete_article: Role.author,
    Action.read_draft: Role.author,
    Action.upload_media: Role.author,
    Action.publish_article: Role.author,
}


def can(
    principal: Principal | None,
    action: Action,
    *,
    owner: str | None = None,
    authors_may_publish: bool = True,
) -> bool:
    """Whether ``principal`` may do ``action`` on a resource owned by ``owner`` (None: no owner)."""
    if principal is None:
        return False
    role = principal.role
    anyones = _ANYONES.get(action)
    if anyones is not None and role >= anyones:
        return True
    owns = owner is None or owner.lower() == principal.username.lower()
    if not owns:
        return False
    if action is Action.publish_article and not authors_may_publish:
        return False
    least = _OWN.get(action)
    return least is not None and role >= least


def authorize(
    principal: Principal | None,
    action: Action,
    *,
    owner: str | None = None,
    authors_may_publish: bool = True,
) -> Principal:
    """Return the principal if allowed; raise 401 for anonymous callers and 403 otherwise."""
    if principal is None:
        raise Unauthorized("A valid bearer token is required.")
    if not can(principal, action, owner=owner, authors_may_publish=authors_may_publish):
        raise Forbidden("Your role does not allow this.")
    return principal
