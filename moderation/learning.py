"""What the classifiers learn from moderators (Akismet's submit_spam / submit_ham, for spam
and abuse alike). One example per task, normalised text and author, so a flood of one text is
one example and a later decision on the same text replaces the earlier one. Rows join the
caller's transaction; moderation/services.py commits."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import select

from forum.extensions import db
from forum.models import User, utcnow
from moderation.engine.pii import mask_payment_numbers
from moderation.models import TrainingExample, TrainingTask

RULE_TASKS = {"R1": TrainingTask.ABUSE, "R2": TrainingTask.SPAM, "R3": TrainingTask.SPAM}


def text_hash(text: str) -> str:
    """The dedupe key of a text: case, Unicode forms and spacing do not make a new text."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return hashlib.sha256(re.sub(r"\s+", " ", folded).strip().encode("utf-8")).hexdigest()


def tasks_for(rules: Iterable[str | None]) -> dict[TrainingTask, str]:
    """The classifiers a decision under these rules teaches, each with the rule that chose it
    (R1 abuse; R2 spam, R3 scams: spam). Other rules (private data, off topic) teach none."""
    out: dict[TrainingTask, str] = {}
    for rule in rules:
        task = RULE_TASKS.get(rule or "")
        if task is not None:
            out.setdefault(task, rule)
    return out


def record(text: str, *, task: TrainingTask, label: bool, author_id: int | None,
           rule: str | None, decided_by: User | None,
           review_item_id: int | None = None) -> TrainingExample:
    """Store (or overwrite) the example for this task, text and author."""
    text = mask_payment_numbers(text or "")
    key = text_hash(text)
    row = db.session.scalar(select(TrainingExample).where(
        TrainingExample.task == task, TrainingExample.text_hash == key,
        TrainingExample.author_id.is_(None) if author_id is None
        else TrainingExample.author_id == author_id,
    ))
    if row is None:
        row = TrainingExample(task=task, text=text, text_hash=key, author_id=author_id)
        db.session.add(row)
    row.text, row.label, row.rule = text, label, rule
    row.decided_by_id = decided_by.id if decided_by is not None else None
    row.review_item_id, row.decided_at = review_item_id, utcnow()
    return row


def examples(task: TrainingTask) -> list[tuple[str, int]]:
    """(text, 1 = must not be published / 0 = fine) pairs for one classifier, oldest first."""
    rows = db.session.execute(
        select(TrainingExample.text, TrainingExample.label)
        .where(TrainingExample.task == task).order_by(TrainingExample.id)
    ).all()
    return [(text, int(label)) for text, label in rows]
