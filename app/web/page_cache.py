"""Rendered catalogue pages per process, least recently used dropped first."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RenderedPage:
    body: str
    headers: dict[str, str]


class PageCache:
    """Keys carry the catalogue revision, the stock snapshot version and the rate table version, so
    a change to any makes new keys and old pages age out: pages are never staler than those caches.
    """

    def __init__(self, max_pages: int = 4096) -> None:
        self.max_pages = max_pages
        self._pages: OrderedDict[tuple[Any, ...], RenderedPage] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> RenderedPage | None:
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    def put(self, key: tuple[Any, ...], page: RenderedPage) -> None:
        if self.max_pages <= 0:
            return
        self._pages[key] = page
        if len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)

    def clear(self) -> None:
        self._pages.clear()
