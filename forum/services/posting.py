"""Asking, replying and deleting: checks, screening, rendering, numbering, counters."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from forum import permissions, rendering, screening, signals
from forum.extensions import db
from forum.models import (
    Category,
    NotificationKind,
    Post,
    PostRevision,
    PostStatus,
    Thread,
    User,
    utcnow,
)
from forum.screening import Screening, ScreenRequest, SubmissionKind
from forum.services.errors import (
    PostingRefused,
    TooComplex,
    ValidationError,
    require,
)
from forum.services.notifications import notify, notify_reply, subscribe
from forum.services.transaction import commit

TITLE_MIN, TITLE_MAX = 8, 200
NUMBER_ATTEMPTS = 5  # tries at a reply whose post number a concurrent reply took


def check_title(title: str) -> str:
    """A question's title, whitespace folded, or a ValidationError saying why not."""
    if len(title or "") > TITLE_MAX:
        raise ValidationError(f"Titles are at most {TITLE_MAX} characters.", field="title")
    title = " ".join((title or "").split())
    if len(title.replace(" ", "")) < TITLE_MIN:  # the API document states the same rule
        raise ValidationError(
            f"Please make the title a full question of at least {TITLE_MIN} characters.",
            field="title",
        )
    if len(title) > TITLE_MAX:
        raise ValidationError(f"Titles are at most {TITLE_MAX} characters.", field="title")
    return title


def check_body(body: str) -> str:
    """A post's body, trimmed, within the length and complexity limits."""
    body = (body or "").strip()
    if not body:
        raise ValidationError("Please write something in the body.", field="body")
    limit = current_app.config["MAX_POST_LENGTH"]
    if len(body) > limit:
        raise ValidationError(f"Posts are at most {limit} characters.", field="body")
    check_complexity(body)
    return body


def render_limits() -> rendering.Limits:
    """The renderer's limits from the app config (RENDER_MAX_*, RENDER_TIME_BUDGET)."""
    return rendering.Limits.from_config(current_app.config)


def check_complexity(body: str) -> None:
    """Refuse, before screening or rendering, a text the renderer would refuse anyway."""
    try:
        rendering.check_complexity(body, render_limits())
    except rendering.TooComplex as exc:
        raise TooComplex(exc.message, field="body") from None


def render_markdown(body: str, known_users=()) -> str:
    """Every rendered text goes through here: the configured limits, and a refusal the
    forms and the API show as a 400 that keeps the author's text."""
    try:
        return rendering.render(body, known_users, limits=render_limits())
    except rendering.TooComplex as exc:
        raise TooComplex(exc.message, field="body") from None


def render_post(body: str) -> tuple[str, list[User]]:
    """Render Markdown and resolve @mentions to existing people."""
    names = rendering.mentioned_names(body)
    users = (
        list(db.session.scalars(
            select(User).where(User.username_key.in_(names), User.is_placeholder.is_(False))
        ))
        if names
        else []
    )
    targets = rendering.mention_targets(body, {u.username for u in users})
    users = [u for u in users if u.username_key in targets]
    html = render_markdown(body, [u.username for u in users])
    return html, users


def _existing_for_token(author: User, client_token: str | None) -> Post | None:
    if not client_token:
        return None
    return db.session.scalar(
        select(Post).where(Post.author_id == author.id, Post.client_token == client_token)
    )


def _retry_duplicate(author: User, client_token: str | None) -> Post | None:
    """After a unique-token clash (a double-click raced us), the post that won."""
    db.session.rollback()
    return _existing_for_token(author, client_token)


def create_thread(
    *,
    author: User,
    title: str,
    body: str,
    category: Category | None,
    client_token: str | None = None,
    created_at: datetime | None = None,
) -> Thread:
    """Ask a question. The same client_token twice returns the first thread (double-click).

    The moderation screener decides first: the thread is published, held for review or
    rejected (kept, visible only to its author, who can fix and resubmit it).
    """
    require(permissions.can_post(author), "Please sign in to ask a question.")
    existing = _existing_for_token(author, client_token)
    if existing is not None:
        return existing.thread
    title, body = check_title(title), check_body(body)
    if category is None:
        raise ValidationError("Please choose a category.", field="category")
    request = ScreenRequest(SubmissionKind.NEW_THREAD, author, title, body)
    verdict = screen(request)
    title, body = verdict.title or title, verdict.body or body
    html, mentioned = render_post(body)
    when = created_at or utcnow()
    published = verdict.status is PostStatus.PUBLISHED
    thread = Thread(
        title=title, category_id=category.id, author_id=author.id, created_at=when,
        last_activity_at=when, status=verdict.status, published_at=when if published else None,
    )
    db.session.add(thread)
    db.session.flush()
    post = Post(
        thread_id=thread.id, number=1, author_id=author.id, body_source=body, body_html=html,
        client_token=client_token or None, created_at=when, status=verdict.status,
        details_removed=published and verdict.private_followup,
    )
    db.session.add(post)
    db.session.flush()
    db.session.add(PostRevision(post_id=post.id, number=1, editor_id=author.id, title=title,
                                body_source=body, created_at=when))
    subscribe(author, thread)
    if published:
        count_published(post, +1)
        notify({u.id for u in mentioned} - {author.id}, NotificationKind.MENTION, actor=author,
                thread=thread, post=post)
        signals.send_after_commit(signals.thread_published, thread=thread)
        announce(post)
    screening.screener().record(request, verdict, post=post)
    try:
        commit(thread)
    except IntegrityError:
        winner = _retry_duplicate(author, client_token)
        if winner is None:
            raise
        return winner.thread
    return thread


