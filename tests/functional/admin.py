"""Back-office steps through real HTTP, as a browser takes them (forms with CSRF tokens)."""

from __future__ import annotations

import shutil
from typing import Any

from app.core.settings import get_settings
from app.staff.rules import Role
from app.staff.services import Actor, StaffMember, create_staff
from tests.html import form_values

PASSWORD = "correct horse battery staple"
SETUP = Actor(None, "test-setup", "")


def forget_admin_store() -> None:
    """Sessions and login counters live in files under VAR_DIR: each test starts without them."""
    for folder in ("admin-sessions", "admin-limits"):
        shutil.rmtree(get_settings().var_dir / folder, ignore_errors=True)


async def make_staff(
    role: Role = Role.OWNER,
    email: str | None = None,
    password: str = PASSWORD,
    locales: frozenset[str] = frozenset(),
) -> StaffMember:
    return await create_staff(
        SETUP, email or f"{role.value}@shop.test", role.value.title(), password, role, locales
    )


async def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    """Open the login page and submit its form; the response (a 303 on success) is returned."""
    page = await client.get("/admin/login")
    values = form_values(page.text, "/admin/login")
    values.update(email=email, password=password)
    return await client.post("/admin/login", data=values, follow_redirects=False)


async def submit(client: Any, page_path: str, action: str, /, **fields: Any) -> Any:
    """Load a back-office page, take the form posting to `action` with its token, submit it."""
    page = await client.get(page_path)
    assert page.status_code == 200, page.text[:300]
    values: dict[str, Any] = form_values(page.text, action)
    values.update(fields)
    return await client.post(action, data=values, follow_redirects=False)


def csrf_token(client: Any) -> str:
    return str(client.cookies.get("csrftoken"))
