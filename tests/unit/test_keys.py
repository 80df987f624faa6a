import pytest

from byline.data import keys


def test_case_insensitive_identifiers_share_one_key():
    assert keys.user_profile("Alice") == keys.user_profile("alice")
    assert keys.email_claim("A@Example.com") == keys.email_claim("a@example.com")
    assert keys.tag_counter("Python") == keys.tag_counter("python")


def test_series_parts_sort_in_part_order():
    sks = [keys.series_part("s1", n, "a")["SK"] for n in (10, 2, 1)]
    assert sorted(sks) == [keys.series_part("s1", n, "a")["SK"] for n in (1, 2, 10)]


def test_everything_a_user_owns_lives_in_the_user_partition():
    username = "Bob"
    partition = keys.user_partition(username)
    owned = [
        keys.user_profile(username),
        keys.subscription(username),
        keys.follow(username, "tag", "python"),
        keys.digest(username, "2026-11-25"),
        keys.sent_article(username, "a1"),
    ]
    assert {key["PK"] for key in owned} == {partition}
    assert len({key["SK"] for key in owned}) == len(owned)


def test_comments_and_likes_live_in_the_article_partition():
    assert keys.comment("a1", "2026#c1")["PK"] == keys.article("a1")["PK"]
    assert keys.like("a1", "Ann")["PK"] == keys.article("a1")["PK"]
    assert keys.like("a1", "Ann")["SK"] == "LIKE#ann"


def test_user_partition_sort_keys_parse_back_to_what_they_name():
    assert keys.username_of(keys.user_partition("Bob")) == "bob"
    assert keys.digest_period(keys.digest("bob", "2026-W48")["SK"]) == "2026-W48"
    assert keys.digest_period("SENT#a1") is None
    assert keys.sent_article_id(keys.sent_article("bob", "a1")["SK"]) == "a1"
    assert keys.sent_article_id("DIGEST#2026-11-25") is None
    assert keys.follow_of(keys.follow("bob", "tag", "Python")["SK"]) == ("tag", "python")
    assert keys.follow_of(keys.follow("bob", "author", "ann")["SK"]) == ("author", "ann")
    assert keys.follow_of("PROFILE") is None
    assert keys.bucket_of(keys.digest_bucket("weekly", "D2H07M30")) == "D2H07M30"
    assert keys.bucket_of("") is None
    with pytest.raises(ValueError, match="not a user partition"):
        keys.username_of("ARTICLE#a1")


def test_parsing_a_key_gives_back_what_formatted_it():
    assert keys.parse_article_partition(keys.like("a1", "ann")["PK"]) == "a1"
    assert keys.parse_slug_claim(keys.slug_claim("hello-world")["PK"]) == "hello-world"
    sort = keys.sitemap_entry("2026-11-25T09:30:00.000Z", "01ja")["SK"]
    assert keys.parse_timeline_sort(sort) == ("2026-11-25T09:30:00.000Z", "01ja")


def test_an_authors_articles_sort_by_status_then_time():
    sort = keys.author_article_sort("published", "2026-11-25T09:30:00.000Z", "a1")
    assert sort.startswith(keys.author_status_prefix("published"))
    assert sort == "PUBLISHED#2026-11-25T09:30:00.000Z#a1"
    assert keys.commenter("ann") != keys.liker("ann")


def test_the_key_count_never_shows_in_the_listing_of_content_keys():
    entry = keys.content_key_entry("01jdq0z9k2m4n6p8r0s2t4")
    counter = keys.content_key_counter()
    assert entry["PK"] == counter["PK"] == keys.content_keys_partition()
    assert entry["SK"].startswith(keys.content_key_entry_prefix())
    assert not counter["SK"].startswith(keys.content_key_entry_prefix())
    assert keys.content_key("0" * 26)["PK"] != keys.content_keys_partition()
