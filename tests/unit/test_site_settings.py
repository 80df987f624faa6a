"""Site settings and the shared field types they are made of: what is accepted, what is
refused, and how values are normalised."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from byline.auth.principal import Principal
from byline.data.site import SiteRecord
from byline.errors import Forbidden
from byline.models.etags import etag_of
from byline.models.fields import ImageRef, Link, NavUrl, TimeZone, TwitterHandle, is_media_key
from byline.models.site import SiteSettingsUpdate
from byline.services.site import SiteService

IMAGE = TypeAdapter(ImageRef)
NAV = TypeAdapter(NavUrl)


@pytest.mark.parametrize(
    "value",
    ["media/ann/cover.png", "https://cdn.example.com/a.png", "https://x.example:8443/i?s=2#f"],
)
def test_images_are_media_keys_or_https_urls(value):
    assert IMAGE.validate_python(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:image/png;base64,AAAA",
        "vbscript:msgbox",
        "http://cdn.example.com/a.png",
        "//cdn.example.com/a.png",
        "/images/a.png",
        "https:///a.png",
        "https://user:pw@cdn.example.com/a.png",
        "https://cdn.example.com/a b.png",
        "https://cdn.example.com/\x00.png",
        'https://good.example/x.png"onerror="alert(1)',
        "https://good.example/<x>.png",
        "https://good.example/a%zz.png",
        "media/../../etc/passwd",
        "",
        "https://e.example/" + "a" * 500,
    ],
)
def test_other_images_are_refused(value):
    with pytest.raises(ValidationError):
        IMAGE.validate_python(value)


def test_only_media_keys_are_checked_as_uploads():
    assert is_media_key("media/ann/cover.png")
    assert not is_media_key("https://cdn.example.com/media/ann/cover.png")
    assert not is_media_key(None)


@pytest.mark.parametrize(
    "value",
    [
        "/",
        "/about/",
        "#/portal/",
        "https://x.example/",
        "http://x.example",
        "mailto:a@b.co",
        "mailto:a@b.co?subject=Hi%20there",
        "/caf%C3%A9/",
    ],
)
def test_navigation_takes_paths_fragments_and_web_or_mail_urls(value):
    assert NAV.validate_python(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "//evil.example",
        "ftp://x.example/",
        "about:blank",
        "a b",
        "/\\evil.example",  # browsers read a backslash as a slash: //evil.example
        "/\\/evil.example/",
        '#"><script>alert(1)</script>',
        'mailto:@"><script>',
        "mailto:nobody",
        "mailto:a@b",
        "/a%zz",
    ],
)
def test_navigation_refuses_other_schemes(value):
    with pytest.raises(ValidationError):
        NAV.validate_python(value)


def test_twitter_handles_are_stored_with_their_at():
    handle = TypeAdapter(TwitterHandle)
    assert handle.validate_python("ghost") == "@ghost"
    assert handle.validate_python("@ghost") == "@ghost"
    for bad in ("@", "@with space", "@" + "a" * 16, "@@ghost"):
        with pytest.raises(ValidationError):
            handle.validate_python(bad)


def test_time_zones_are_the_same_the_subscriptions_take():
    from byline.models.subscriptions import TimeZone as SubscriptionZone

    assert SubscriptionZone is TimeZone
    assert TypeAdapter(TimeZone).validate_python("Etc/UTC") == "Etc/UTC"
    with pytest.raises(ValidationError):
        TypeAdapter(TimeZone).validate_python("localtime")


def test_defaults_fill_every_key_left_out():
    settings = SiteSettingsUpdate()
    assert settings.title == "Byline"
    assert settings.accent_color == "#ff1a75"
    assert settings.lang == "en"
    assert settings.timezone == "Etc/UTC"
    assert [item.model_dump() for item in settings.navigation] == [{"label": "Home", "url": "/"}]


def test_empty_strings_clear_optional_keys_and_colours_are_lower_cased():
    settings = SiteSettingsUpdate(description="  ", logo="", accent_color="#ABCDEF")
    assert settings.description is None
    assert settings.logo is None
    assert settings.accent_color == "#abcdef"


@pytest.mark.parametrize("tag", ["en", "pt-BR", "zh-Hant-TW", "es-419", "de-CH-1901", "sgn-ase"])
def test_language_tags_follow_bcp_47(tag):
    assert SiteSettingsUpdate(lang=tag).lang == tag


@pytest.mark.parametrize("tag", ["e", "english", "en_US", "en-", "-en", "en-US-x"])
def test_other_language_strings_are_refused(tag):
    with pytest.raises(ValidationError):
        SiteSettingsUpdate(lang=tag)


def test_unknown_keys_and_html_injection_keys_are_refused():
    with pytest.raises(ValidationError):
        SiteSettingsUpdate.model_validate({"codeinjection_head": "<script></script>"})


class _FakeSite:
    """The repository in memory: what was saved, and with which checks."""

    def __init__(self, record: SiteRecord) -> None:
        self.record = record
        self.saved: list[tuple[SiteRecord, int, int]] = []

    def get(self, *, consistent: bool = False) -> SiteRecord:
        return self.record

    def save(self, record: SiteRecord, *, based_on: int, checks=()) -> None:
        self.saved.append((record, based_on, len(checks)))
        self.record = record


def _service(record: SiteRecord) -> tuple[SiteService, _FakeSite]:
    fake = _FakeSite(record)
    return SiteService(site=fake, site_url="https://news.example.com"), fake  # type: ignore[arg-type]


ADMIN = Principal(username="ada", sub="ada", groups=("admin",))


def test_a_stored_value_a_newer_rule_refuses_reads_as_its_default_and_the_rest_stays():
    service, _ = _service(SiteRecord({"title": "Kept", "lang": "not a tag", "gone_key": 1}, 3))
    settings = service.read()
    assert settings.title == "Kept"
    assert settings.lang == "en"
    assert settings.url == "https://news.example.com/"


def test_a_replacement_is_based_on_the_version_read_and_checks_only_new_uploads():
    kept = "media/someone/logo.png"
    service, fake = _service(SiteRecord({"logo": kept}, 4))
    before = etag_of(service.read())
    seen: list[str] = []
    update = SiteSettingsUpdate(
        logo=kept, icon="media/ada/icon.png", cover_image="https://c.example/"
    )
    saved = service.replace(ADMIN, update, seen.append)
    assert seen == [before]
    record, based_on, checks = fake.saved[0]
    assert (based_on, record.version, record.updated_by, checks) == (4, 5, "ada", 1)
    assert saved.icon == "media/ada/icon.png"


def test_only_admins_replace_the_settings():
    service, fake = _service(SiteRecord())
    editor = Principal(username="ed", sub="ed", groups=("editor",))
    with pytest.raises(Forbidden):
        service.replace(editor, SiteSettingsUpdate(), lambda _etag: None)
    assert fake.saved == []


LINK = TypeAdapter(Link)


@pytest.mark.parametrize(
    "value",
    ["https://ann.example/", "https://sub.domain.co.uk/path?q=1", "https://xn--caf-dma.example/"],
)
def test_profile_links_are_public_https_urls(value):
    assert str(LINK.validate_python(value)) == value


@pytest.mark.parametrize(
    "value",
    [
        "https://byline.example@evil.example/",  # reads as byline.example, opens evil.example
        "https://user:pass@evil.example/",
        "https://a..example/",
        "https://-a.example/",
        "https://[::1]/",
        "https://localhost/",
        "https://127.0.0.1:8080/",
        "http://ann.example/",
    ],
)
def test_profile_links_refuse_user_information_and_hosts_that_are_not_names(value):
    with pytest.raises(ValidationError):
        LINK.validate_python(value)