def screen(request: ScreenRequest) -> Screening:
    """Ask moderation; a refusal (muted, suspended) stores nothing and says why."""
    verdict = screening.screener().screen(request)
    if verdict.refuse:
        raise PostingRefused(verdict.explanation or "You cannot post right now.",
                             restriction=permissions.restriction(request.author))
    return verdict


def count_published(post: Post, sign: int) -> None:
    """Keep counters right when a post becomes visible (+1) or stops being visible (-1)."""
    thread = post.thread if post.thread is not None else db.session.get(Thread, post.thread_id)
    author = post.author if post.author is not None else db.session.get(User, post.author_id)
    # Increments run in SQL (x = x + 1) so concurrent posters never lose a count.
    author.post_count = User.post_count + sign
    if post.number == 1:
        category = db.session.get(Category, thread.category_id)
        category.thread_count = Category.thread_count + sign
    else:
        thread.reply_count = Thread.reply_count + sign


def reply(
    thread: Thread,
    *,
    author: User,
    body: str,
    client_token: str | None = None,
    created_at: datetime | None = None,
) -> Post:
    """Answer in a thread; once published, followers and mentioned people are notified.

    Replies racing into one thread must not share a post number: each takes the thread's row
    lock and numbers its post inside the INSERT; should two still clash, the unique index on
    (thread_id, number) refuses the later one, which is rolled back and tried again.
    """
    require(permissions.can_reply(author, thread), "You cannot reply to this thread.")
    existing = _existing_for_token(author, client_token)
    if existing is not None:
        return existing
    body = check_body(body)
    request = ScreenRequest(SubmissionKind.REPLY, author, thread.title, body, thread=thread)
    verdict = screen(request)
    draft = _ReplyDraft(request, verdict, verdict.body or body, client_token,
                        created_at or utcnow())
    attempt = 1
    while True:
        try:
            return _store_reply(draft)
        except IntegrityError as exc:
            winner = _retry_duplicate(author, client_token)  # rolls the attempt back
            if winner is not None:
                return winner
            if not _number_clash(exc) or attempt >= NUMBER_ATTEMPTS:
                raise
            attempt += 1


@dataclass
class _ReplyDraft:
    """A screened reply, kept across attempts so a retry does not screen it again."""

    request: ScreenRequest
    verdict: Screening
    body: str
    client_token: str | None
    when: datetime


def _lock_thread(thread_id: int) -> None:
    """Hold the thread's row until commit (PostgreSQL), so that replies into one thread take
    their numbers one after another; SQLite, with its single writer, needs no lock."""
    db.session.execute(select(Thread.id).where(Thread.id == thread_id).with_for_update())


def _next_number(thread_id: int):
    """The next post number, worked out inside the INSERT itself, so that no other reply can
    take it between reading and writing; should one still (a writer that skipped the thread
    lock), the unique index refuses the later insert and reply tries again."""
    return (
        select(func.coalesce(func.max(Post.number), 0) + 1)
        .where(Post.thread_id == thread_id)
        .scalar_subquery()
    )


def _number_clash(exc: IntegrityError) -> bool:
    """Whether the insert lost the race for a post number (and may simply try again)."""
    message = str(exc.orig)
    return "uq_posts_thread_number" in message or "posts.thread_id, posts.number" in message


def _store_reply(draft: _ReplyDraft) -> Post:
    """Number, store and commit a screened reply: one attempt of the reply use case."""
    thread, author = draft.request.thread, draft.request.author
    html, mentioned = render_post(draft.body)
    _lock_thread(thread.id)
    post = Post(
        thread_id=thread.id, number=_next_number(thread.id), author_id=author.id,
        body_source=draft.body, body_html=html, client_token=draft.client_token or None,
        created_at=draft.when, status=draft.verdict.status,
        details_removed=(draft.verdict.status is PostStatus.PUBLISHED
                         and draft.verdict.private_followup),
    )
    db.session.add(post)
    db.session.flush()
    db.session.add(PostRevision(post_id=post.id, number=1, editor_id=author.id,
                                body_source=draft.body, created_at=draft.when))
    if draft.verdict.status is PostStatus.PUBLISHED:
        on_reply_published(post, mentioned, draft.when)
    subscribe(author, thread)
    screening.screener().record(draft.request, draft.verdict, post=post)
    commit(thread)
    return post


def on_reply_published(post: Post, mentioned: list[User], when: datetime) -> None:
    """A reply became visible: counters, response times, notifications."""
    thread, author = post.thread, post.author
    count_published(post, +1)
    thread.last_activity_at = max(thread.last_activity_at, when)
    if thread.first_reply_at is None and author.id != thread.author_id:
        thread.first_reply_at = when
    if author.is_staff_side and thread.first_staff_reply_at is None:
        thread.first_staff_reply_at = when
    notify_reply(thread, post, author, mentioned)
    announce(post)


def announce(post: Post) -> None:
    """A post is going public: in-transaction listeners hear now (post_going_public), the
    rest once the use case has committed (post_published)."""
    signals.post_going_public.send(current_app._get_current_object(), post=post)
    signals.send_after_commit(signals.post_published, post=post)


def delete_post(post: Post, *, actor: User) -> Post:
    """Soft-delete: the post keeps its place and says who deleted it; revisions stay."""
    require(permissions.can_delete(actor, post), "You can only delete your own posts.")
    thread = post.thread
    if post.status is PostStatus.PUBLISHED:
        if post.is_question and thread.reply_count > 0:  # the thread stays up for its answers
            post.author.post_count -= 1
        else:
            count_published(post, -1)
    post.status = PostStatus.DELETED
    post.deleted_at = utcnow()
    if thread.accepted_post_id == post.id:
        thread.accepted_post_id = None
    if post.is_question and thread.reply_count == 0:
        thread.status = PostStatus.DELETED
    commit(thread)
    return post
