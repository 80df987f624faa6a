"""The 303 that ends a preferences post (Post/Redirect/Get) is a redirect as servers send one: a
Location, and a short HTML page linking there, typed as such, never an empty body that API
Gateway would label application/json."""

import re

from byline.http.pages import see_other
from byline.http.responses import PAGE_POLICY

LOCATION = "preferences?token=cmVhZGVy.SIG&done=schedule"


def test_the_303_names_the_page_and_says_it_in_html():
    response = see_other(LOCATION)
    assert response.status_code == 303
    assert response.headers["Location"] == LOCATION
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == PAGE_POLICY
    assert response.content_type == "text/html; charset=utf-8"
    body = str(response.body)
    assert body.startswith("<!doctype html>")
    links = re.findall(r'<a href="([^"]*)">', body)
    assert links == ["preferences?token=cmVhZGVy.SIG&amp;done=schedule"]  # escaped in HTML


def test_the_link_in_the_body_cannot_break_out_of_its_attribute():
    body = str(see_other('p?x="><script>alert(1)</script>').body)
    assert "<script>" not in body
    assert 'href="p?x=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in body
