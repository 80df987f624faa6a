import pytest

from byline.auth.policy import Action, authorize, can
from byline.auth.principal import Principal
from byline.errors import Forbidden, Unauthorized


def person(name, *groups):
    return Principal(username=name, sub=f"sub-{name}", groups=groups)


READER, AUTHOR, EDITOR, ADMIN = (
    person("rita", "reader"),
    person("arthur", "author"),
    person("edna", "editor"),
    person("ada", "admin"),
)


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [(None, False), (READER, False), (AUTHOR, True), (EDITOR, True), (ADMIN, True)],
)
def test_only_authors_and_up_write_articles(principal, allowed):
    assert can(principal, Action.create_article) is allowed


def test_an_author_edits_only_their_own_articles():
    assert can(AUTHOR, Action.edit_article, owner="arthur")
    assert can(AUTHOR, Action.edit_article, owner="ARTHUR")
    assert not can(AUTHOR, Action.edit_article, owner="someone")
    assert not can(AUTHOR, Action.delete_article, owner="someone")
    assert not can(AUTHOR, Action.read_draft, owner="someone")


def test_editors_and_admins_edit_anyones_articles_and_moderate():
    for principal in (EDITOR, ADMIN):
        assert can(principal, Action.edit_article, owner="someone")
        assert can(principal, Action.publish_article, owner="someone")
        assert can(principal, Action.moderate_comments, owner="someone")


def test_a_reader_writes_only_comments_likes_follows_and_own_profile():
    allowed = {
        Action.read_own_profile,
        Action.edit_own_profile,
        Action.delete_own_account,
        Action.comment,
        Action.like,
        Action.follow,
        Action.manage_subscription,
        Action.delete_comment,
    }
    for action in Action:
        assert can(READER, action) is (action in allowed), action


def test_a_reader_deletes_only_their_own_comments():
    assert can(READER, Action.delete_comment, owner="rita")
    assert not can(READER, Action.delete_comment, owner="other")


def test_self_publishing_can_be_switched_off_for_authors_but_not_editors():
    assert not can(AUTHOR, Action.publish_article, owner="arthur", authors_may_publish=False)
    assert can(EDITOR, Action.publish_article, owner="x", authors_may_publish=False)


def test_only_admins_manage_roles_and_settings():
    for principal in (READER, AUTHOR, EDITOR):
        assert not can(principal, Action.set_user_role)
        assert not can(principal, Action.edit_site_settings)
    assert can(ADMIN, Action.set_user_role)


def test_only_admins_manage_content_api_keys():
    for principal in (READER, AUTHOR, EDITOR):
        assert not can(principal, Action.manage_content_keys)
    assert can(ADMIN, Action.manage_content_keys)


def test_authorize_says_401_for_anonymous_and_403_for_too_little_role():
    with pytest.raises(Unauthorized):
        authorize(None, Action.like)
    with pytest.raises(Forbidden):
        authorize(READER, Action.create_article)
    assert authorize(AUTHOR, Action.create_article) is AUTHOR
