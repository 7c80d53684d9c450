"""The forum's tables: people, categories, threads, posts and what hangs off them.

Models never commit; services do, once per use case.
"""
from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from forum import names
from forum.extensions import db


def utcnow() -> datetime:
    """Naive UTC now: SQLite drops time zones, so every timestamp is naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def str_enum(enum_cls: type[enum.Enum]) -> sa.Enum:
    """A portable enum column storing the member's value (no native DB enum to migrate)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Role(enum.StrEnum):
    """What a person may do; staff-side roles show a badge on their posts."""

    CUSTOMER = "customer"
    STAFF = "staff"
    MODERATOR = "moderator"
    ADMIN = "admin"

    @property
    def is_staff_side(self) -> bool:
        """Staff, moderators and admins answer for the brand."""
        return self is not Role.CUSTOMER

    @property
    def badge(self) -> str:
        """The label shown beside a staff-side author's name."""
        return {
            Role.STAFF: "Support team",
            Role.MODERATOR: "Moderator",
            Role.ADMIN: "Community admin",
        }.get(self, "")


class PostStatus(enum.StrEnum):
    """Whether a post is visible; moderation (a later layer) holds or rejects."""

    PUBLISHED = "published"
    HELD = "held"
    REJECTED = "rejected"
    DELETED = "deleted"


class RevisionStatus(enum.StrEnum):
    """Whether a revision is the post's text (applied) or a held edit not yet (or never) applied:
    a held edit of a published post waits here while the published version stays up."""

    APPLIED = "applied"
    PENDING = "pending"
    REJECTED = "rejected"


class NotificationKind(enum.StrEnum):
    """Why a person is being told something."""

    REPLY = "reply"
    MENTION = "mention"
    ACCEPTED = "accepted"
    MODERATION = "moderation"
    ARTICLE = "article"  # a help article now answers your question
    ARTICLE_REVIEW = "article_review"  # a writer asks you (a publisher) to review an article
    # the support workspace (support/): staff are told of work, customers of their cases
    ASSIGNED = "assigned"  # a thread was assigned to you
    CUSTOMER_REPLIED = "customer_replied"  # the customer replied in a thread assigned to you
    TARGET_DUE = "target_due"  # a thread assigned to you is about to miss its response target
    CASE_OPENED = "case_opened"  # a private case was opened (staff) / for you (customer)
    CASE_REPLY = "case_reply"  # a new message in one of your private cases


