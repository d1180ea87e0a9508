"""What every command shares: the console, running a coroutine, who the operator is."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

from rich.console import Console

# Piped into a file or grep, rich would wrap tables at 80 columns; keep rows on one line there.
console = Console(width=None if sys.stdout.isatty() else 160)
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run one service call to completion (each command is one short-lived event loop)."""
    return asyncio.run(coroutine)


def operator_actor() -> str:
    """The actor recorded in order histories for a command run by hand."""
    return f"cli:{os.environ.get('USER', 'operator')}"
