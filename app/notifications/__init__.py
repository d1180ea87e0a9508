"""Emails to shoppers, behind one mailer interface (an outbox folder, or SMTP)."""
