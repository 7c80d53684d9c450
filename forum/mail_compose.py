"""The text of a notification's mail, written when it is sent: the thread's title, an excerpt
of the post (public posts the reader may still see, nothing else), a link to it on BASE_URL,
why the reader got it, and a one-click unsubscribe link (RFC 8058 headers too)."""
from __future__ import annotations

import html
import re

from flask import current_app, url_for
from flask_mailman import EmailMessage
from sqlalchemy.orm import Session

from forum import mail, permissions
from forum.mail_queue import (
    EXCERPT_CHARS,
    EXCERPT_KINDS,
    LABELS,
    SUBJECTS,
    WHY,
    opted_out,
    unsubscribe_token,
)
from forum.models import (
    MailOutbox,
    Notification,
    NotificationKind,
    Post,
    PostStatus,
    Thread,
    User,
)
from forum.web import thread_url


def compose(session: Session, row: MailOutbox) -> EmailMessage | None:
    """The message for a claimed row, or None when there is no longer anything to send."""
    if row.notification_id is None:  # carries its own text
        return mail.message(row.to_address, row.subject, row.body)
    note = session.get(Notification, row.notification_id)
    user = session.get(User, row.user_id) if row.user_id is not None else None
    if note is None or user is None or note.kind in opted_out(user.id, session):
        return None
    thread = session.get(Thread, note.thread_id) if note.thread_id else None
    post = session.get(Post, note.post_id) if note.post_id else None
    if not _still_visible(user, note, thread, post):
        return None
    actor = session.get(User, note.actor_id) if note.actor_id else None
    subject = _subject(note, thread, actor)
    body = _body(user, note, thread, post, actor)
    token_url = _absolute(url_for("auth.unsubscribe", token=unsubscribe_token(user.id,
                                                                              note.kind)))
    body += _footer(note.kind, token_url)
    headers = {"List-Unsubscribe": f"<{token_url}>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
               "Auto-Submitted": "auto-generated"}
    return mail.message(user.email, subject, body, headers)


def _still_visible(user: User, note: Notification, thread: Thread | None,
                   post: Post | None) -> bool:
    """A reply, mention or accepted answer quotes a post: only while it is published and
    the reader may read it and its thread (held or hidden since: no mail)."""
    if note.kind not in EXCERPT_KINDS:
        return True  # a feature's notice: its sender chose the reader; no post is quoted
    if thread is None or post is None or post.status is not PostStatus.PUBLISHED \
            or post.deleted_at is not None:
        return False
    return permissions.can_view_thread(user, thread) and permissions.can_read_post(user, post)


def _body(user: User, note: Notification, thread: Thread | None, post: Post | None,
          actor: User | None) -> str:
    who = actor.name if actor else "Someone"
    lines = [f"Hello {user.name},", ""]
    if note.kind in EXCERPT_KINDS:
        verb = {NotificationKind.REPLY: "replied in",
                NotificationKind.MENTION: "mentioned you in",
                NotificationKind.ACCEPTED: "accepted your answer in"}[note.kind]
        lines += [f"{who} {verb} “{thread.title}”:", "", _quote(post.body_html), ""]
    else:
        if thread is not None:
            lines += [f"“{thread.title}”", ""]
        if note.message:
            lines += [note.message, ""]
    lines += [f"Open it: {_link(note, thread)}", ""]
    return "\n".join(lines)


def _footer(kind: NotificationKind, unsubscribe_url: str) -> str:
    settings = _absolute(url_for("auth.settings", _anchor="mail"))
    return ("-- \n"
            f"You are getting this because {WHY[kind]}.\n"
            f"Stop these e-mails ({LABELS[kind]}): {unsubscribe_url}\n"
            f"All your e-mail settings: {settings}\n")


def _link(note: Notification, thread: Thread | None) -> str:
    if note.url and note.url.startswith("/") and not note.url.startswith("//"):
        return _absolute(note.url)
    if note.post_id:
        return _absolute(url_for("forum.post", post_id=note.post_id))
    if thread is not None:
        return _absolute(thread_url(thread))
    return _absolute(url_for("forum.notifications"))


def _quote(body_html: str) -> str:
    """The start of the post as published (its sanitised HTML, as text)."""
    text = html.unescape(re.sub(r"<[^>]*>", " ", body_html or ""))
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) > EXCERPT_CHARS:
        flat = flat[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    return "> " + flat


def _subject(note: Notification, thread: Thread | None, actor: User | None) -> str:
    """The kind's subject about the thread; a notice about no thread (a private case opened
    by its customer) is its own message, not "... in your case \"Parley\"". """
    if thread is None and note.message:
        return _one_line(note.message)[:150]
    return _one_line(SUBJECTS[note.kind].format(
        title=thread.title if thread else "Parley", actor=actor.name if actor else "Someone"))


def _one_line(text: str) -> str:
    return re.sub(r"[\r\n]+", " ", text)[:300]


def _absolute(path: str) -> str:
    """Links in mail use the configured BASE_URL, never a request's Host header."""
    return current_app.config["BASE_URL"].rstrip("/") + path
