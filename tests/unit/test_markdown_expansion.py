"""How far reference links can expand a body, bounded before rendering."""

from __future__ import annotations

from byline.content.markdown import expansion_bound, render


def test_a_body_without_definitions_cannot_expand():
    assert expansion_bound("[not a reference] and [another]") == 0


def test_the_bound_covers_what_the_uses_render_to():
    body = "[a]: https://a.example/" + "x" * 100 + "\n\n[a] [a] [a]"
    assert expansion_bound(body) >= len(render(body).html) - len("<p></p>")


def test_a_short_bomb_has_a_large_bound():
    bomb = f"[x]: <https://x.example/{'a' * 2000}>\n\n" + "[x] " * 1000
    assert len(bomb) < 7_000
    assert expansion_bound(bomb) > 2_000_000


def test_inline_links_and_other_labels_do_not_count():
    body = "[a]: https://a.example/" + "x" * 200 + "\n\n" + "[text](https://b.example/) " * 2000
    assert expansion_bound(body) == 0
    assert (
        expansion_bound(body + "[A]") == 2 * (2 * len("https://a.example/" + "x" * 200) + 64) // 2
    )
