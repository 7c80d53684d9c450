"""Private cases: move a public post or thread out of view into a case, let a customer write
to support privately, talk, close and reopen, and post a public summary. Each use case
commits once (a summary is a forum reply, which commits itself, then records the link)."""
from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import select

from forum import services as forum_services
from forum.extensions import db
from forum.models import (
    NotificationKind,
    Post,
    PostRevision,
    PostStatus,
    Role,
    Thread,
    User,
    utcnow,
)
from forum.services import ValidationError
from forum.services.errors import require
from moderation.models import PrivateConversation, PrivateMessage
from support import permissions
from support.cases.models import CaseDetail, CaseOrigin, CaseRead, MovedPost
from support.webhooks import emit, payloads
from support.webhooks.models import WebhookEvent

STUB = "This conversation continues privately with our support team."
MOVED_NOTE = ("We moved this conversation to a private case so that we can help with your "
              "details safely. Only you and our support team can read it; reply here.")
SUBJECT_MIN, SUBJECT_MAX = 3, 200
STAFF_ROLES = (Role.STAFF, Role.MODERATOR, Role.ADMIN)


def case_url(conversation: PrivateConversation) -> str:
    """Where a participant reads a case (site-relative, for notifications)."""
    return url_for("support_cases.case", case_id=conversation.id, _external=False)


# -- moving public content ---------------------------------------------------------------------
def move_post_to_case(post: Post, *, actor: User) -> PrivateConversation:
    """Take one published post out of public view into a private case with its author."""
    require(permissions.can_work_cases(actor), "Only staff can move posts to a private case.")
    _require_movable(post)
    thread = post.thread
    conversation = _new_case(post.author, thread, post, CaseOrigin.MOVED_POST, actor)
    _move(conversation, [post])
    return _finish_move(conversation, thread, actor)


def move_thread_to_case(thread: Thread, *, actor: User) -> PrivateConversation:
    """Take a whole thread's published posts into a private case with the thread's author."""
    require(permissions.can_work_cases(actor), "Only staff can move threads to a private case.")
    require(thread.status is PostStatus.PUBLISHED, "Only a published thread can be moved.")
    posts = [p for p in _published_posts(thread) if p.id not in _moved_ids(thread.id)]
    if not posts:
        raise forum_services.Conflict("Every post of this thread is already in a private case.")
    _require_customer(thread.author)
    question = next((p for p in posts if p.number == 1), posts[0])
    conversation = _new_case(thread.author, thread, question, CaseOrigin.MOVED_THREAD, actor)
    _move(conversation, posts)
    return _finish_move(conversation, thread, actor)


def _require_movable(post: Post) -> None:
    require(post.status is PostStatus.PUBLISHED and post.thread.status is PostStatus.PUBLISHED,
            "Only a published post can be moved to a private case.")
    _require_customer(post.author)
    if db.session.get(MovedPost, post.id) is not None:
        raise forum_services.Conflict("This post is already in a private case.")


def _require_customer(user: User) -> None:
    require(not user.role.is_staff_side, "Staff posts stay public: only a customer's "
            "conversation moves to a private case.")


def _published_posts(thread: Thread) -> list[Post]:
    return list(db.session.scalars(
        select(Post).where(Post.thread_id == thread.id, Post.status == PostStatus.PUBLISHED)
        .order_by(Post.number)))


def _moved_ids(thread_id: int) -> set[int]:
    return set(db.session.scalars(select(MovedPost.post_id)
                                  .where(MovedPost.thread_id == thread_id)))


def _new_case(customer: User, thread: Thread | None, post: Post | None, origin: CaseOrigin,
              actor: User) -> PrivateConversation:
    subject = thread.title[:SUBJECT_MAX] if thread is not None else ""
    conversation = PrivateConversation(
        customer_id=customer.id, thread_id=thread.id if thread else None,
        post_id=post.id if post else None, subject=subject)
    db.session.add(conversation)
    db.session.flush()
    db.session.add(CaseDetail(conversation_id=conversation.id, origin=origin,
                              opened_by_id=actor.id))
    return conversation


