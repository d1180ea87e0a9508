"""Security headers on every response, and the CSRF middleware that sets its cookie cheaply."""

from __future__ import annotations

import re
from typing import cast

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, HTTPResponseStartEvent, HTTPSendMessage, Message, Scope

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


# Encoded once: this runs on every response, and header objects cost more than the page itself
# when the page comes from the cache.
ENCODED_HEADERS = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items()]


HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
NO_STORE = (b"cache-control", b"no-store")
# Pages with a shopper's own data (cart, checkout, orders) are never stored by a browser or proxy.
PRIVATE_PATHS = re.compile(
    r"^/(?:[a-z]{2}(?:-[a-z]+)?/)?(?:cart|checkout|orders|account)\b|^/api/v1/(?:carts|orders)/"
)


def response_headers(scope: Scope, present: set[bytes]) -> list[tuple[bytes, bytes]]:
    """The headers to add: the fixed set; HSTS over HTTPS (the scheme a trusted proxy reported via
    X-Forwarded-Proto; `storefront serve` trusts the loopback proxy); `no-store` on private pages
    and on every answer to a form or API write, which may echo what the shopper typed."""
    extra = [header for header in ENCODED_HEADERS if header[0] not in present]
    if scope.get("scheme") == "https" and HSTS[0] not in present:
        extra.append(HSTS)
    if NO_STORE[0] not in present and (
        scope.get("method") not in ("GET", "HEAD") or PRIVATE_PATHS.match(scope.get("path", ""))
    ):
        extra.append(NO_STORE)
    return extra


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A before_send hook, so error responses from the router get the headers too.

    Headers a handler set itself (e.g. a stricter Referrer-Policy) are kept.
    """
    if message["type"] == "http.response.start":
        raw = list(message.get("headers") or [])
        present = {bytes(name).lower() for name, _ in raw}
        raw.extend(response_headers(scope, present))
        message["headers"] = raw


class FastCookieCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF middleware, with its cookie header built once from a template.

    Litestar builds the header through `dataclasses.asdict` on every response to a visitor without
    the cookie: a tenth of the time of a cached page. Checks and tokens are Litestar's own.
    """

    _PLACEHOLDER = "sfcsrftokenplaceholder"

    def __init__(self, app: ASGIApp, config: CSRFConfig) -> None:
        super().__init__(app, config)
        template = Cookie(
            key=config.cookie_name,
            value=self._PLACEHOLDER,
            path=config.cookie_path,
            secure=config.cookie_secure,
            httponly=config.cookie_httponly,
            samesite=config.cookie_samesite,
            domain=config.cookie_domain,
        ).to_header(header="")
        self._before, _, self._after = template.partition(self._PLACEHOLDER)

    def _set_cookie_if_needed(self, message: HTTPSendMessage, token: str) -> None:
        header = f"{self._before}{token}{self._after}".encode("latin-1")
        start = cast("HTTPResponseStartEvent", message)  # only ever called for the start message
        start["headers"] = [*start.get("headers", []), (b"set-cookie", header)]
