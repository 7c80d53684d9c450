"""Read-side queries for pages and the API: each costs a fixed number of SQL statements,
whatever the number of rows, so pages do not slow down as threads grow."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum import permissions
from forum.extensions import db
from forum.models import (
    Category,
    Notification,
    Post,
    PostRevision,
    PostStatus,
    RevisionStatus,
    Subscription,
    Tag,
    Thread,
    ThreadTag,
    User,
    Vote,
)

ID_MAX = 2**31 - 1  # PostgreSQL integer: no row has a larger id on either database


def as_id(value) -> int:
    """A row id from a query string or form (for `type=`): ValueError outside 1..ID_MAX, so
    a huge number is "no such row", never an overflow in the database driver."""
    number = int(value)
    if not 1 <= number <= ID_MAX:
        raise ValueError(f"id out of range: {value!r}")
    return number


def id_or_none(value) -> int | None:
    """A row id from text or a number, or None when it cannot name a row (as_id refuses)."""
    try:
        return as_id(value)
    except (TypeError, ValueError):
        return None


class ThreadFilter(enum.StrEnum):
    """The thread list's tabs."""

    NEWEST = "newest"
    UNANSWERED = "unanswered"
    SOLVED = "solved"
    ACTIVE = "active"


@dataclass
class Page:
    """A page of items with what a pager needs."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Number of pages (at least one)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        """Whether a previous page exists."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a next page exists."""
        return self.page < self.pages