def _move(conversation: PrivateConversation, posts: list[Post]) -> None:
    """Copy each post's text into the case (as its author wrote it), then leave the stub."""
    stub_html = forum_services.render_markdown(STUB)
    for post in posts:
        db.session.add(PrivateMessage(
            conversation_id=conversation.id, author_id=post.author_id,
            body_source=post.body_source, body_html=post.body_html,
            created_at=post.created_at))
        db.session.add(MovedPost(post_id=post.id, conversation_id=conversation.id,
                                 thread_id=post.thread_id))
        post.body_source, post.body_html = STUB, stub_html
        for revision in db.session.scalars(
                select(PostRevision).where(PostRevision.post_id == post.id)):
            revision.body_source = STUB  # the history must not keep what moved


def _finish_move(conversation: PrivateConversation, thread: Thread,
                 actor: User) -> PrivateConversation:
    message = _message(conversation, actor, MOVED_NOTE)
    db.session.flush()
    _mark(conversation.id, actor.id, message.id)
    forum_services.add_notice(
        conversation.customer_id, NotificationKind.CASE_OPENED, actor=actor,
        message=f"Our support team moved “{conversation.subject}” to a private case.",
        url=case_url(conversation))
    _announce(conversation)
    forum_services.commit_changes(thread)  # search forgets the moved text
    return conversation


def _announce(conversation: PrivateConversation) -> None:
    """case.opened to the brand's webhooks, in the same transaction as the case."""
    detail = db.session.get(CaseDetail, conversation.id)
    emit(WebhookEvent.CASE_OPENED, payloads.case_opened(
        conversation, origin=detail.origin.value if detail else "detected",
        url=case_url(conversation)))


# -- a customer writes to support ----------------------------------------------------------------
def check_subject(subject: str) -> str:
    """A case's subject, whitespace folded, or a ValidationError saying why not."""
    if len(subject or "") > SUBJECT_MAX:
        raise ValidationError(f"Subjects are at most {SUBJECT_MAX} characters.",
                              field="subject")
    subject = " ".join((subject or "").split())
    if len(subject.replace(" ", "")) < SUBJECT_MIN:  # the API document states the same rule
        raise ValidationError(f"Please give your message a subject (at least {SUBJECT_MIN} "
                              "characters besides spaces).", field="subject")
    return subject


def open_case(*, actor: User, subject: str, body: str,
              thread: Thread | None = None) -> PrivateConversation:
    """A customer's private message to support; every staff-side user hears of it."""
    require(permissions.can_open_case(actor), "Sign in to contact support privately.")
    subject, body = check_subject(subject), _check_body(body)
    if thread is not None:
        require(thread.author_id == actor.id, "You can only link your own thread.")
    conversation = _new_case(actor, thread, None, CaseOrigin.CUSTOMER, actor)
    conversation.subject = subject
    message = _message(conversation, actor, body)
    db.session.flush()
    _mark(conversation.id, actor.id, message.id)
    for staff_id in _staff_ids():
        forum_services.add_notice(
            staff_id, NotificationKind.CASE_OPENED, actor=actor,
            message=f"{actor.name} opened a private case: “{subject}”.",
            url=case_url(conversation))
    _announce(conversation)
    db.session.commit()
    return conversation


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError("Please write a message.", field="body")
    limit = current_app.config["MAX_POST_LENGTH"]
    if len(body) > limit:
        raise ValidationError(f"Messages are at most {limit} characters.", field="body")
    return body


def _staff_ids() -> list[int]:
    return list(db.session.scalars(
        select(User.id).where(User.role.in_(STAFF_ROLES), User.is_placeholder.is_(False))))


# -- talking -------------------------------------------------------------------------------------
def add_message(conversation: PrivateConversation, *, actor: User, body: str) -> PrivateMessage:
    """A message in a case; the other side is told (the customer, or the staff on it)."""
    require(permissions.can_read_case(actor, conversation.customer_id),
            "This case is private.")
    if conversation.closed_at is not None:
        raise forum_services.Conflict("This case is closed; reopen it to write again.")
    message = _message(conversation, actor, _check_body(body))
    db.session.flush()
    _mark(conversation.id, actor.id, message.id)
    for user_id in _other_side(conversation, actor):
        forum_services.add_notice(
            user_id, NotificationKind.CASE_REPLY, actor=actor,
            message=f"New message in the private case “{conversation.subject}”.",
            url=case_url(conversation) + f"#message-{message.id}")
    db.session.commit()
    return message


