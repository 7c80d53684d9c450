"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the mail tests, and the app pointed at it."""
from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy

import pytest


def free_port() -> int:
    """A TCP port nobody listens on (for a server to start on, or for SMTP that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    """aiosmtpd's Controller keeping every message it accepts, parsed as a mail client would."""

    def __init__(self, port: int | None = None):
        from aiosmtpd.controller import Controller

        self.port = port or free_port()
        self.messages: list = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._arrived = threading.Condition()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        """Keep the message; answer as a real server does."""
        with self._arrived:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self._arrived.notify_all()
        return "250 OK"

    def start(self) -> SMTPServer:
        """Listen."""
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        """The messages once `count` have arrived (or what came before the timeout)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count and time.monotonic() < deadline:
                self._arrived.wait(deadline - time.monotonic())
            return list(self.messages)


def point_mail_at(app, port: int) -> None:
    """Send this app's mail over SMTP to 127.0.0.1:port."""
    from forum import mail

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_BACKEND="auto",
                      MAIL_TIMEOUT=5.0)
    mail.init_app(app)


@pytest.fixture
def smtp(app):
    """A running SMTP server the app sends to."""
    server = SMTPServer().start()
    point_mail_at(app, server.port)
    yield server
    server.stop()
