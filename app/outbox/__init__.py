"""Follow-ups written in the same transaction as the change that causes them, delivered later."""
