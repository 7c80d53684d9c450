"""The engine's inputs and outputs as plain dataclasses: no framework, easy to build in tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from .text import extract_links


class Kind(StrEnum):
    """What the author is doing: starting a thread, replying, or editing a post."""

    NEW_THREAD = "new_thread"
    REPLY = "reply"
    EDIT = "edit"


class Action(StrEnum):
    """The engine's decision, from the mildest to the strictest."""

    PUBLISH = "publish"
    PUBLISH_REDACTED = "publish_redacted"
    HOLD = "hold"
    REJECT = "reject"

    @property
    def severity(self) -> int:
        """Order of strictness: the strictest action among the rules hit wins."""
        return _SEVERITY[self]

    @property
    def published(self) -> bool:
        """True when readers will see the submission right away."""
        return self in (Action.PUBLISH, Action.PUBLISH_REDACTED)


_SEVERITY = {Action.PUBLISH: 0, Action.PUBLISH_REDACTED: 1, Action.HOLD: 2, Action.REJECT: 3}


def as_utc(moment: datetime | None) -> datetime:
    """A timezone-aware UTC datetime; naive values are taken to be UTC already."""
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class ThreadContext:
    """The thread a reply or edit belongs to; participants' names help spot personal attacks."""

    thread_id: int | str | None = None
    title: str = ""
    category: str = ""
    participants: tuple[str, ...] = ()


@dataclass(frozen=True)
class Submission:
    """A new thread, reply or edit as typed by the author (Markdown source)."""

    body: str
    title: str = ""
    kind: Kind = Kind.REPLY
    links: tuple[str, ...] | None = None
    thread: ThreadContext | None = None
    submitted_at: datetime | None = None
    post_id: int | str | None = None  # the post an edit or resubmission changes

    def __post_init__(self) -> None:
        if self.links is None:
            object.__setattr__(self, "links", extract_links(f"{self.title}\n{self.body}"))
        object.__setattr__(self, "kind", Kind(self.kind))

    @property
    def text(self) -> str:
        """Title and body together, as the checks read them."""
        return f"{self.title}\n{self.body}" if self.title else self.body


@dataclass(frozen=True)
class RecentSubmission:
    """One of the author's recent submissions, for posting rate and repeated text."""

    text: str
    at: datetime
    thread_id: int | str | None = None
    post_id: int | str | None = None


@dataclass(frozen=True)
class AuthorFacts:
    """What the forum knows about the author when they submit."""

    author_id: int | str | None = None
    trust_level: int = 0
    account_age_days: float = 0.0
    post_count: int = 0
    recent_submissions: tuple[RecentSubmission, ...] = ()
    past_sanctions: int = 0
    is_staff: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        if not 0 <= int(self.trust_level) <= 4:
            raise ValueError("trust_level must be between 0 and 4")

    @property
    def is_new(self) -> bool:
        """A first post by a brand-new account: scored more strictly."""
        return self.trust_level == 0 and self.post_count == 0


@dataclass(frozen=True)
class Redaction:
    """One piece of private data removed before publication (the value itself is not kept)."""

    kind: str
    field: str
    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class RuleHit:
    """A published rule the submission breaks (or, for protective rules, is protected by)."""

    rule: str
    check: str
    score: float
    action: Action
    reason: str


@dataclass(frozen=True)
class Verdict:
    """The engine's answer: what to do, which rules, the scores, and what to tell the author."""

    action: Action
    hits: tuple[RuleHit, ...]
    scores: dict[str, float]
    title: str
    body: str
    explanation: str
    offer_private_followup: bool = False
    redactions: tuple[Redaction, ...] = ()
    protected_by: tuple[str, ...] = ()
    ruleset_version: int = 0
    model_version: int | None = None
    details: dict = field(default_factory=dict)

    @property
    def rules(self) -> list[str]:
        """The codes of the rules hit, each once, in rule order."""
        return sorted({h.rule for h in self.hits}, key=_rule_sort_key)

    @property
    def published(self) -> bool:
        """True when the submission goes live now (possibly redacted)."""
        return self.action.published

    def to_dict(self) -> dict:
        """A JSON-ready view for logs, the review queue and the dry-run."""
        return {
            "action": self.action.value, "rules": self.rules, "title": self.title,
            "body": self.body, "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "explanation": self.explanation,
            "offer_private_followup": self.offer_private_followup,
            "hits": [{"rule": h.rule, "check": h.check, "score": round(h.score, 4),
                      "action": h.action.value, "reason": h.reason} for h in self.hits],
            "redactions": [{"kind": r.kind, "field": r.field} for r in self.redactions],
            "protected_by": list(self.protected_by), "ruleset_version": self.ruleset_version,
            "model_version": self.model_version,
        }


def _rule_sort_key(code: str) -> tuple[int, str]:
    """R2 before R10; codes without a number sort after numbered ones."""
    digits = "".join(ch for ch in code if ch.isdigit())
    return (int(digits) if digits else 10**6, code)
