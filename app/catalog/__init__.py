"""Catalogue: categories, products, variants and their translations."""
