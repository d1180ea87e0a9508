"""An index folder is per SCHEMA_VERSION: a changed schema must come with a new version, or the
shop would try to open the old folder with the new fields and every search would fail."""

from __future__ import annotations

import hashlib
import inspect

from app.search.tantivy_index import SCHEMA_VERSION, build_schema

# The schema code each version was released with. Changing build_schema? Bump SCHEMA_VERSION and
# add its digest here (the new folder starts empty; the shop queues a full sync when it starts).
RELEASED = {1: "42c12484aee5bdb8", 2: "42c12484aee5bdb8"}  # 2: synonyms expanded at indexing


def test_the_schema_changes_only_with_a_new_version() -> None:
    digest = hashlib.sha256(inspect.getsource(build_schema).encode()).hexdigest()[:16]
    assert RELEASED.get(SCHEMA_VERSION) == digest, "build_schema changed: bump SCHEMA_VERSION"
