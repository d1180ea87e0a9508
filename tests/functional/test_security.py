"""Security by default: headers, cookie flags, CSRF, no stack traces to the outside."""

from __future__ import annotations

import pytest
from litestar.config.csrf import CSRFConfig
from litestar.middleware.csrf import CSRFMiddleware

from app.server.security import FastCookieCSRFMiddleware
from tests.builders import build_catalog, product
from tests.functional.shop import add_to_cart


async def test_security_headers_on_pages_and_api(client) -> None:
    await build_catalog([product("TS-001", "Tee")])
    for path in ["/en/", "/api/v1/categories", "/en/nope"]:
        headers = (await client.get(path)).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


async def test_cookies_are_httponly_and_samesite(client) -> None:
    await build_catalog([product("TS-001", "Tee")])
    response = await client.get("/en/")
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("csrftoken=") for c in cookies)
    assert any(c.startswith("locale=en;") and "Max-Age=" in c for c in cookies)
    assert all("HttpOnly" in c and "SameSite=lax" in c for c in cookies)
    response = await add_to_cart(client, "en", "tee")
    cart_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("cart="))
    assert "HttpOnly" in cart_cookie and "SameSite=lax" in cart_cookie and "Path=/" in cart_cookie


async def test_tampered_csrf_token_is_refused(client) -> None:
    await build_catalog([product("TS-001", "Tee")])
    await client.get("/en/p/tee")
    response = await client.post("/en/p/tee", data={"quantity": "1", "_csrf_token": "f" * 128})
    assert response.status_code == 403


async def test_private_pages_are_not_indexed_or_cached(client) -> None:
    await build_catalog([product("TS-001", "Tee")])
    response = await client.get("/en/cart")
    assert response.headers["x-robots-tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.text


async def test_robots_txt_and_health(client) -> None:
    assert "Disallow: /api/" in (await client.get("/robots.txt")).text
    assert (await client.get("/health")).json() == {"status": "ok"}


@pytest.mark.parametrize("secure,domain", [(False, None), (True, "shop.test")])
def test_csrf_cookie_header_is_exactly_litestars(secure: bool, domain: str | None) -> None:
    """The template-built cookie must say what Litestar's own middleware says."""
    config = CSRFConfig(
        secret="s" * 32,
        cookie_secure=secure,
        cookie_samesite="lax",
        cookie_domain=domain,
        cookie_httponly=True,
    )
    token = "ab12" * 16

    async def app(scope, receive, send) -> None:  # never called
        raise AssertionError

    ours: dict = {"type": "http.response.start", "headers": [(b"x-a", b"1")]}
    theirs: dict = {"type": "http.response.start", "headers": [(b"x-a", b"1")]}
    FastCookieCSRFMiddleware(app, config)._set_cookie_if_needed(ours, token)  # type: ignore[arg-type]
    CSRFMiddleware(app, config)._set_cookie_if_needed(theirs, token)  # type: ignore[arg-type]
    assert [tuple(h) for h in ours["headers"]] == [tuple(h) for h in theirs["headers"]]
    set_cookie = [value for name, value in ours["headers"] if name == b"set-cookie"]
    assert set_cookie[0].startswith(f"csrftoken={token};".encode())


# ---- allowed hosts: no link can follow a forged Host header ---------------------------------------


async def test_a_request_for_another_host_is_refused(client) -> None:
    for host in ["evil.example", "evil.example:443", "shop.test.evil.example"]:
        response = await client.get("/en/", headers={"host": host})
        assert response.status_code == 400 and response.json()["code"] == "invalid_host", host
    assert (await client.get("/en/", headers={"host": "shop.test:8443"})).status_code == 200  # any port


def test_host_names_drop_the_port() -> None:
    from app.server.hosts import host_name

    assert host_name("Shop.Test:8000") == "shop.test"
    assert host_name("[::1]:8000") == "::1" and host_name("[::1]") == "::1"
    assert host_name("127.0.0.1") == "127.0.0.1" and host_name("") == ""


def test_production_needs_a_public_base_url_and_allows_only_its_host(monkeypatch) -> None:
    from app.core.settings import load_settings

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        load_settings()
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://Shop.Example/")
    assert load_settings().allowed_hosts == ("shop.example",)  # no loopback names in production
    monkeypatch.setenv("APP_ENV", "development")
    assert set(load_settings().allowed_hosts) == {"shop.example", "localhost", "127.0.0.1", "::1"}


async def test_private_pages_and_form_answers_are_never_stored(client) -> None:
    await build_catalog([product("TS-001", "Plain Tee", options={"size": ["s"]})])
    assert (await client.get("/en/cart")).headers["cache-control"] == "no-store"
    assert (await client.get("/en/checkout", follow_redirects=False)).headers["cache-control"] == "no-store"
    assert (await client.get("/ja/orders/lookup")).headers["cache-control"] == "no-store"
    lookup = await client.post("/en/orders/lookup", data={"number": "<b>x</b>", "email": "a@b.c"})
    assert lookup.headers["cache-control"] == "no-store"  # the answer echoes what was typed
    assert "cache-control" not in (await client.get("/en/")).headers  # catalogue pages: the default


async def test_hsts_only_over_https(client) -> None:
    assert "strict-transport-security" not in (await client.get("/en/")).headers
    from app.server.security import HSTS, response_headers

    assert HSTS in response_headers({"scheme": "https", "method": "GET", "path": "/en/"}, set())
    assert HSTS not in response_headers({"scheme": "http", "method": "GET", "path": "/en/"}, set())
