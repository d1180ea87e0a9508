"""Routes outside the locale prefix: `/` negotiation, health, robots.txt, static files, media."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from app.core.settings import PROJECT_ROOT, Settings
from app.i18n.locales import negotiate_locale
from app.web import urls
from app.web.state import LOCALE_COOKIE, ShopState


@get("/", name="root", include_in_schema=False)
async def root(request: Request[Any, Any, Any], shop: NamedDependency[ShopState]) -> Redirect:
    """Send the shopper to their language: cookie, then Accept-Language, then the default."""
    locale = negotiate_locale(
        request.cookies.get(LOCALE_COOKIE),
        request.headers.get("accept-language"),
        shop.settings.default_locale,
    )
    return Redirect(urls.home_url(locale), status_code=302, headers={"Vary": "Accept-Language, Cookie"})


@get("/health", name="health", include_in_schema=False)
async def health() -> dict[str, str]:
    """Liveness only: no database, so it is also the benchmark's ceiling."""
    return {"status": "ok"}


@get("/robots.txt", name="robots", media_type="text/plain", include_in_schema=False)
async def robots() -> str:
    return (
        "User-agent: *\nDisallow: /api/\nDisallow: /*/cart\nDisallow: /*/checkout\nDisallow: /*/orders/SF-\n"
        "Disallow: /*/account/verify/\nDisallow: /*/account/reset/\n"
    )


def static_routers(settings: Settings) -> list[Any]:
    return [
        create_static_files_router(
            path="/static",
            directories=[PROJECT_ROOT / "static"],
            name="static",
            include_in_schema=False,
            cache_control=None,
        ),
        create_static_files_router(
            path="/media", directories=[settings.media_dir], name="media", include_in_schema=False
        ),
    ]


ROUTES = [root, health, robots]
