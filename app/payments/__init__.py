"""Payments behind a provider interface (manual bank transfer, test provider)."""
