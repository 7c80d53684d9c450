"""A transactional outbox of mail: messages are rows written in the use case's own commit and
sent after it, by a thread in the worker (or right after the commit, in tests) and by
`flask mail send`. A worker claims rows in one UPDATE (FOR UPDATE SKIP LOCKED on PostgreSQL;
SQLite has one writer at a time), so two workers never send the same row; a failed send waits
with a growing back-off and is tried again; nothing queued is dropped.

Every notification of a kind in MAIL_KINDS becomes one queued mail for its person unless they
turned that kind off (or caused it themselves). The mail is written when it is sent, from the
notification, thread and post as they are then: a post hidden in between is not mailed.
A feature gets its mail by adding the notification (services.add_notice) in its use case;
one that inserts notifications with a Core INSERT calls queue_notifications(<same rows>).
"""
from __future__ import annotations

import os
import secrets
import threading
from collections import Counter
from datetime import timedelta

import click
from flask import Flask, current_app, has_app_context
from flask.cli import AppGroup
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from forum import mail
from forum.extensions import db
from forum.models import (
    MailOptOut,
    MailOutbox,
    MailStatus,
    Notification,
    NotificationKind,
    User,
    utcnow,
)

K = NotificationKind
CUSTOMER_KINDS = (K.REPLY, K.MENTION, K.ACCEPTED, K.CASE_REPLY, K.CASE_OPENED)
STAFF_KINDS = (K.ASSIGNED, K.CUSTOMER_REPLIED, K.TARGET_DUE, K.CASE_OPENED)
MAIL_KINDS = frozenset(CUSTOMER_KINDS + STAFF_KINDS)
# What the settings page calls each kind, and why a mail of that kind was sent.
LABELS = {
    K.REPLY: "Replies in threads I follow",
    K.MENTION: "Someone mentions me",
    K.ACCEPTED: "My answer is accepted",
    K.CASE_REPLY: "New messages in my private cases",
    K.CASE_OPENED: "A private case is opened",
    K.ASSIGNED: "A thread is assigned to me",
    K.CUSTOMER_REPLIED: "The customer replies in a thread assigned to me",
    K.TARGET_DUE: "A thread assigned to me is about to miss its response target",
}
WHY = {
    K.REPLY: "you follow this thread",
    K.MENTION: "you were mentioned",
    K.ACCEPTED: "you wrote the answer",
    K.CASE_REPLY: "this is a private case of yours",
    K.CASE_OPENED: "a private case was opened that concerns you",
    K.ASSIGNED: "the thread was assigned to you",
    K.CUSTOMER_REPLIED: "the thread is assigned to you",
    K.TARGET_DUE: "the thread is assigned to you",
}
# ASCII quotes: a subject of ASCII words needs no RFC 2047 encoding (nor its folding)
SUBJECTS = {
    K.REPLY: 'New reply in "{title}"',
    K.MENTION: '{actor} mentioned you in "{title}"',
    K.ACCEPTED: 'Your answer in "{title}" was accepted',
    K.CASE_REPLY: 'New message in your case "{title}"',
    K.CASE_OPENED: 'Private case opened: "{title}"',
    K.ASSIGNED: 'Assigned to you: "{title}"',
    K.CUSTOMER_REPLIED: 'The customer replied in "{title}"',
    K.TARGET_DUE: 'Response target about to be missed: "{title}"',
}
EXCERPT_KINDS = frozenset({K.REPLY, K.MENTION, K.ACCEPTED})  # public posts only
EXCERPT_CHARS = 300
BATCH = 50
DUE_FLAG = "parley.mail_due"
_SALT = "mail-unsubscribe"


def kinds_for(user: User) -> tuple[NotificationKind, ...]:
    """The kinds of mail a person can get (and so turn off): staff get the workspace's too."""
    if user.is_staff_side:
        return tuple(dict.fromkeys(CUSTOMER_KINDS + STAFF_KINDS))
    return CUSTOMER_KINDS


