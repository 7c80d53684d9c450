"""The staff inbox's priority score: a small pure scorer (no Flask, no database) that turns
what is known about a waiting thread into a number and the reasons for it, so staff see why a
thread is near the top, not just that it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Words and phrases that say a customer is hurting, angry or about to leave. Stems with \w*
# catch "cancelled", "refunds", "lawyers"; "down" only where a service is down (not "download"
# or "scroll down").
URGENT_PATTERNS: tuple[tuple[str, str], ...] = (
    ("outage", r"\boutages?\b"),
    ("down", r"\b(?:is|are|was|were|went|been|still|all|completely|totally|service|site|"
             r"app|network|internet|server|servers)\s+down\b|\bdown\s+again\b"),
    ("cancel", r"\bcancel\w*"),
    ("refund", r"\brefund\w*"),
    ("chargeback", r"\bcharge-?backs?\b"),
    ("legal", r"\blegal\w*|\bsu(?:e|ing)\b"),
    ("lawyer", r"\b(?:lawyers?|attorneys?|solicitors?)\b"),
    ("third time", r"\b(?:third|3rd|fourth|4th|fifth|5th)\s+time\b"),
    ("still not fixed", r"\bstill\s+(?:not|isn'?t|hasn'?t been)\s+(?:fixed|working|"
                        r"resolved|sorted)\b"),
    ("not working", r"\b(?:not|stopped)\s+working\b"),
    ("urgent", r"\b(?:urgent\w*|asap|emergency)\b"),
    ("data loss", r"\b(?:lost|losing)\s+(?:all\s+)?(?:my\s+)?(?:data|files|photos)\b"),
    ("angry", r"\b(?:unacceptable|ridiculous|terrible|worst|furious|disgusted|"
              r"fed up|angry|appalling|useless)\b"),
)
# Each pattern runs only when one of its plain words is in the lowered text (a substring
# test in C), so a calm post costs a few `in` checks rather than thirteen regex scans.
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "outage": ("outage",), "down": ("down",), "cancel": ("cancel",), "refund": ("refund",),
    "chargeback": ("charge",), "legal": ("legal", "sue", "suing"),
    "lawyer": ("lawyer", "attorney", "solicitor"),
    "third time": ("time",), "still not fixed": ("still",),
    "not working": ("working",), "urgent": ("urgent", "asap", "emergency"),
    "data loss": ("lost", "losing"),
    "angry": ("unacceptable", "ridiculous", "terrible", "worst", "furious", "disgusted",
              "fed up", "angry", "appalling", "useless"),
}
_COMPILED = tuple((label, _TRIGGERS[label], re.compile(pattern, re.IGNORECASE))
                  for label, pattern in URGENT_PATTERNS)
TONE_CHARS = 4000  # the start of a long post says enough about its tone

PAST_TARGET = 50  # past a target outranks everything else
CLOSE_TO_TARGET = 25
FIRST_TIME = 15
TONE_EACH, TONE_MAX = 10, 30
FLAG_EACH, FLAG_MAX = 5, 15
REACH_SOME, REACH_HIGH = 10, 50  # followers + 3 x accepted answers + helpful votes
CLOSE_SHARE, CLOSE_FLOOR = 0.25, 15  # "close": a quarter of the target left, at least 15 min


def tone(text: str) -> list[str]:
    """The urgent or negative words and phrases found in text, in a fixed order."""
    text = (text or "")[:TONE_CHARS]
    lowered = text.lower()
    return [label for label, words, pattern in _COMPILED
            if any(word in lowered for word in words) and pattern.search(text)]


@dataclass(frozen=True)
class Facts:
    """What the scorer is told about one waiting thread."""

    minutes_left: float | None  # business minutes left on the current target (< 0: past it)
    target_minutes: int = 60
    target_name: str = "first response"
    first_time_poster: bool = False
    text: str = ""  # the title and the customer's latest words
    followers: int = 0  # people following the author's threads (others than the author)
    accepted_answers: int = 0
    helpful_votes: int = 0
    open_flags: int = 0
    tone_words: tuple[str, ...] | None = None  # tone(text) worked out already (a cache)


@dataclass(frozen=True)
class Priority:
    """A score (higher first) and the reasons for it, for a person to read."""

    score: float
    reasons: list[str] = field(default_factory=list)
    overdue: bool = False
    close: bool = False


def duration(minutes: float) -> str:
    """'12 min', '3 h 5 min', '2 d 4 h': short enough for an inbox row."""
    minutes = int(round(abs(minutes)))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def _time_part(facts: Facts) -> tuple[float, str | None, bool, bool]:
    left = facts.minutes_left
    if left is None:
        return 0.0, None, False, False
    if left <= 0:
        late = min(20.0, -left / max(facts.target_minutes, 1) * 10)
        return PAST_TARGET + late, f"past {facts.target_name} target by {duration(left)}", \
            True, False
    if left <= max(CLOSE_FLOOR, facts.target_minutes * CLOSE_SHARE):
        return CLOSE_TO_TARGET, f"{facts.target_name} due in {duration(left)}", False, True
    return 0.0, None, False, False


def _reach_part(facts: Facts) -> tuple[float, str | None]:
    reach = facts.followers + 3 * facts.accepted_answers + facts.helpful_votes
    if reach < REACH_SOME:
        return 0.0, None
    bits = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in (
        (facts.followers, "follower"), (facts.accepted_answers, "accepted answer"),
        (facts.helpful_votes, "helpful vote")) if n]
    return (20.0 if reach >= REACH_HIGH else 10.0), "reach: " + ", ".join(bits)


def score(facts: Facts) -> Priority:
    """The priority of a waiting thread and why: time against its target, a first-time
    poster, urgent or negative tone, the author's reach, open flags."""
    points, reasons = 0.0, []
    timed, reason, overdue, close = _time_part(facts)
    points += timed
    reasons += [reason] if reason else []
    if facts.first_time_poster:
        points += FIRST_TIME
        reasons.append("first-time poster")
    words = facts.tone_words if facts.tone_words is not None else tone(facts.text)
    if words:
        points += min(TONE_MAX, TONE_EACH * len(words))
        reasons.append("urgent tone: " + ", ".join(words))
    reach, reason = _reach_part(facts)
    points += reach
    reasons += [reason] if reason else []
    if facts.open_flags:
        points += min(FLAG_MAX, FLAG_EACH * facts.open_flags)
        reasons.append(f"{facts.open_flags} open flag{'s' if facts.open_flags != 1 else ''}")
    return Priority(round(points, 1), reasons, overdue, close)