class User(UserMixin, db.Model):
    """A member of the community: a customer or someone answering for the brand."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(32))
    username_key: Mapped[str] = mapped_column(sa.String(32), unique=True)
    # What the name looks like (forum.names.skeleton): `sam.`, `s4m` and `Sam` share one, so
    # a newcomer cannot register a lookalike of a name already taken. Set with the username.
    username_skeleton: Mapped[str] = mapped_column(sa.String(64), default="", server_default="",
                                                   index=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255), default="")
    display_name: Mapped[str] = mapped_column(sa.String(64), default="")
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.CUSTOMER)
    is_placeholder: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    post_count: Mapped[int] = mapped_column(default=0)
    # Bumped to end every session and remember-me cookie of the account (forum.services).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    def get_id(self) -> str:
        """flask-login's alternative id: the cookies carry the session version, so a bump
        makes every earlier session and remember-me cookie stale (forum.app's user loader)."""
        return f"{self.id}:{self.session_version or 0}"

    @validates("username")
    def _keep_skeleton(self, _key: str, username: str) -> str:
        self.username_skeleton = names.skeleton(username)[:64]
        return username

    @property
    def name(self) -> str:
        """The name people see: the display name, else the username."""
        return self.display_name or self.username

    @property
    def is_staff_side(self) -> bool:
        """True for staff, moderators and admins."""
        return self.role.is_staff_side


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship()


class Category(db.Model):
    """A place for one kind of question, ordered by position."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    thread_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Thread(db.Model):
    """A question and its replies; post number 1 carries the question body."""

    __tablename__ = "threads"
    # One index per thread-list tab, in the tab's ORDER BY with the id tie-break, so a deep
    # page is an index-only walk (forum.queries.list_threads selects ids first). The solved
    # tab filters on the trailing accepted_post_id without leaving the index. The unanswered
    # tab (and the staff desk) walk ix_threads_waiting, a partial index defined below.
    __table_args__ = (
        sa.Index("ix_threads_status_created", "status", "created_at", "id", "accepted_post_id"),
        sa.Index("ix_threads_status_last_activity", "status", "last_activity_at", "id"),
        sa.Index(
            "ix_threads_category_created", "category_id", "status", "created_at", "id",
            "accepted_post_id",
        ),
        sa.Index("ix_threads_category_last_activity", "category_id", "status",
                 "last_activity_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[PostStatus] = mapped_column(str_enum(PostStatus), default=PostStatus.PUBLISHED)
    accepted_post_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("posts.id", use_alter=True, ondelete="SET NULL"), default=None
    )
    reply_count: Mapped[int] = mapped_column(default=0)
    view_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when the thread first goes public: a thread once published keeps its URL (its question
    # collapsed) while moderators review a hidden question; one never published stays private.
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    # Where the answer lives: a canonical thread (closed as duplicate) or a help article.
    canonical_kind: Mapped[str | None] = mapped_column(sa.String(20), default=None)
    canonical_url: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    canonical_title: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    first_reply_at: Mapped[datetime | None] = mapped_column(default=None)
    first_staff_reply_at: Mapped[datetime | None] = mapped_column(default=None)
    # When the thread got its accepted answer (cleared when taken back): resolution time.
    solved_at: Mapped[datetime | None] = mapped_column(default=None)
    # Locked by staff ("walk away"): the thread stays readable and takes no new replies
    # (permissions.can_reply); the rule cited is a code of the published moderation rules.
    locked_at: Mapped[datetime | None] = mapped_column(default=None)
    locked_reason: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    locked_rule: Mapped[str | None] = mapped_column(sa.String(40), default=None)
    locked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)

    category: Mapped[Category] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    locked_by: Mapped[User | None] = relationship(foreign_keys=[locked_by_id])
    accepted_post: Mapped[Post | None] = relationship(foreign_keys=[accepted_post_id])

    @property
    def solved(self) -> bool:
        """A thread is solved once a reply is accepted."""
        return self.accepted_post_id is not None

    @property
    def locked(self) -> bool:
        """Locked by staff: readable, no new replies."""
        return self.locked_at is not None

    # The one definition of "waiting" shared by the staff desk, the unanswered tab, the
    # overdue count and the thread page: public, nobody else replied, not closed, and not
    # pointed at a canonical answer (the thread it duplicates, or a help article).
    @hybrid_property
    def awaiting_first_answer(self) -> bool:
        """Still waiting for a first answer (in Python, and in SQL via the expression)."""
        return (self.status is PostStatus.PUBLISHED and self.first_reply_at is None
                and self.closed_at is None and self.canonical_kind is None)

    @awaiting_first_answer.inplace.expression
    @classmethod
    def _awaiting_first_answer_expression(cls):
        return sa.and_(cls.status == PostStatus.PUBLISHED, _no_answer_yet(cls))


def _no_answer_yet(thread_cls) -> sa.ColumnElement[bool]:
    """The part of awaiting_first_answer without bound values: the waiting index's WHERE."""
    return sa.and_(thread_cls.first_reply_at.is_(None), thread_cls.closed_at.is_(None),
                   thread_cls.canonical_kind.is_(None))


# Questions still waiting, oldest or newest first, optionally by category, without reading
# a row that is not waiting (partial: answered threads, the vast majority, are not in it).
sa.Index(
    "ix_threads_waiting", Thread.status, Thread.created_at, Thread.id, Thread.category_id,
    sqlite_where=_no_answer_yet(Thread), postgresql_where=_no_answer_yet(Thread),
)


class Post(db.Model):
    """One message: the Markdown source is kept for editing, the HTML rendered on write."""

    __tablename__ = "posts"
    __table_args__ = (
        # No two posts of a thread share a number, even when replies race (services.reply).
        # A unique index, not a constraint, so SQLite adds it without rebuilding the table.
        sa.Index("uq_posts_thread_number", "thread_id", "number", unique=True),
        sa.UniqueConstraint("author_id", "client_token", name="uq_posts_author_client_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("threads.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    body_source: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[PostStatus] = mapped_column(str_enum(PostStatus), default=PostStatus.PUBLISHED)
    helpful_count: Mapped[int] = mapped_column(default=0)
    revision_count: Mapped[int] = mapped_column(default=1)
    # Private details were removed before publishing (shown as a notice beside the post).
    details_removed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    client_token: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    thread: Mapped[Thread] = relationship(foreign_keys=[thread_id])
    author: Mapped[User] = relationship()

    @property
    def is_question(self) -> bool:
        """Post number 1 is the question itself."""
        return self.number == 1

    @property
    def is_deleted(self) -> bool:
        """Soft-deleted posts keep their place but not their text."""
        return self.status is PostStatus.DELETED


class PostRevision(db.Model):
    """Every version of a post (and, for a question, its title), oldest first. At most one
    revision past the last applied one (number revision_count + 1) is a held edit waiting for
    review (pending) or one a moderator turned down (rejected), kept for its author to fix."""

    __tablename__ = "post_revisions"
    __table_args__ = (
        sa.UniqueConstraint("post_id", "number", name="uq_post_revisions_post_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    editor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    title: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    body_source: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[RevisionStatus] = mapped_column(
        str_enum(RevisionStatus), default=RevisionStatus.APPLIED, server_default="applied"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    editor: Mapped[User] = relationship()


class Tag(db.Model):
    """A staff-managed label on threads, shown in lists and usable as a filter and in search."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThreadTag(db.Model):
    """One tag on one thread; by tag first, so a tag's threads are an index walk."""

    __tablename__ = "thread_tags"
    __table_args__ = (sa.Index("ix_thread_tags_thread", "thread_id"),)

    tag_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tag: Mapped[Tag] = relationship()


class Vote(db.Model):
    """A 'helpful' vote: one per person per post."""

    __tablename__ = "votes"
    __table_args__ = (sa.UniqueConstraint("user_id", "post_id", name="uq_votes_user_post"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Subscription(db.Model):
    """A person following a thread, so they hear about replies."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "thread_id", name="uq_subscriptions_user_thread"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(db.Model):
    """An in-app notice: a reply, a mention, an accepted answer, a feature's message."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # A plain string (str_enum, no CHECK constraint): a new kind of at most 20 characters
    # needs no migration.
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    thread_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), default=None
    )
    post_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="CASCADE"), default=None
    )
    message: Mapped[str] = mapped_column(sa.Text, default="")
    # A site-relative path for notices about something outside a thread (a feature's page).
    url: Mapped[str | None] = mapped_column(sa.String(300), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    thread: Mapped[Thread | None] = relationship()


class SearchOutbox(db.Model):
    """Searchable content that changed; written in the same commit, drained into the index."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(sa.String(20))
    doc_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


TSVECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")


class SearchDocument(db.Model):
    """The PostgreSQL backend's index: one row per searchable document, same transaction."""

    __tablename__ = "search_documents"
    __table_args__ = (
        sa.Index("ix_search_documents_tsv", "tsv", postgresql_using="gin"),
    )

    doc_type: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    doc_id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    category_id: Mapped[int | None] = mapped_column(default=None)
    solved: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    tsv: Mapped[str | None] = mapped_column(TSVECTOR, default=None)
    # the forum.search.analysis VERSION that folded this row's text (1: before folding)
    analysis: Mapped[int] = mapped_column(sa.SmallInteger, default=1, server_default="1")


class SearchSynonym(db.Model):
    """A staff-edited group of words search treats as one ("router, hub, gateway")."""

    __tablename__ = "search_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    terms: Mapped[str] = mapped_column(sa.String(600))  # folded words, comma-separated
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    @property
    def words(self) -> list[str]:
        """The group's words in the order staff gave them."""
        return [w for w in self.terms.split(",") if w]


class MailStatus(enum.StrEnum):
    """Where a queued message stands."""

    PENDING = "pending"  # waiting (or waiting again, after a failed try) to be sent
    SENDING = "sending"  # claimed by one worker; nobody else sends it
    SENT = "sent"
    FAILED = "failed"  # every try failed; kept, and `flask mail send --retry-failed` retries
    SKIPPED = "skipped"  # nothing left to say (opted out since, or the post is no longer visible)


class MailOutbox(db.Model):
    """A message to send, written in the commit of the use case that caused it and sent after
    it by whichever worker claims it. A notification's mail is written when it is sent (from
    the notification, the thread and the post as they are then); others carry their text."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        sa.Index("ix_mail_outbox_due", "status", "next_attempt_at"),
        sa.UniqueConstraint("notification_id", name="uq_mail_outbox_notification"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), default=None, index=True)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notifications.id", ondelete="CASCADE"), default=None)
    kind: Mapped[str] = mapped_column(sa.String(20), default="")  # a NotificationKind or ""
    to_address: Mapped[str] = mapped_column(sa.String(254), default="")
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailOptOut(db.Model):
    """A person who wants no e-mail of one kind (the settings page or an unsubscribe link)."""

    __tablename__ = "mail_opt_outs"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind", name="uq_mail_opt_outs_user_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
