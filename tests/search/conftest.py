"""Search backends under test: the embedded engine always, Meilisearch when MEILISEARCH_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from app.search.model import SearchBackend
from tests.search.demo import contract_documents

BACKENDS = ["embedded", "meilisearch"]


def make_backend(kind: str) -> SearchBackend:
    if kind == "embedded":
        from app.search.embedded import EmbeddedBackend

        return EmbeddedBackend()  # in memory
    url = os.environ.get("MEILISEARCH_URL")
    if not url:
        pytest.skip("MEILISEARCH_URL is not set: no Meilisearch server to test against")
    from app.search.meili import MeiliBackend  # imported here: the adapter is optional

    # A fresh index prefix per backend: runs never see each other's documents.
    return MeiliBackend(url, os.environ.get("MEILISEARCH_KEY"), index_prefix=f"test{uuid.uuid4().hex[:10]}")


def _drop(backend: SearchBackend) -> None:
    if backend.name == "meilisearch":
        backend.replace_all([])


@pytest.fixture(params=BACKENDS)
def new_backend(request: pytest.FixtureRequest) -> Iterator[Callable[[], SearchBackend]]:
    """A factory of empty backends of the parametrised kind (dropped after the test)."""
    made: list[SearchBackend] = []

    def factory() -> SearchBackend:
        made.append(make_backend(request.param))
        return made[-1]

    yield factory
    for backend in made:
        _drop(backend)


@pytest.fixture(scope="module", params=BACKENDS)
def catalogue(request: pytest.FixtureRequest) -> Iterator[SearchBackend]:
    """A backend holding the demo catalogue (and the running shoe); tests only read it."""
    backend = make_backend(request.param)
    backend.replace_all(contract_documents())
    yield backend
    _drop(backend)
