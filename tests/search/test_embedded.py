"""The embedded backend's own behaviour: an index on disk, shared by processes, failing clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.search import embedded
from app.search.embedded import EmbeddedBackend
from app.search.model import SearchQuery, SearchUnavailable
from tests.search.test_contract import tiny


def test_the_index_on_disk_outlives_the_backend(tmp_path: Path) -> None:
    EmbeddedBackend(tmp_path).replace_all([tiny(1, "Porcelain Teapot")])
    reopened = EmbeddedBackend(tmp_path)
    assert [h.product_id for h in reopened.search(SearchQuery("teapot", "en")).hits] == [1]
    assert "tantivy index" in reopened.status().detail


def test_another_backend_on_the_same_folder_sees_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedded, "RELOAD_SECONDS", 0.0)  # as another worker would, a second later
    writer, reader = EmbeddedBackend(tmp_path), EmbeddedBackend(tmp_path)
    assert reader.search(SearchQuery("", "en")).total == 0
    writer.upsert([tiny(1, "Porcelain Teapot")])
    reader.upsert([tiny(2, "Linen Apron")])  # the writer's lock was released after its commit
    assert reader.search(SearchQuery("", "en")).total == 2
    assert writer.search(SearchQuery("apron", "en")).total == 1


def test_an_unusable_folder_is_search_unavailable(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(SearchUnavailable):
        EmbeddedBackend(blocked)


def test_an_unknown_locale_searches_as_the_default_one() -> None:
    backend = EmbeddedBackend()
    backend.replace_all([tiny(1, "Porcelain Teapot")])
    assert [h.locale for h in backend.search(SearchQuery("teapot", "xx")).hits] == ["en"]


def test_out_of_range_paging_is_clamped() -> None:
    backend = EmbeddedBackend()
    backend.replace_all([tiny(i, f"Teapot {i}") for i in range(1, 6)])
    assert len(backend.search(SearchQuery("teapot", "en", per_page=10_000)).hits) == 5
    assert backend.search(SearchQuery("teapot", "en", page=-3)).total == 5
    assert backend.search(SearchQuery("teapot", "en", page=10**9)).hits == ()
