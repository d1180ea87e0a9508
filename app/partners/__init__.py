"""Logistics partners: their API keys (owner-managed, hashed at rest, scoped) and the partner API."""
