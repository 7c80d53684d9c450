"""Import questions from another system (JSON Lines), one commit per batch of threads.

Each line is {title, body, author?, category?, created_at?, replies?: [{body, author?,
created_at?, accepted?}]}. A bad line is reported with its number and skipped; every other
line is kept. Authors the forum does not know become placeholder accounts that cannot log in.

Why not services.create_thread / reply: they ask permissions.can_post, which refuses
placeholder authors, and they commit (and drain the search index) once per post, far too
slow for a migration. So the importer builds threads here, but through the services' own
validators and renderer, with a revision per post, the same counters, and a search record in
the same commit, so imported threads look, count and search exactly like typed ones. History
is imported quietly: no notifications for old mentions, replies or accepted answers.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from forum import search, services
from forum.extensions import db
from forum.models import (
    Category,
    Post,
    PostRevision,
    Subscription,
    Thread,
    User,
    utcnow,
)

PLACEHOLDER_USERNAME = "imported"
DEFAULT_CATEGORY = "General"
BATCH_SIZE = 200
PLACEHOLDER_EMAIL_DOMAIN = "imported.invalid"


@dataclass
class ImportReport:
    """What an import did: counts, and each bad line with its number and reason."""

    threads: int = 0
    replies: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


class LineError(Exception):
    """A line that cannot be imported; the message says why."""


@dataclass(frozen=True)
class ReplyRecord:
    """One reply as read from the file, already validated."""

    body: str
    author: str | None
    created_at: datetime | None
    accepted: bool


@dataclass(frozen=True)
class ThreadRecord:
    """One question line as read from the file, already validated."""

    line: int
    title: str
    body: str
    author: str | None
    category: str
    created_at: datetime | None
    replies: tuple[ReplyRecord, ...] = ()


# -- reading and validating --------------------------------------------------------------------
def parse_datetime(value, what: str = "created_at") -> datetime | None:
    """ISO-8601 (with or without Z or an offset) to naive UTC; None when absent."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise LineError(f"{what} must be an ISO-8601 string")
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise LineError(f"{what} is not an ISO-8601 date: {value!r}") from exc
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def _text(data: dict, key: str, what: str) -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise LineError(f"{what} is missing")
    if not isinstance(value, str):
        raise LineError(f"{what} must be a string")
    return value


def _checked(check, value: str, what: str) -> str:
    """Run one of the services' validators, naming the field in the reason."""
    try:
        return check(value)
    except services.ValidationError as exc:
        raise LineError(f"{what}: {exc.message}") from exc


def _optional_name(data: dict, key: str, what: str) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise LineError(f"{what} must be a string")
    return value.strip()


def _parse_reply(data, index: int) -> ReplyRecord:
    what = f"reply {index}"
    if not isinstance(data, dict):
        raise LineError(f"{what} is not a JSON object")
    accepted = data.get("accepted", False)
    if not isinstance(accepted, bool):
        raise LineError(f"{what}: accepted must be true or false")
    return ReplyRecord(
        body=_checked(services.check_body, _text(data, "body", f"{what} body"), f"{what} body"),
        author=_optional_name(data, "author", f"{what} author"),
        created_at=parse_datetime(data.get("created_at"), f"{what} created_at"),
        accepted=accepted,
    )


