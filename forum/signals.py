"""Signals the forum sends so features built on it can listen without the forum importing
them (the knowledge base logs searches, adds help articles to the results page and writes
the demo community's help articles).

Receivers get the app as sender; they must not raise for the person searching. Signals about
changes are queued inside the use case (send_after_commit) and sent once it has committed.
"""
from __future__ import annotations

import logging

from blinker import NamedSignal, Namespace
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from forum.extensions import db

_signals = Namespace()

#: The search page ran a query: kwargs query (SearchQuery, already cleaned) and result
#: (SearchPage). Sent once per results page, only when the query had words to search for.
search_ran = _signals.signal("parley.search-ran")

#: The demo community was just created (`flask forum seed-demo`): kwargs people (username ->
#: User), categories (name -> Category) and threads (title -> Thread). A receiver adds its own
#: demo content through its services and returns a short phrase for the summary line
#: ("3 help articles"), or "" when it added nothing.
demo_seeded = _signals.signal("parley.demo-seeded")

#: A thread became public for the first time (asked and published, or a held question
#: approved): kwargs thread. Sent after the change is committed.
thread_published = _signals.signal("parley.thread-published")

#: A post became public: kwargs post. Sent after the change is committed, for a question's
#: opening post (number 1) when its thread is first published and for a reply each time it
#: becomes public (a reply hidden by members' flags and then restored is sent again).
post_published = _signals.signal("parley.post-published")

#: A reply was accepted as a thread's answer: kwargs thread and post (the answer). Sent after
#: the change is committed.
thread_solved = _signals.signal("parley.thread-solved")

#: A post is going public inside a use case, before its commit (a new thread's question, a
#: reply, or a held reply approved): kwargs post. A receiver may add rows (a notification) to
#: the same transaction, so they commit or roll back with the post; it must not commit.
#: post_published is sent for the same post once the change is committed.
post_going_public = _signals.signal("parley.post-going-public")

_PENDING = "parley.signals.pending"
log = logging.getLogger(__name__)


def send_after_commit(signal: NamedSignal, **kwargs) -> None:
    """Queue a signal inside a use case: forum.services.transaction.commit sends it once the
    change is committed, and a rollback drops it, so receivers never hear of unsaved work."""
    db.session.info.setdefault(_PENDING, []).append((signal, kwargs))


def take_pending() -> list:
    """The signals the use case queued, taken just before it commits (what runs after the
    commit, search's catch-up for one, may roll the session back)."""
    return db.session.info.pop(_PENDING, [])


def send_pending(pending: list) -> None:
    """Send what a committed use case queued; a failing receiver is logged, never turned
    into an error for the person whose change is already saved."""
    app = current_app._get_current_object()
    for signal, kwargs in pending:
        try:
            signal.send(app, **kwargs)
        except Exception:  # noqa: BLE001 - the change is committed; the receiver's own bug
            log.exception("a receiver of %s failed", signal.name)
            db.session.rollback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    """A rolled-back use case's signals are never sent (a savepoint's rollback keeps them)."""
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)
