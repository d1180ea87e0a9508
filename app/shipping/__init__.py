"""Shipping destinations and (placeholder) shipping rates."""