def parse_record(line_number: int, text: str) -> ThreadRecord:
    """Validate one line completely before anything touches the database."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LineError(f"invalid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise LineError("not a JSON object")
    replies = data.get("replies") or []
    if not isinstance(replies, list):
        raise LineError("replies must be a list")
    return ThreadRecord(
        line=line_number,
        title=_checked(services.check_title, _text(data, "title", "title"), "title"),
        body=_checked(services.check_body, _text(data, "body", "body"), "body"),
        author=_optional_name(data, "author", "author"),
        category=_optional_name(data, "category", "category") or DEFAULT_CATEGORY,
        created_at=parse_datetime(data.get("created_at")),
        replies=tuple(_parse_reply(r, i) for i, r in enumerate(replies, start=1)),
    )


def _decoded_lines(lines: Iterable[bytes | str]) -> Iterator[tuple[int, str | None]]:
    """(line number, text) for every non-blank line; text is None when it is not UTF-8."""
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, None
                continue
        if number == 1:
            raw = raw.lstrip("\ufeff")
        if raw.strip():
            yield number, raw


# -- authors and categories --------------------------------------------------------------------
def placeholder_username(name: str | None) -> str:
    """A valid, stable username for an author from elsewhere (accents dropped, junk replaced)."""
    if name is None:
        return PLACEHOLDER_USERNAME
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    parts = re.split(r"[^A-Za-z0-9_.-]+", ascii_name)  # runs of anything else become one "_"
    cleaned = "_".join(part for part in parts if part).lstrip(".-")[:32]
    cleaned = cleaned.rstrip(".-") if len(cleaned) > 3 else cleaned
    if not any(ch.isalnum() for ch in cleaned):
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        return f"imported_{digest}"
    if len(cleaned) < 3:
        cleaned = (cleaned + "___")[:3]
    return cleaned


@dataclass(frozen=True)
class _Author:
    """What the importer needs to know about an author, kept across commits."""

    id: int
    staff: bool
    real: bool  # not a placeholder: follows the threads they take part in


class _Directory:
    """Authors and categories met so far, created on first sight and remembered."""

    def __init__(self):
        self.users: dict[str, _Author] = {}
        self.categories: dict[str, int] = {}
        self.bad_categories: dict[str, str] = {}

    def author(self, name: str | None) -> _Author:
        """The existing user of that name, else a placeholder created for it."""
        username = placeholder_username(name)
        key = services.username_key(username)
        if key not in self.users:
            user = services.get_user(username) or _new_placeholder(username, name or "")
            self.users[key] = _Author(user.id, user.is_staff_side, not user.is_placeholder)
        return self.users[key]

    def category_id(self, name: str) -> int:
        """The category of that name (any case), created if missing; raises LineError."""
        key = name.lower()
        if key in self.bad_categories:
            raise LineError(self.bad_categories[key])
        if key not in self.categories:
            category = db.session.scalar(select(Category).where(func.lower(Category.name) == key))
            if category is None:
                category = self._create(name)
            self.categories[key] = category.id
        return self.categories[key]

    def _create(self, name: str) -> Category:
        try:
            return services.create_category(name, actor=None)
        except services.ServiceError as exc:
            db.session.rollback()
            self.bad_categories[name.lower()] = f"category: {exc.message}"
            raise LineError(self.bad_categories[name.lower()]) from exc


def _new_placeholder(username: str, display_name: str = "") -> User:
    """A user that stands for someone from elsewhere: no password, cannot sign in."""
    key = services.username_key(username)
    user = User(
        username=username,
        username_key=key,
        email=f"{key}@{PLACEHOLDER_EMAIL_DOMAIN}",
        password_hash="",
        display_name=display_name.strip()[:64] if display_name != username else "",
        is_placeholder=True,
    )
    db.session.add(user)
    db.session.flush()  # its id is needed right away
    return user


# -- writing -----------------------------------------------------------------------------------
@dataclass
class _Plan:
    """One line on its way into the database: the thread, then its posts."""

    record: ThreadRecord
    thread: Thread
    authors: list[_Author]  # the asker first, then one per reply
    times: list[datetime]
    html: list[str]
    posts: list[Post] = field(default_factory=list)

    @property
    def bodies(self) -> list[str]:
        """Markdown sources, question first."""
        return [self.record.body, *(r.body for r in self.record.replies)]


def _plan(record: ThreadRecord, directory: _Directory, category_id: int) -> _Plan:
    """Authors, times, rendered HTML and the thread row with its counters already right."""
    authors = [directory.author(record.author), *(directory.author(r.author)
                                                  for r in record.replies)]
    times = [record.created_at or utcnow()]
    for item in record.replies:  # a reply without a date keeps its place after the last one
        times.append(item.created_at or times[-1])
    staff_times = [t for a, t in zip(authors[1:], times[1:], strict=True) if a.staff]
    thread = Thread(
        title=record.title, category_id=category_id, author_id=authors[0].id,
        created_at=times[0], last_activity_at=max(times), reply_count=len(record.replies),
        first_staff_reply_at=min(staff_times, default=None),
    )
    plan = _Plan(record, thread, authors, times, html=[])
    # services' renderer: the same Markdown and sanitiser; old mentions link but notify nobody
    plan.html = [services.render_post(body)[0] for body in plan.bodies]
    return plan


def _posts(plan: _Plan) -> list[Post]:
    return [
        Post(thread_id=plan.thread.id, number=number, author_id=author.id, body_source=body,
             body_html=html, created_at=when)
        for number, (author, body, html, when) in enumerate(
            zip(plan.authors, plan.bodies, plan.html, plan.times, strict=True), start=1)
    ]


def _finish(plan: _Plan) -> None:
    """Revisions, the accepted answer and follows for a thread whose posts have ids."""
    thread = plan.thread
    for post in plan.posts:
        db.session.add(PostRevision(
            post_id=post.id, number=1, editor_id=post.author_id, body_source=post.body_source,
            title=thread.title if post.number == 1 else None, created_at=post.created_at,
        ))
    accepted = [p for p, r in zip(plan.posts[1:], plan.record.replies, strict=True) if r.accepted]
    if accepted:
        thread.accepted_post_id = accepted[0].id  # the first reply marked accepted wins
    for author_id in dict.fromkeys(a.id for a in plan.authors if a.real):
        db.session.add(Subscription(user_id=author_id, thread_id=thread.id))


def _increment(column, counts: Counter) -> None:
    """Add to a counter column with one UPDATE per distinct amount, never loading rows."""
    model = column.class_
    by_amount: dict[int, list[int]] = {}
    for row_id, amount in counts.items():
        by_amount.setdefault(amount, []).append(row_id)
    for amount, ids in by_amount.items():
        db.session.execute(
            update(model).where(model.id.in_(ids)).values({column.key: column + amount})
            .execution_options(synchronize_session=False)
        )


def _build(items: list[tuple[ThreadRecord, int]], directory: _Directory) -> None:
    """Put a batch of threads, posts, revisions, counters and search records in the session."""
    plans = [_plan(record, directory, category_id) for record, category_id in items]
    db.session.add_all([plan.thread for plan in plans])
    db.session.flush()
    for plan in plans:
        plan.posts = _posts(plan)
        db.session.add_all(plan.posts)
    db.session.flush()
    for plan in plans:
        _finish(plan)
    db.session.flush()
    _increment(User.post_count, Counter(a.id for plan in plans for a in plan.authors))
    _increment(Category.thread_count, Counter(plan.thread.category_id for plan in plans))
    for plan in plans:
        search.record(db.session, "thread", plan.thread.id)


def _write(batch: list[tuple[ThreadRecord, int]], directory: _Directory,
           report: ImportReport) -> None:
    """Commit a batch at once; if the database refuses it, retry line by line."""
    try:
        _build(batch, directory)
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        directory.users.clear()  # placeholders created in the batch are gone
        if len(batch) == 1:
            report.errors.append((batch[0][0].line, f"could not be saved ({type(exc).__name__})"))
            return
        for item in batch:
            _write([item], directory, report)
        return
    report.threads += len(batch)
    report.replies += sum(len(record.replies) for record, _ in batch)
    search.after_commit(db.session)


# -- the use case ------------------------------------------------------------------------------
def import_lines(lines: Iterable[bytes | str], *, batch_size: int = BATCH_SIZE) -> ImportReport:
    """Import JSON Lines; bad lines land in report.errors, every good line is kept."""
    report, directory = ImportReport(), _Directory()
    pending: list[tuple[ThreadRecord, int]] = []
    for number, text in _decoded_lines(lines):
        item = _validated(number, text, directory, report)
        if item is not None:
            pending.append(item)
        if len(pending) >= batch_size:
            _write(pending, directory, report)
            pending = []
    if pending:
        _write(pending, directory, report)
    report.errors.sort()
    return report


def _validated(number: int, text: str | None, directory: _Directory,
               report: ImportReport) -> tuple[ThreadRecord, int] | None:
    """The line's record and category id, or None with the reason added to the report.

    Categories are resolved here, while no thread is pending: creating one commits.
    """
    try:
        if text is None:
            raise LineError("not valid UTF-8")
        record = parse_record(number, text)
        return record, directory.category_id(record.category)
    except LineError as exc:
        report.errors.append((number, str(exc)))
        return None


def import_file(path: str | Path, *, batch_size: int = BATCH_SIZE) -> ImportReport:
    """Import a .jsonl file; raises OSError if it cannot be opened or read."""
    with open(path, "rb") as handle:
        return import_lines(handle, batch_size=batch_size)
