"""Errors as localised HTML pages for shoppers and RFC 9457 problem JSON for API clients."""

from __future__ import annotations

import logging
import re
import sqlite3
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from app.api.common import ApiProblem, invalid_request
from app.i18n.locales import get_locale, negotiate_locale
from app.i18n.markers import N_
from app.i18n.translations import get_translations
from app.web.limits import TOO_MANY_ATTEMPTS
from app.web.pages import PageMeta, build_page
from app.web.state import LOCALE_COOKIE, request_shop

log = logging.getLogger("storefront.errors")

TITLES = {
    400: N_("This request could not be understood"),
    403: N_("This form has expired"),
    404: N_("Page not found"),
    405: N_("This action is not possible here"),
    409: N_("This could not be done"),
    413: N_("What you sent is too large"),
    422: N_("Some details need your attention"),
    429: N_("Too many requests"),
    500: N_("Something went wrong on our side"),
    503: N_("The shop is busy"),
}
# Problem JSON answers APIs, not forms: its 401 and 403 say so (the pages' 403 is a CSRF refusal).
PROBLEM_TITLES = {**TITLES, 401: N_("Authentication required"), 403: N_("Not allowed")}
EXPLANATIONS = {
    403: N_("For your security, forms expire. Go back, reload the page and try again."),
    404: N_("We could not find this page. It may have moved, or the address may be mistyped."),
    429: TOO_MANY_ATTEMPTS,
    500: N_("We have been told about it. Please try again in a moment."),
    503: N_("Please try again in a moment."),
}


def is_busy(exc: BaseException) -> bool:
    """A database that is momentarily overloaded or locked: worth a retry, not a 500.

    Only errors that say "not now": the transaction was rolled back (or, for a lost connection, a
    retry with the same Idempotency-Key finds the order). A constraint violation or a bad query
    stays a 500: that is a bug, and retrying will not help.
    """
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return True
    name = type(exc).__name__
    return name in {
        "TooManyConnectionsError",  # max_connections reached while a pool grows
        "CannotConnectNowError",  # the server is starting up or shutting down
        "DeadlockDetectedError",
        "SerializationError",
        "LockNotAvailableError",  # lock_timeout: a row lock queue longer than the server allows
        # A statement cancelled by statement_timeout or a cancel request (asyncpg sends one for a
        # query it abandons; seen once in 1,400 checkouts under lock contention): rolled back whole.
        "QueryCanceledError",
        "ConnectionDoesNotExistError",
    }


def request_locale(request: Request[Any, Any, Any]) -> str:
    """The locale of the URL prefix, else the shopper's negotiated one."""
    first = request.url.path.strip("/").split("/", 1)[0]
    if get_locale(first):
        return first
    return negotiate_locale(request.cookies.get(LOCALE_COOKIE), request.headers.get("accept-language"))


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    code: str = "",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
) -> Response[dict[str, Any]]:
    locale = negotiate_locale(None, request.headers.get("accept-language"))
    translate = get_translations(locale).gettext
    body: dict[str, Any] = {
        "type": f"about:blank#{code}" if code else "about:blank",
        "title": translate(PROBLEM_TITLES.get(status, TITLES[400] if status < 500 else TITLES[500])),
        "status": status,
        "detail": (translate(detail) % params if params else translate(detail)) if detail else "",
    }
    if code:
        body["code"] = code
    if errors:
        body["errors"] = errors
    return Response(body, status_code=status, media_type="application/problem+json", headers=headers or {})


def error_page(
    request: Request[Any, Any, Any], status: int, headers: dict[str, str] | None = None
) -> Response[Any]:
    code = request_locale(request)
    shop_locale = get_locale(code)
    assert shop_locale is not None
    translate = get_translations(code).gettext
    title = translate(TITLES.get(status, TITLES[400] if status < 500 else TITLES[500]))
    context = {"status": status, "title": title, "explanation": EXPLANATIONS.get(status, "")}
    first, _, rest = request.url.path.strip("/").partition("/")
    rest = quote(rest if get_locale(first) else request.url.path.strip("/"))
    meta = PageMeta(
        title=title,
        noindex=True,
        alternate=lambda other: f"/{other}/{rest}",
        headers={**(headers or {}), "Cache-Control": "no-store"},
    )
    try:
        return build_page(request, request_shop(request), shop_locale, "error.html", context, meta, status)
    except Exception:  # the error page itself must never fail
        log.exception("error page failed to render")
        return Response(title, status_code=status, media_type="text/plain; charset=utf-8")


def client_error_status(exc: BaseException) -> int | None:
    """Errors that malformed input raises inside the framework or the OS, as the client's error:
    a JSON body nested too deeply to decode or not UTF-8 (400), a NUL byte in a file path (404)."""
    if isinstance(exc, RecursionError | UnicodeDecodeError):
        return HTTP_400_BAD_REQUEST
    if isinstance(exc, ValueError) and "null byte" in str(exc):
        return HTTP_404_NOT_FOUND
    return None


def logged_path(request: Request[Any, Any, Any]) -> str:
    """The request path, percent-encoded so request text cannot forge a log line, with API cart
    tokens (bearer secrets in /api/v1/carts/{token}) masked. No query: it may carry personal data
    and order keys."""
    return CART_TOKEN.sub(r"\1***", quote(request.url.path, safe="/-._~"))


CART_TOKEN = re.compile(r"(/carts/)[^/]+")


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The one exception handler: status from the exception, body by audience."""
    headers: dict[str, str] = {}
    busy = False
    if isinstance(exc, HTTPException):
        status = exc.status_code
        headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() in {"allow", "retry-after"}}
        log.info("rejected %s %s: %s", request.method, logged_path(request), status)
    elif busy := is_busy(exc):
        status = HTTP_503_SERVICE_UNAVAILABLE
        headers = {"Retry-After": "2"}
        log.warning("database busy: %s", type(exc).__name__)
    elif (client_status := client_error_status(exc)) is not None:
        status = client_status
        log.info("rejected %s %s: %s", request.method, logged_path(request), type(exc).__name__)
    else:
        status = HTTP_500_INTERNAL_SERVER_ERROR
        log.exception("unhandled error on %s %s", request.method, logged_path(request))
    if isinstance(exc, ApiProblem):
        return problem_response(
            request, status, exc.detail, code=exc.code, errors=exc.errors, params=exc.params
        )
    if busy and request.url.path.startswith("/api/"):
        # Busy: clients retry after Retry-After (a checkout with the same Idempotency-Key).
        return problem_response(request, status, EXPLANATIONS[503], code="busy", headers=headers)
    if request.url.path.startswith("/api/"):
        errors = None
        detail = ""
        code = "too_many_requests" if status == 429 else ""
        if isinstance(exc, ValidationException):
            extra = exc.extra if isinstance(exc.extra, list) else []
            errors = [
                {"field": str(item.get("key", "")), "message": str(item.get("message", ""))}
                for item in extra
                if isinstance(item, dict)
            ]
            # A value the schema does not allow: named by a stable code, as the handlers' own checks are.
            code, detail = invalid_request([error["field"] for error in errors])
        elif isinstance(exc, HTTPException) and status < 500:
            detail = exc.detail if isinstance(exc.detail, str) and exc.detail != TITLES.get(status) else ""
        return problem_response(request, status, detail, code=code, errors=errors, headers=headers)
    return error_page(request, status, headers)
