"""Shared web helpers for the HTML controllers: rendering, URLs, page context, forms."""
