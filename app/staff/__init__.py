"""The back office's staff: accounts, roles, sessions, password resets and the audit log."""
