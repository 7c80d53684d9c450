"""Outgoing mail. In development (no SMTP configured) each message goes to the log and to
instance/outbox/ as an .eml file, so a password-reset link can be read without a mail server."""
from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage
from pathlib import Path

from flask import current_app


def send(to: str, subject: str, body: str) -> Path | None:
    """Send one plain-text message; returns the outbox file when written locally."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    host = current_app.config.get("SMTP_HOST")
    if host:
        with smtplib.SMTP(host, int(current_app.config.get("SMTP_PORT", 25))) as smtp:
            smtp.send_message(msg)
        return None
    outbox = Path(current_app.config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    safe_to = "".join(ch if ch.isalnum() or ch in "@._-" else "_" for ch in to)
    path = outbox / f"{time.time_ns()}-{safe_to}.eml"
    path.write_bytes(bytes(msg))
    current_app.logger.info("mail to %s: %s\n%s", to, subject, body)
    return path