def opted_out(user_id: int, session=None) -> set[NotificationKind]:
    """The kinds a person turned off."""
    session = session or db.session
    return set(session.scalars(select(MailOptOut.kind).where(MailOptOut.user_id == user_id)))


# -- queueing (inside the caller's transaction) ------------------------------------------------
def queue(to: str, subject: str, body: str, *, user_id: int | None = None,
          kind: str = "") -> None:
    """Queue a message with its own text (a password reset); sent after the caller commits."""
    db.session.add(MailOutbox(to_address=to, subject=subject, body=body, user_id=user_id,
                              kind=str(kind)))


def queue_notifications(*where, session=None) -> int:
    """Queue one mail per matching notification in one INSERT ... SELECT (however many
    followers a thread has): mail-enabled kinds only, never to whoever caused it, never to
    someone who turned the kind off, never twice for one notification."""
    now = utcnow()
    c = MailOutbox.__table__.c
    rows = select(
        Notification.user_id, Notification.id, Notification.kind, User.email,
        literal(MailStatus.PENDING, c.status.type), literal(now, c.next_attempt_at.type),
        literal(now, c.created_at.type),
    ).join(User, User.id == Notification.user_id).where(
        *where,
        Notification.kind.in_(MAIL_KINDS),
        User.is_placeholder.is_(False),
        or_(Notification.actor_id.is_(None), Notification.actor_id != Notification.user_id),
        ~exists().where(MailOptOut.user_id == Notification.user_id,
                        MailOptOut.kind == Notification.kind),
        ~exists().where(MailOutbox.notification_id == Notification.id),
    )
    stmt = insert(MailOutbox.__table__).from_select(
        ["user_id", "notification_id", "kind", "to_address", "status", "next_attempt_at",
         "created_at"], rows)
    session = session or db.session()
    added = session.connection().execute(stmt).rowcount or 0
    if added:
        session.info[DUE_FLAG] = True
    return added


def _after_flush(session, _flush_context) -> None:
    """Notifications added as objects (by any feature) are queued in the same flush."""
    ids = [obj.id for obj in session.new
           if isinstance(obj, Notification) and obj.kind in MAIL_KINDS]
    if any(isinstance(obj, MailOutbox) for obj in session.new):
        session.info[DUE_FLAG] = True
    if ids:
        queue_notifications(Notification.id.in_(ids), session=session)


def _after_commit(session) -> None:
    """Once mail is committed, have it sent (never inside the transaction that queued it)."""
    if session.info.pop(DUE_FLAG, False) and has_app_context():
        kick(current_app._get_current_object())


def _after_rollback(session) -> None:
    session.info.pop(DUE_FLAG, None)


def kick(app: Flask) -> None:
    """Send what is due: wake this worker's sending thread, or send here and now."""
    if app.config["MAIL_SEND_IN_BACKGROUND"]:
        sender(app).wake()
        return
    try:
        drain(app)
    except Exception:  # noqa: BLE001 - the queued rows stay; the next drain sends them
        app.logger.exception("sending queued mail failed; it stays queued")


# -- sending -------------------------------------------------------------------------------------
def drain(app: Flask | None = None, *, limit: int | None = None) -> Counter:
    """Claim and send due mail in batches until none is due (or `limit` were handled);
    returns how many were sent, retried, failed and skipped."""
    app = app or current_app._get_current_object()
    totals: Counter = Counter()
    with app.test_request_context("/"), Session(db.engine, expire_on_commit=False) as session:
        while limit is None or totals.total() < limit:
            size = BATCH if limit is None else min(BATCH, limit - totals.total())
            rows = claim(session, size)
            if not rows:
                break
            _send_batch(session, rows, totals)
    return totals


