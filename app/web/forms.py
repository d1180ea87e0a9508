"""Reading submitted forms defensively: every value a string, never a crash on odd input."""

from __future__ import annotations

from typing import Any

from litestar import Request

MAX_VALUE_LENGTH = 10_000


async def read_form(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The submitted fields, first value of each, as text (files and oversize values dropped)."""
    form = await request.form()
    values: dict[str, str] = {}
    for key in form:
        value = form.get(key)
        if isinstance(value, str) and key not in values:
            values[key] = value[:MAX_VALUE_LENGTH] if len(value) > MAX_VALUE_LENGTH else value
    return values
