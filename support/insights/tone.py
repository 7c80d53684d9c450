"""An approximate tone measure for customer posts: does a post read as negative or urgent?

A small, fixed lexicon of phrases customers use when something is wrong or pressing (outage,
refund, cancel, legal, "third time", "unacceptable" ...). A post "reads negative/urgent" when
its lowercased text contains any of them as a substring. That is all: no sarcasm, no
negation ("not angry" counts), no context. It is meant for a trend (the share of such posts per
week going up or down), never for judging one post or one person. Criticism of the brand is
allowed in the community; this only tells staff where frustration is growing.

The same phrases are matched in Python (`reads_negative`) and in SQL (`negative_condition`),
so the dashboard counts in the database and tests can check both agree.
"""
from __future__ import annotations

import sqlalchemy as sa

# Lowercase substrings. Kept short and specific: each was chosen because it rarely appears in
# a calm question. Word stems ("frustrat") catch frustrated/frustrating.
LEXICON: tuple[str, ...] = (
    "outage", "went down", "not working", "doesn't work", "doesn’t work", "does not work",
    "stopped working", "broken", "refund", "cancel", "chargeback", "lawyer", "legal action",
    "sue you", "small claims", "third time", "3rd time", "again and again", "still waiting",
    "no one has", "nobody has", "urgent", "asap", "immediately", "emergency", "unacceptable",
    "ridiculous", "disgusting", "terrible", "awful", "worst", "useless", "furious", "angry",
    "frustrat", "disappointed", "fed up", "sick of", "waste of", "scam", "rip off", "ripoff",
)


def reads_negative(text: str) -> bool:
    """True when the text contains any lexicon phrase (case-insensitive substring)."""
    lowered = (text or "").lower()
    return any(phrase in lowered for phrase in LEXICON)


def matched_phrases(text: str) -> list[str]:
    """The lexicon phrases found in a text, for explaining the measure on the page."""
    lowered = (text or "").lower()
    return [phrase for phrase in LEXICON if phrase in lowered]


def _like_escape(phrase: str) -> str:
    return phrase.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _regex_escape(phrase: str) -> str:
    return "".join(ch if ch.isalnum() or ch == " " else "\\" + ch for ch in phrase)


def negative_condition(column, dialect: str = "sqlite") -> sa.ColumnElement[bool]:
    """The SQL form of reads_negative over a text column. PostgreSQL: one case-insensitive
    regular expression (a single pass over the text); elsewhere a LIKE per phrase (SQLite's
    LIKE ignores ASCII case, and every phrase's letters are ASCII)."""
    if dialect == "postgresql":
        return column.op("~*")("(" + "|".join(_regex_escape(p) for p in LEXICON) + ")")
    return sa.or_(*(column.like(f"%{_like_escape(p)}%", escape="\\") for p in LEXICON))