def claim(session: Session, limit: int = BATCH) -> list[MailOutbox]:
    """Atomically take up to `limit` due rows for this caller alone (committed at once)."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    due = or_(and_(MailOutbox.status == MailStatus.PENDING, MailOutbox.next_attempt_at <= now),
              and_(MailOutbox.status == MailStatus.SENDING, MailOutbox.claimed_at < stale))
    token = secrets.token_hex(16)
    ids = (select(MailOutbox.id).where(due).order_by(MailOutbox.id).limit(limit)
           .with_for_update(skip_locked=True))
    if session.get_bind().dialect.name == "postgresql":
        # lock the rows first (skipping those another worker holds): a LIMIT inside the
        # UPDATE's IN (...) may be rescanned there and claim more than `limit`
        picked = session.scalars(ids).all()
        if not picked:
            session.commit()
            return []
        chosen = MailOutbox.id.in_(picked)
    else:  # SQLite: one writer at a time, so the one statement is the claim
        chosen = MailOutbox.id.in_(ids.scalar_subquery())
    # `due` again: a row another worker claimed meanwhile is not taken
    session.execute(
        update(MailOutbox).where(chosen, due)
        .values(status=MailStatus.SENDING, claim_token=token, claimed_at=now,
                attempts=MailOutbox.attempts + 1)
        .execution_options(synchronize_session=False))
    session.commit()
    return list(session.scalars(
        select(MailOutbox).where(MailOutbox.claim_token == token).order_by(MailOutbox.id)))


def _send_batch(session: Session, rows: list[MailOutbox], totals: Counter) -> None:
    from forum import mail_compose

    outgoing = []
    for row in rows:
        try:
            message = mail_compose.compose(session, row)
        except Exception as exc:  # noqa: BLE001 - a bad row waits (logged), the rest go
            current_app.logger.exception("mail %s could not be written", row.id)
            _retry(session, row, exc, totals)
            continue
        if message is None:
            _settle(session, row, MailStatus.SKIPPED, totals)
        else:
            outgoing.append((row, message))
    if not outgoing:
        return
    try:
        connection = mail.mailman.get_connection()
        connection.open()
    except Exception as exc:  # noqa: BLE001 - SMTP down: every row waits for a retry
        for row, _message in outgoing:
            _retry(session, row, exc, totals)
        return
    try:
        for row, message in outgoing:
            _send_one(session, connection, row, message, totals)
    finally:
        _close(connection)


def _send_one(session: Session, connection, row: MailOutbox, message, totals: Counter) -> None:
    try:
        connection.send_messages([message])
    except Exception as exc:  # noqa: BLE001 - any failure is retried later
        _retry(session, row, exc, totals)
    else:
        row.to_address, row.subject, row.body = message.to[0], message.subject, message.body
        _settle(session, row, MailStatus.SENT, totals)


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - the messages are sent; a rude goodbye changes nothing
        current_app.logger.info("SMTP connection did not close cleanly")


def _mine(row: MailOutbox):
    """Only the claim holder may settle a row (a stale claim taken over is no longer ours)."""
    return update(MailOutbox).where(MailOutbox.id == row.id,
                                    MailOutbox.claim_token == row.claim_token)


def _settle(session: Session, row: MailOutbox, status: MailStatus, totals: Counter) -> None:
    values = {"status": status, "claim_token": None, "last_error": ""}
    if status is MailStatus.SENT:
        values.update(sent_at=utcnow(), to_address=row.to_address, subject=row.subject[:300],
                      body=row.body)
    session.execute(_mine(row).values(**values).execution_options(synchronize_session=False))
    session.commit()  # each outcome at once: a crash later cannot send this row again
    totals[status.value] += 1


def _retry(session: Session, row: MailOutbox, exc: Exception, totals: Counter) -> None:
    config = current_app.config
    wait = min(config["MAIL_RETRY_SECONDS"] * 2 ** max(row.attempts - 1, 0),
               config["MAIL_RETRY_MAX_SECONDS"])
    failed = row.attempts >= config["MAIL_MAX_ATTEMPTS"]
    status = MailStatus.FAILED if failed else MailStatus.PENDING
    current_app.logger.warning("mail %s to user %s not sent (try %s): %s", row.id, row.user_id,
                               row.attempts, exc)
    session.execute(_mine(row).values(
        status=status, claim_token=None, last_error=f"{type(exc).__name__}: {exc}"[:500],
        next_attempt_at=utcnow() + timedelta(seconds=wait),
    ).execution_options(synchronize_session=False))
    session.commit()
    totals["failed" if failed else "retry"] += 1


# -- unsubscribing -------------------------------------------------------------------------------
def unsubscribe_token(user_id: int, kind: NotificationKind) -> str:
    """A signed, never-expiring token naming a person and one kind of mail."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).dumps(
        {"u": user_id, "k": str(kind)})


