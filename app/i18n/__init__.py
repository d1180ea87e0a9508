"""Locales, gettext catalogues and Babel formatting."""
