"""Mailers: the outbox folder (development default) and SMTP (production, from environment variables)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver one message (blocking: call it off the event loop)."""
        ...


class OutboxMailer:
    """Writes each message as an .eml file: nothing leaves the machine."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = (message["Message-ID"] or make_msgid()).strip("<>").replace("@", "_").replace("/", "_")
        (self.folder / f"{name}.eml").write_bytes(bytes(message))


class SmtpMailer:
    """Sends through an SMTP server (STARTTLS when the server offers it)."""

    def __init__(
        self, host: str, port: int, username: str = "", password: str = "", timeout: float = 10
    ) -> None:
        self.host, self.port, self.username, self.password, self.timeout = (
            host,
            port,
            username,
            password,
            timeout,
        )

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)
