"""What each event says: public data only for forum events (what any visitor may read, with
absolute links); held and rejected posts also carry the text that was acted on, because
those events are for the brand's own systems (card and bank numbers are masked)."""
from __future__ import annotations

from contextlib import nullcontext

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, Thread, User
from forum.web import thread_url
from support.webhooks.services import iso


def _context():
    """url_for needs a request; outside one (CLI, worker) links use BASE_URL."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context("/", base_url=current_app.config["BASE_URL"])


def _absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def person(user: User | None) -> dict | None:
    """A member as the public sees them."""
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "name": user.name,
            "role": user.role.value}


def thread_data(thread: Thread) -> dict:
    """A public thread: title, category, author, link, state."""
    with _context():
        url = _absolute(thread_url(thread))
    return {
        "id": thread.id, "title": thread.title, "url": url,
        "category": {"id": thread.category.id, "name": thread.category.name},
        "author": person(thread.author), "created_at": iso(thread.created_at),
        "reply_count": thread.reply_count, "solved": thread.accepted_post_id is not None,
    }


def post_data(post: Post, *, public: bool = True) -> dict:
    """A post: number, author, link, and (when public) the Markdown the public reads."""
    with _context():
        url = _absolute(url_for("forum.post", post_id=post.id))
    data = {"id": post.id, "number": post.number, "thread_id": post.thread_id,
            "author": person(post.author), "created_at": iso(post.created_at),
            "status": post.status.value, "url": url}
    if public:
        data["body"] = post.body_source
    return data


def thread_created(thread: Thread) -> dict:
    """thread.created: the thread and its opening post."""
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    return {"thread": thread_data(thread),
            "post": post_data(opening) if opening is not None else None}


def post_created(post: Post) -> dict:
    """post.created: the reply and the thread it is in."""
    return {"post": post_data(post), "thread": thread_data(post.thread)}


def thread_solved(thread: Thread, post: Post) -> dict:
    """thread.solved: the thread and the accepted answer."""
    return {"thread": thread_data(thread), "answer": post_data(post)}


def verdict(post: Post, *, rules, reason: str, text: str, source: str, actor: User | None,
            edit: bool) -> dict:
    """post.held / post.rejected: which post, under which rules, why, and the text acted on."""
    thread = post.thread
    return {
        "post": post_data(post, public=False), "thread": {"id": thread.id, "title": thread.title},
        "status": post.status.value, "rules": list(rules), "rule": rules[0] if rules else None,
        "reason": reason, "text": text, "source": source, "edit": edit,
        "moderator": person(actor),
    }


def case_opened(conversation, *, origin: str, url: str) -> dict:
    """case.opened: which case, for whom, how it began (for the brand's own systems; the
    messages stay in Parley)."""
    return {
        "case": {"id": conversation.id, "subject": conversation.subject, "origin": origin,
                 "url": _absolute(url), "thread_id": conversation.thread_id,
                 "post_id": conversation.post_id},
        "customer": person(db.session.get(User, conversation.customer_id)),
    }