def list_threads(
    *, filter: ThreadFilter = ThreadFilter.NEWEST, category_id: int | None = None,
    page: int = 1, per_page: int = 20, tag_id: int | None = None,
) -> Page:
    """Published threads for a list tab, authors and categories joined, the tab's total
    alongside: one statement (two for a page past the end).

    A deep page costs little: the page's ids come from an index-only walk of the tab's
    covering index (forum.models.Thread), and only those rows are read and joined.
    """
    conditions = _list_conditions(filter, category_id)
    if tag_id is not None:
        conditions.append(Thread.id.in_(_tagged(tag_id)))
    order = Thread.last_activity_at if filter is ThreadFilter.ACTIVE else Thread.created_at
    page = max(1, page)
    page_ids = (
        select(Thread.id).where(*conditions)
        .order_by(order.desc(), Thread.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    )
    total = _total(filter, category_id, conditions, tagged=tag_id is not None).correlate(None)
    found = db.session.execute(
        select(Thread, total.scalar_subquery())
        .where(Thread.id.in_(page_ids))
        .options(joinedload(Thread.author), joinedload(Thread.category))
        .order_by(order.desc(), Thread.id.desc())
    ).all()
    return Page(items=[thread for thread, _ in found], page=page, per_page=per_page,
                total=found[0][1] if found else db.session.scalar(total))


def _total(filter: ThreadFilter, category_id: int | None, conditions: list, *,
           tagged: bool = False):
    """A tab's total. Newest and active list every published thread, which the categories
    already count (services keep Category.thread_count), so no thread rows are counted
    (unless a tag narrows the list)."""
    if tagged or filter not in (ThreadFilter.NEWEST, ThreadFilter.ACTIVE):
        return select(func.count()).select_from(Thread).where(*conditions)
    total = select(func.coalesce(func.sum(Category.thread_count), 0))
    if category_id is not None:
        total = total.where(Category.id == category_id)
    return total


def _list_conditions(filter: ThreadFilter, category_id: int | None) -> list:
    if filter is ThreadFilter.UNANSWERED:  # published and still without a first answer
        conditions = [Thread.awaiting_first_answer]
    else:
        conditions = [Thread.status == PostStatus.PUBLISHED]
    if category_id is not None:
        conditions.append(Thread.category_id == category_id)
    if filter is ThreadFilter.SOLVED:
        conditions.append(Thread.accepted_post_id.is_not(None))
    return conditions


def _tagged(tag_id: int):
    """The ids of a tag's threads, as a subquery (the thread_tags primary key walks it)."""
    return select(ThreadTag.thread_id).where(ThreadTag.tag_id == tag_id)


def tagged_thread_ids(tag_id: int) -> frozenset[int]:
    """Every thread carrying a tag, for the search filter."""
    return frozenset(db.session.scalars(_tagged(tag_id)))


def tag_by_slug(slug: str) -> Tag | None:
    """The tag a ?tag= or tag:slug names, or None."""
    return db.session.scalar(select(Tag).where(Tag.slug == (slug or "").strip().lower()))


def all_tags() -> list[Tag]:
    """Every tag by name, for pickers and the staff list."""
    return list(db.session.scalars(select(Tag).order_by(Tag.name)))


def tags_for_threads(thread_ids) -> dict[int, list[Tag]]:
    """{thread id: its tags by name} for a page of threads, in one query."""
    ids = list(thread_ids)
    if not ids:
        return {}
    found: dict[int, list[Tag]] = {}
    rows = db.session.execute(
        select(ThreadTag.thread_id, Tag).join(Tag, Tag.id == ThreadTag.tag_id)
        .where(ThreadTag.thread_id.in_(ids)).order_by(Tag.name)
    )
    for thread_id, tag in rows:
        found.setdefault(thread_id, []).append(tag)
    return found


def get_thread(thread_id: int) -> Thread | None:
    """A thread with its category and author, in one query."""
    return db.session.scalar(
        select(Thread)
        .where(Thread.id == thread_id)
        .options(joinedload(Thread.author), joinedload(Thread.category))
    )


@dataclass
class ThreadView:
    """What the thread page shows: the question, the accepted answer, a page of replies and
    the viewer's own state (votes, following)."""

    thread: Thread
    question: Post
    accepted: Post | None
    replies: Page
    voted_ids: set[int] = field(default_factory=set)
    following: bool = False
    # post id -> "pending" (a held edit waiting) or "rejected": the viewer's own edits, or
    # every post's for moderators; the published version stays up meanwhile.
    draft_edits: dict[int, str] = field(default_factory=dict)


def _visible(viewer: User | None):
    """Posts a viewer may see: live and deleted ones, their own held or rejected ones (to fix
    and resubmit), and held ones for moderators."""
    shown = Post.status.in_([PostStatus.PUBLISHED, PostStatus.DELETED])
    if permissions.can_moderate(viewer):
        return shown | (Post.status == PostStatus.HELD)
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        hidden = Post.status.in_([PostStatus.HELD, PostStatus.REJECTED])
        return shown | (hidden & (Post.author_id == viewer.id))
    return shown


def _reply_conditions(thread: Thread, viewer: User | None) -> list:
    conditions = [Post.thread_id == thread.id, Post.number > 1, _visible(viewer)]
    if thread.accepted_post_id is not None:
        conditions.append(Post.id != thread.accepted_post_id)
    return conditions


def thread_view(
    thread: Thread, *, viewer: User | None, page: int = 1, per_page: int = 20
) -> ThreadView:
    """Question, accepted answer and one page of replies: a fixed number of queries."""
    page = max(1, page)
    conditions = _reply_conditions(thread, viewer)
    page_ids = (
        select(Post.id).where(*conditions).order_by(Post.number)
        .limit(per_page).offset((page - 1) * per_page)
        .scalar_subquery()
    )
    counted = (select(func.count()).select_from(Post).where(*conditions)
               .correlate(None).scalar_subquery())
    found = db.session.execute(  # the reply count rides along: one statement, not two
        select(Post, counted)
        .where(
            Post.thread_id == thread.id,
            (Post.number == 1) | (Post.id == thread.accepted_post_id) | Post.id.in_(page_ids),
        )
        .options(joinedload(Post.author))
        .order_by(Post.number)
    ).all()
    rows = [post for post, _ in found]
    total = found[0][1] if found else 0
    question = next(p for p in rows if p.number == 1)
    accepted = next((p for p in rows if p.id == thread.accepted_post_id), None)
    replies = [p for p in rows if p.number != 1 and p.id != thread.accepted_post_id]
    view = ThreadView(
        thread=thread, question=question, accepted=accepted,
        replies=Page(items=replies, page=page, per_page=per_page, total=total),
    )
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        _add_viewer_state(view, viewer, rows)
    return view


def _add_viewer_state(view: ThreadView, viewer: User, rows: list[Post]) -> None:
    post_ids = [p.id for p in rows]
    view.voted_ids = set(db.session.scalars(
        select(Vote.post_id).where(Vote.user_id == viewer.id, Vote.post_id.in_(post_ids))
    ))
    view.following = db.session.scalar(
        select(Subscription.id).where(
            Subscription.user_id == viewer.id, Subscription.thread_id == view.thread.id
        )
    ) is not None
    if permissions.can_moderate(viewer) or any(p.author_id == viewer.id for p in rows):
        view.draft_edits = _draft_edits(viewer, post_ids)  # only then can there be any to show


def _draft_edits(viewer: User, post_ids: list[int]) -> dict[int, str]:
    """Edits of these posts not applied yet (waiting for review, or turned down), in one query."""
    stmt = (select(PostRevision.post_id, PostRevision.status)
            .join(Post, Post.id == PostRevision.post_id)
            .where(PostRevision.post_id.in_(post_ids),
                   PostRevision.number == Post.revision_count + 1,
                   PostRevision.status != RevisionStatus.APPLIED))
    if not permissions.can_moderate(viewer):
        stmt = stmt.where(Post.author_id == viewer.id)
    return {post_id: status.value for post_id, status in db.session.execute(stmt)}


def unread_count(user: User) -> int:
    """Unread notifications, for the header badge."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ) or 0


def notifications(user: User, *, page: int = 1, per_page: int = 30) -> Page:
    """A person's notifications, newest first, with actor and thread joined."""
    total = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id)
    ) or 0
    items = list(db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .options(joinedload(Notification.actor), joinedload(Notification.thread))
        .order_by(Notification.id.desc())
        .limit(per_page)
        .offset((max(1, page) - 1) * per_page)
    ))
    return Page(items=items, page=page, per_page=per_page, total=total)


