"""Back-office access through real HTTP: every role boundary on the routes that exist, the login
redirect, the localised 403 page, the menu, CSRF on every form, and the session cookie."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.staff.rules import Role
from app.staff.services import Actor, set_active, set_ui_locale
from app.staff.tables import StaffAuditLog
from tests.functional.admin import PASSWORD, forget_admin_store, login, make_staff, submit
from tests.html import links, tags, text


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


OWNER_ONLY_PAGES = ["/admin/staff", "/admin/audit", "/admin/audit.csv"]
EVERY_PAGE = ["/admin/", *OWNER_ONLY_PAGES]


async def test_without_a_session_every_page_sends_the_browser_to_the_login_page(client) -> None:
    for path in EVERY_PAGE:
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/admin/login?next=/admin")


async def test_login_page_is_private_and_has_the_csrf_token(client) -> None:
    response = await client.get("/admin/login")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert tags(response.text, "input", name="_csrf_token")[0]["value"]
    assert tags(response.text, "input", name="password")[0].get("value") is None


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.OWNER])
async def test_roles_other_than_owner_get_a_403_page_on_owner_screens(client, role: Role) -> None:
    owner = await make_staff(Role.OWNER)
    await make_staff(role, locales=frozenset({"de"}))
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303
    home = await client.get("/admin/")
    assert home.status_code == 200
    # The menu shows only what the role may do; nothing for screens that do not exist.
    assert "/admin/staff" not in links(home.text) and "/admin/audit" not in links(home.text)
    for path in OWNER_ONLY_PAGES:
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 403, path
        assert "Not allowed" in text(response.text)
    before = await StaffAuditLog.count().run()
    token = str(client.cookies.get("csrftoken"))
    forms = {
        "/admin/staff": {"email": "x@shop.test", "name": "X", "role": "owner", "password": PASSWORD},
        f"/admin/staff/{owner.id}/role": {"role": "support"},
        f"/admin/staff/{owner.id}/active": {"active": "0"},
    }
    for action, fields in forms.items():
        response = await client.post(action, data={**fields, "_csrf_token": token}, follow_redirects=False)
        assert response.status_code == 403, action
    assert await StaffAuditLog.count().run() == before  # nothing changed


async def test_the_owner_sees_every_screen_in_the_menu(client) -> None:
    await make_staff(Role.OWNER)
    await login(client, "owner@shop.test")
    home = await client.get("/admin/")
    assert {"/admin/", "/admin/staff", "/admin/audit"} <= set(links(home.text, "/admin/"))
    for path in EVERY_PAGE:
        assert (await client.get(path)).status_code == 200, path


async def test_the_403_page_is_in_the_staff_members_language(client) -> None:
    support = await make_staff(Role.SUPPORT)
    await set_ui_locale(Actor(None, "test", ""), support.id, "de")
    await login(client, "support@shop.test")
    response = await client.get("/admin/audit")
    assert response.status_code == 403
    assert tags(response.text, "html")[0]["lang"] == "de"
    assert "Nicht erlaubt" in text(response.text)


async def test_language_choice_is_kept_and_arabic_is_right_to_left(client) -> None:
    await make_staff(Role.OWNER)
    await login(client, "owner@shop.test")
    response = await submit(client, "/admin/", "/admin/language", locale="ar")
    assert response.status_code == 303
    page = await client.get("/admin/")
    html = tags(page.text, "html")[0]
    assert html["lang"] == "ar" and html["dir"] == "rtl"
    response = await submit(client, "/admin/", "/admin/language", locale="ja")
    assert tags((await client.get("/admin/staff")).text, "html")[0]["lang"] == "ja"


async def test_session_cookie_is_httponly_lax_and_scoped_to_admin(client) -> None:
    await make_staff(Role.OWNER)
    response = await login(client, "owner@shop.test")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("admin_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # COOKIE_SECURE is off in tests; production turns it on
    # The shop's own pages never get the back-office session.
    shop = await client.get("/en/nope")
    assert not any(c.startswith("admin_session=") for c in shop.headers.get_list("set-cookie"))


async def test_login_gives_a_fresh_session_id(client) -> None:
    await make_staff(Role.OWNER)
    planted = "a" * 64
    client.cookies.set("admin_session", planted, domain="shop.test", path="/admin")
    await login(client, "owner@shop.test")
    assert client.cookies.get("admin_session") not in (None, planted)


async def test_a_session_cookie_from_before_logout_no_longer_works(client) -> None:
    await make_staff(Role.OWNER)
    await login(client, "owner@shop.test")
    old = client.cookies.get("admin_session")
    assert (await client.get("/admin/")).status_code == 200
    response = await submit(client, "/admin/", "/admin/logout")
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    client.cookies.set("admin_session", old, domain="shop.test", path="/admin")
    again = await client.get("/admin/", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/admin/login")
    assert await StaffAuditLog.count().where(StaffAuditLog.action == "staff.logout").run() == 1


async def test_a_disabled_account_cannot_log_in_and_its_live_session_stops(client) -> None:
    await make_staff(Role.OWNER)
    support = await make_staff(Role.SUPPORT)
    await login(client, "support@shop.test")
    assert (await client.get("/admin/")).status_code == 200
    await set_active(Actor(None, "test", ""), support.id, False)
    response = await client.get("/admin/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")
    refused = await login(client, "support@shop.test")
    assert refused.status_code == 400
    assert "not correct, or the account is disabled" in text(refused.text)
    assert (
        not client.cookies.get("admin_session")
        or (await client.get("/admin/", follow_redirects=False)).status_code == 303
    )


async def test_a_role_change_takes_effect_on_the_next_request(client) -> None:
    owner = await make_staff(Role.OWNER)
    await make_staff(Role.OWNER, email="second@shop.test")
    await login(client, "owner@shop.test")
    assert (await client.get("/admin/audit")).status_code == 200
    from app.staff.services import change_role

    await change_role(Actor(None, "test", ""), owner.id, Role.SUPPORT, frozenset())
    # The session was opened for other access: it ends, and a new login gets support's rights.
    assert (await client.get("/admin/audit", follow_redirects=False)).status_code == 303
    await login(client, "owner@shop.test")
    assert (await client.get("/admin/audit")).status_code == 403


async def test_next_only_leads_into_the_back_office(client) -> None:
    await make_staff(Role.OWNER)
    page = await client.get("/admin/login?next=https://evil.example/")
    assert tags(page.text, "input", name="next")[0]["value"] == "/admin/"
    page = await client.get("/admin/login?next=/admin/audit")
    values = {"_csrf_token": tags(page.text, "input", name="_csrf_token")[0]["value"]}
    response = await client.post(
        "/admin/login",
        data={**values, "email": "owner@shop.test", "password": PASSWORD, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/admin/"


async def test_every_admin_form_refuses_a_post_without_its_csrf_token(client) -> None:
    owner = await make_staff(Role.OWNER)
    await login(client, "owner@shop.test")
    before = await StaffAuditLog.count().run()
    actions = {
        "/admin/login": {"email": "owner@shop.test", "password": PASSWORD},
        "/admin/logout": {},
        "/admin/reset": {"email": "owner@shop.test"},
        "/admin/reset/1." + "0" * 64: {"password": PASSWORD, "password_again": PASSWORD},
        "/admin/language": {"locale": "de"},
        "/admin/staff": {"email": "x@shop.test", "name": "X", "role": "owner", "password": PASSWORD},
        f"/admin/staff/{owner.id}/role": {"role": "support"},
        f"/admin/staff/{owner.id}/active": {"active": "0"},
    }
    for action, fields in actions.items():
        missing = await client.post(action, data=fields, follow_redirects=False)
        assert missing.status_code == 403, action
        forged = await client.post(action, data={**fields, "_csrf_token": "f" * 128}, follow_redirects=False)
        assert forged.status_code == 403, action
    assert await StaffAuditLog.count().run() == before
    assert (await client.get("/admin/")).status_code == 200  # still logged in: logout was refused too
