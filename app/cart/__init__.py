"""Shopping carts kept server-side and addressed by an unguessable token."""
