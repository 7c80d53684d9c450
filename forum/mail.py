"""Outgoing mail through Flask-Mailman. With a MAIL_SERVER it goes over SMTP; without one (in
development) each message goes to the log and to instance/outbox/ as an .eml file, so a
password-reset link can be read without a mail server. Nothing here is sent from inside a
request's transaction: forum.mail_queue queues messages in the use case's commit and sends
them after it."""
from __future__ import annotations

import time
from pathlib import Path

from flask import Flask, current_app
from flask_mailman import EmailMessage, Mail
from flask_mailman.backends.base import BaseEmailBackend

from forum.config import ConfigError

mailman = Mail()

BUILT_IN = {"smtp", "console", "locmem", "dummy", "file"}
OUTBOX_BACKEND = "forum.mail.OutboxEmailBackend"


def init_app(app: Flask) -> None:
    """Resolve the MAIL_* settings (and the older SMTP_HOST/SMTP_PORT/MAIL_SENDER) for
    Flask-Mailman and bind it."""
    config = app.config
    if not config.get("MAIL_SERVER") and config.get("SMTP_HOST"):
        config["MAIL_SERVER"] = config["SMTP_HOST"]
        if config.get("SMTP_PORT"):
            config["MAIL_PORT"] = int(config["SMTP_PORT"])
    config["MAIL_DEFAULT_SENDER"] = config.get("MAIL_DEFAULT_SENDER") or config["MAIL_SENDER"]
    config.setdefault("MAIL_FILE_PATH", config["OUTBOX_DIR"])
    config["MAIL_BACKEND"] = backend_name(config)
    _check(config)
    mailman.init_app(app)


def _check(config) -> None:
    """Refuse at start what would make every send fail later."""
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        raise ConfigError("MAIL_USE_TLS and MAIL_USE_SSL cannot both be on: STARTTLS (port "
                          "587) or TLS from the start (port 465), not both.")
    try:
        mailman.import_backend(config["MAIL_BACKEND"])
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"MAIL_BACKEND {config['MAIL_BACKEND']!r} is not a mail backend: "
                          "use auto, smtp, outbox, console, locmem, file or a dotted path "
                          "to a Flask-Mailman backend.") from exc


def backend_name(config) -> str:
    """`auto` is SMTP when a server is configured and the outbox folder otherwise."""
    name = str(config.get("MAIL_BACKEND") or "auto")
    if name == "auto":
        return "smtp" if config.get("MAIL_SERVER") else OUTBOX_BACKEND
    return OUTBOX_BACKEND if name == "outbox" else name


def message(to: str, subject: str, body: str, headers: dict | None = None) -> EmailMessage:
    """One plain-text message from the configured sender."""
    return EmailMessage(subject=subject, body=body, to=[to], headers=dict(headers or {}),
                        from_email=current_app.config["MAIL_DEFAULT_SENDER"])


def deliver(messages: list[EmailMessage]) -> None:
    """Hand messages to the configured backend over one connection; raises if it fails."""
    with mailman.get_connection() as connection:
        connection.send_messages(messages)


def send(to: str, subject: str, body: str) -> None:
    """Send one message now, bypassing the queue (for the command line and tests)."""
    deliver([message(to, subject, body)])


class OutboxEmailBackend(BaseEmailBackend):
    """Development's backend: every message to OUTBOX_DIR as an .eml file, and to the log."""

    def send_messages(self, email_messages) -> int:
        """Write each message to its own file; returns how many were written."""
        outbox = Path(current_app.config["OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        for msg in email_messages:
            to = ",".join(msg.to)
            safe_to = "".join(ch if ch.isalnum() or ch in "@._-" else "_" for ch in to)
            path = outbox / f"{time.time_ns()}-{safe_to}.eml"
            path.write_bytes(msg.message().as_bytes())
            current_app.logger.info("mail to %s: %s\n%s", to, msg.subject, msg.body)
        return len(email_messages)
