"""The gettext marker `N_`: pure, so rules modules can mark messages without loading catalogues."""

from __future__ import annotations


def gettext_noop(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the locale is known."""
    return message


N_ = gettext_noop
