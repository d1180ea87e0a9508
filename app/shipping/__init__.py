"""Shipping: destination zones, rates by billed weight, free standard shipping and restricted goods."""