def read_unsubscribe_token(token: str) -> tuple[int, NotificationKind] | None:
    """The person and kind a token names, or None when it is forged or unreadable."""
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).loads(token)
        return int(data["u"]), NotificationKind(data["k"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


# -- the worker's sending thread ------------------------------------------------------------------
class Sender:
    """One daemon thread per worker process: woken after a commit that queued mail, and
    every MAIL_POLL_SECONDS for retries and mail queued by other processes."""

    def __init__(self, app: Flask):
        self.app = app
        self.wakeup = threading.Event()
        self.thread: threading.Thread | None = None
        self.pid: int | None = None
        self.stopping = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the thread unless this process already runs it (a fork gets its own)."""
        with self._lock:
            if self.stopping:
                return
            if self.thread is not None and self.thread.is_alive() and self.pid == os.getpid():
                return
            self.pid = os.getpid()
            self.thread = threading.Thread(target=self._run, name="parley-mail", daemon=True)
            self.thread.start()

    def wake(self) -> None:
        """Have the thread look at the queue now."""
        self.start()
        self.wakeup.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the current drain and end the thread (tests; a worker just exits)."""
        self.stopping = True
        self.wakeup.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self) -> None:
        while not self.stopping:
            self.wakeup.wait(timeout=self.app.config["MAIL_POLL_SECONDS"])
            self.wakeup.clear()
            if self.stopping:
                return
            try:
                drain(self.app)
            except Exception:  # noqa: BLE001 - e.g. the database is down: try again later
                self.app.logger.exception("sending queued mail failed; trying again later")


def sender(app: Flask) -> Sender:
    """This app's sending thread (made on first use)."""
    return app.extensions.setdefault("parley.mail_sender", Sender(app))


# -- wiring ----------------------------------------------------------------------------------
mail_cli = AppGroup("mail", help="The outgoing mail queue.")


@mail_cli.command("send")
@click.option("--retry-failed", is_flag=True, help="First put failed mail back in the queue.")
def send_command(retry_failed: bool) -> None:
    """Send every message that is due now (for cron, or when no worker runs)."""
    if retry_failed:
        db.session.execute(update(MailOutbox).where(MailOutbox.status == MailStatus.FAILED)
                           .values(status=MailStatus.PENDING, attempts=0,
                                   next_attempt_at=utcnow()))
        db.session.commit()
    totals = drain(current_app._get_current_object())
    click.echo(", ".join(f"{totals[k]} {k}" for k in ("sent", "retry", "failed", "skipped")))


@mail_cli.command("status")
def status_command() -> None:
    """How many messages are in each state."""
    counts = dict(db.session.execute(
        select(MailOutbox.status, func.count()).group_by(MailOutbox.status)).all())
    click.echo(", ".join(f"{counts.get(s, 0)} {s.value}" for s in MailStatus))


def init_app(app: Flask) -> None:
    """Bind Flask-Mailman, the `flask mail` commands and (when sending in the background)
    the worker's sending thread, started with its first request."""
    mail.init_app(app)
    app.cli.add_command(mail_cli)
    if app.config["MAIL_SEND_IN_BACKGROUND"]:
        app.before_request(lambda: sender(app).start())


def _listen() -> None:
    from flask_sqlalchemy.session import Session as FlaskSession
    from sqlalchemy import event

    event.listen(FlaskSession, "after_flush", _after_flush)
    event.listen(FlaskSession, "after_commit", _after_commit)
    event.listen(FlaskSession, "after_rollback", _after_rollback)


_listen()
