"""Helpers every blueprint shares: who is signed in, paging, safe redirects, the friendly
page for a refused use case, and a thread's canonical URL."""
from __future__ import annotations

import re

from flask import render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import BadRequest, default_exceptions

from forum import services
from forum.extensions import db

MAX_PAGE = 10_000
FORM_ERRORS = (services.ValidationError, services.Conflict, services.PostingRefused)


def me():
    """The signed-in person as a real User: services compare identities, not proxies."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def page_arg(limit: int = MAX_PAGE) -> int:
    """The ?page= number, clamped to something sane whatever was typed."""
    return min(max(1, request.args.get("page", 1, type=int)), limit)


def safe_next(default: str) -> str:
    """A ?next= target only if it stays on this site (no open redirects)."""
    target = request.args.get("next") or ""
    # Browsers drop tabs and newlines and read "\\" as "/": "/\t/evil" would leave the site.
    if any(ch.isspace() or ch == "\\" or not ch.isprintable() for ch in target):
        return default
    if target.startswith("/") and not target.startswith("//"):
        return target
    return default


def service_error_page(exc: services.ServiceError):
    """A ServiceError no view handled: the matching friendly error page and status."""
    db.session.rollback()  # nothing half-done by the refused use case may be flushed later
    template = {403: "errors/403.html", 404: "errors/404.html"}.get(
        exc.status, "errors/generic.html"
    )
    error = default_exceptions.get(exc.status, BadRequest)(description=exc.message)
    return render_template(template, error=error, code=exc.status), exc.status


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]


def thread_url(thread, **values) -> str:
    """The canonical URL of a thread, with a readable slug when the title has one."""
    slug = _slug(thread.title)
    if slug:
        values["slug"] = slug
    return url_for("forum.thread", thread_id=thread.id, **values)