def user_threads(user: User, *, limit: int = 20) -> list[Thread]:
    """A person's latest published questions, for their profile."""
    return list(db.session.scalars(
        select(Thread)
        .where(Thread.author_id == user.id, Thread.status == PostStatus.PUBLISHED)
        .order_by(Thread.created_at.desc())
        .limit(limit)
    ))


# -- JSON API ----------------------------------------------------------------------------------
def post_by_client_token(author: User, client_token: str | None) -> Post | None:
    """The post this person already made with this client token, so a retry is recognised."""
    if not client_token:
        return None
    return db.session.scalar(
        select(Post).where(Post.author_id == author.id, Post.client_token == client_token)
    )


# -- HTML user interface (forum/views.py, forum/auth.py, forum/admin.py) -------------------------
def category_by_slug(slug: str):
    """The category a /c/<slug> URL names, or None."""
    return db.session.scalar(select(Category).where(Category.slug == slug.lower()))


def get_post(post_id: int) -> Post | None:
    """A post with its author and its thread (and the thread's category) in one query."""
    return db.session.scalar(
        select(Post)
        .where(Post.id == post_id)
        .options(
            joinedload(Post.author),
            joinedload(Post.thread).joinedload(Thread.category),
        )
    )


def reply_page_of(post: Post, *, viewer: User | None, per_page: int) -> int:
    """The page of the thread on which a post appears (question and accepted answer: 1)."""
    thread = post.thread
    if post.number == 1 or post.id == thread.accepted_post_id:
        return 1
    conditions = [*_reply_conditions(thread, viewer), Post.number < post.number]
    before = db.session.scalar(select(func.count(Post.id)).where(*conditions)) or 0
    return before // per_page + 1


def api_tokens(user: User) -> list:
    """A person's API tokens, live ones first, newest first."""
    from forum.models import ApiToken

    return list(db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    ))


def notification_for(user: User, notification_id: int) -> Notification | None:
    """One of a person's own notifications (None for someone else's)."""
    return db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )


def list_users(*, q: str = "", page: int = 1, per_page: int = 50) -> Page:
    """Real (non-placeholder) members for the admin list, filtered by name or email."""
    conditions = [User.is_placeholder.is_(False)]
    q = q.strip().lower()
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        conditions.append(
            User.username_key.like(pattern, escape="\\")
            | User.email.like(pattern, escape="\\")
            | func.lower(User.display_name).like(pattern, escape="\\")
        )
    total = db.session.scalar(select(func.count(User.id)).where(*conditions)) or 0
    page = max(1, page)
    items = list(db.session.scalars(
        select(User).where(*conditions).order_by(User.username_key)
        .limit(per_page).offset((page - 1) * per_page)
    ))
    return Page(items=items, page=page, per_page=per_page, total=total)
