"""Listings read whole follow every page: the SQL endpoint's catalog once stopped at the first 500 domains."""

from __future__ import annotations

from lakemesh.core.pages import Page, every_item


def test_every_item_follows_next_cursors_to_the_last_page() -> None:
    pages = {None: Page[int](items=[1, 2], next_cursor="b"), "b": Page[int](items=[3], next_cursor="c")}
    pages["c"] = Page[int](items=[4, 5])
    seen: list[str | None] = []

    def fetch(cursor: str | None) -> Page[int]:
        seen.append(cursor)
        return pages[cursor]

    assert every_item(fetch) == [1, 2, 3, 4, 5]
    assert seen == [None, "b", "c"]
