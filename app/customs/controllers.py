"""The published JSON Schema of the customs export: public and cacheable (partners validate with it)."""

from __future__ import annotations

from functools import lru_cache

from litestar import Response, Router, get

from app.core.settings import PROJECT_ROOT

SCHEMA_FILE = PROJECT_ROOT / "data" / "customs" / "shipment.schema.json"


@lru_cache(maxsize=1)
def schema_text() -> str:
    return SCHEMA_FILE.read_text("utf-8")


@get("/customs/schema.json", name="customs-schema", include_in_schema=False)
async def customs_schema() -> Response[str]:
    return Response(
        schema_text(),
        media_type="application/schema+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


router = Router(path="/api/v1", route_handlers=[customs_schema], tags=["customs"])
