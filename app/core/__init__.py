"""Shared building blocks: settings, money helpers, errors."""
