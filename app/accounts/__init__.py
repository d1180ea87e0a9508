"""Shopper accounts: sign-up with email verification, log in and out, password resets, order history."""