def _message(conversation: PrivateConversation, author: User, body: str) -> PrivateMessage:
    message = PrivateMessage(conversation_id=conversation.id, author_id=author.id,
                             body_source=body, body_html=forum_services.render_markdown(body))
    db.session.add(message)
    return message


def _other_side(conversation: PrivateConversation, actor: User) -> list[int]:
    """Staff writing tell the customer; the customer tells the staff who worked the case
    (who opened it or wrote in it), else every staff-side user."""
    if actor.id != conversation.customer_id:
        return [conversation.customer_id]
    detail = db.session.get(CaseDetail, conversation.id)
    worked = set(db.session.scalars(
        select(PrivateMessage.author_id).join(User, User.id == PrivateMessage.author_id)
        .where(PrivateMessage.conversation_id == conversation.id,
               User.role.in_(STAFF_ROLES))))
    if detail is not None and detail.opened_by_id and detail.opened_by_id != actor.id:
        worked.add(detail.opened_by_id)
    return sorted(worked) or _staff_ids()


def mark_read(conversation: PrivateConversation, *, reader: User) -> None:
    """The reader has seen every message in the case so far."""
    last = db.session.scalar(
        select(PrivateMessage.id).where(PrivateMessage.conversation_id == conversation.id)
        .order_by(PrivateMessage.id.desc()).limit(1))
    if last is not None and _mark(conversation.id, reader.id, last):
        db.session.commit()


def _mark(conversation_id: int, user_id: int, message_id: int) -> bool:
    row = db.session.scalar(select(CaseRead).where(CaseRead.conversation_id == conversation_id,
                                                   CaseRead.user_id == user_id))
    if row is None:
        db.session.add(CaseRead(conversation_id=conversation_id, user_id=user_id,
                                last_read_message_id=message_id))
        return True
    if row.last_read_message_id >= message_id:
        return False
    row.last_read_message_id, row.read_at = message_id, utcnow()
    return True


# -- open and closed ------------------------------------------------------------------------------
def close_case(conversation: PrivateConversation, *, actor: User) -> None:
    """Staff close any case; a customer closes their own."""
    require(permissions.can_close_case(actor, conversation.customer_id),
            "This case is private.")
    if conversation.closed_at is None:
        conversation.closed_at = utcnow()
        _detail(conversation).closed_by_id = actor.id
        db.session.commit()


def reopen_case(conversation: PrivateConversation, *, actor: User) -> None:
    """Only staff reopen a case (a customer opens a new one)."""
    require(permissions.can_work_cases(actor), "Only staff can reopen a case.")
    if conversation.closed_at is not None:
        conversation.closed_at = None
        _detail(conversation).closed_by_id = None
        db.session.commit()


def _detail(conversation: PrivateConversation) -> CaseDetail:
    """Support's row for a conversation (moderation's own follow-ups get one when worked)."""
    detail = db.session.get(CaseDetail, conversation.id)
    if detail is None:
        detail = CaseDetail(conversation_id=conversation.id, origin=CaseOrigin.DETECTED)
        db.session.add(detail)
    return detail


# -- the public summary -------------------------------------------------------------------------
def post_summary(conversation: PrivateConversation, *, actor: User, body: str) -> Post:
    """A resolved case's public summary on its thread, signed with the staff member's name
    and role (a forum reply: it commits itself; the case then records the link)."""
    require(permissions.can_work_cases(actor), "Only staff post a case's public summary.")
    thread = db.session.get(Thread, conversation.thread_id) if conversation.thread_id else None
    require(thread is not None, "This case has no public thread to summarise on.")
    if conversation.closed_at is None:
        raise forum_services.Conflict("Close the case as resolved before its public summary.")
    body = _check_body(body)
    signed = f"{body}\n\n— **{actor.name}**, {actor.role.badge}"
    post = forum_services.reply(thread, author=actor, body=signed)
    _detail(conversation).summary_post_id = post.id
    db.session.commit()
    return post
