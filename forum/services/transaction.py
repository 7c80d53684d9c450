"""One commit per use case, with search told of the threads it changed."""
from __future__ import annotations

from forum import search, signals
from forum.extensions import db
from forum.models import Thread


def commit(*threads: Thread) -> None:
    """Record search changes in the transaction, commit once, then let search catch up and
    send the signals the use case queued."""
    db.session.flush()
    for thread in threads:
        search.record(db.session, "thread", thread.id)
    pending = signals.take_pending()
    db.session.commit()
    if threads:
        search.after_commit(db.session)
    signals.send_pending(pending)
