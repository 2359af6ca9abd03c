"""Pages as the platforms cut them: GitHub's ``page``/``per_page`` with ``Link`` headers, the
Hub's ``p`` pages and listing cursors, and the pagination faults that bend them.

A collector must follow ``rel="next"`` until it is gone and survive a next link that loops
or a page that repeats; these are the pages it follows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from crossforge.emulator.answer import Answer
from crossforge.emulator.faults import Fault

HUB_PAGE = 50
HUB_LISTING_PAGE = 1_000
HUB_LISTINGS = ("/api/models", "/api/datasets", "/api/spaces")


def page_of(query: dict[str, Any]) -> tuple[int, int]:
    """GitHub's page number (from 1) and page size (30 unless asked, 100 at most)."""
    return max(int(query.get("page", 1)), 1), min(max(int(query.get("per_page", 30)), 1), 100)


def paged(path: str, query: dict[str, Any], items: list[Any], base: str, *,
          page_key: str = "page", convert: Callable[[Any], Any] | None = None) -> Answer:
    """One page of ``items``; ``convert`` renders only that page's (a repository of
    100,000 commits costs a page's rendering per request, not the whole history's)."""
    if page_key == "p":
        page, size = int(query.get("p", 0)) + 1, HUB_PAGE
    else:
        page, size = page_of(query)
    chunk = items[(page - 1) * size: page * size]
    if convert is not None:
        chunk = [convert(item) for item in chunk]
    return 200, page_links(path, query, page, size, len(items), page_key, base), chunk


def page_links(path: str, query: dict[str, Any], page: int, size: int, total: int,
               page_key: str = "page", base: str = "") -> dict[str, str]:
    """The ``Link`` header of page ``page`` (from 1) of ``total`` items; the Hub's ``p``
    counts from 0 and has no ``prev`` or ``first``."""
    last = max(1, -(-total // size))
    links = {}
    offset = 1 if page_key == "p" else 0

    def url(number: int) -> str:
        return f"{path}?{urlencode({**query, page_key: number - offset}, doseq=True)}"

    if page > 1 and page_key == "page":
        links["prev"] = url(page - 1)
    if page < last:
        links["next"] = url(page + 1)
        links["last"] = url(last)
    if page > 1 and page_key == "page":
        links["first"] = url(1)
    return link_header(links, base)


def link_header(links: dict[str, str], base: str = "") -> dict[str, str]:
    """``{"Link": '<base/path?...>; rel="next", ...'}``, or nothing without links."""
    if not links:
        return {}
    return {"Link": ", ".join(f'<{base}{url}>; rel="{rel}"' for rel, url in links.items())}


def bend_pagination(fault: Fault, path: str, query: dict[str, Any], headers: dict[str, str],
                    payload: Any, base: str, page: Callable[[dict[str, Any]], Any]
                    ) -> tuple[dict[str, str], Any]:
    """``loop``: next points to the first page; ``repeat``: the previous page's items.

    ``page`` answers the same request for another query (another page). A Hub discussion
    listing has no ``Link``: ``loop`` answers its first page again, ``repeat`` the previous
    one (the listing then lists discussions twice). An answer that is not paged is let be.
    """
    if _discussion_listing(path):
        number = int(query.get("p", 0))
        if number > 0 and fault.kind in ("loop", "repeat"):
            return headers, page({**query, "p": "0" if fault.kind == "loop"
                                  else str(number - 1)})
        return headers, payload
    if "Link" not in headers:
        return headers, payload
    key = "cursor" if "cursor" in query or path in HUB_LISTINGS else (
        "p" if path.startswith("/api/") else "page")
    if fault.kind == "loop":
        first = {k: v for k, v in query.items() if k not in (key, "since")}
        url = f"{base}{path}?{urlencode(first, doseq=True)}".rstrip("?")
        links = [part for part in headers["Link"].split(", ") if 'rel="next"' not in part]
        return {**headers, "Link": ", ".join([f'<{url}>; rel="next"', *links])}, payload
    if fault.kind == "repeat" and isinstance(payload, list):
        number = int(query.get(key, 1 if key == "page" else 0))
        if number > (1 if key == "page" else 0) and key != "cursor":
            return headers, page({**query, key: str(number - 1)})
    return headers, payload


def _discussion_listing(path: str) -> bool:
    """``/api/{models,datasets,spaces}/OWNER/NAME/discussions``: paged by ``p`` in the body."""
    parts = path.strip("/").split("/")
    return len(parts) == 5 and parts[0] == "api" and parts[4] == "discussions" \
        and parts[1] in ("models", "datasets", "spaces")
