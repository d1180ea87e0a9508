"""Orders: frozen copies of what was sold, and their lifecycle."""
