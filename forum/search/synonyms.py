"""The staff's synonym list: groups of words search treats as one ("router, hub, gateway").

Applied at query time (like Zendesk's and Algolia's synonym lists), so an edit works at once
and the index never needs rebuilding: each query word whose stem is in a group also matches
the group's other words. Each worker keeps the list for CACHE_SECONDS; the worker that saved
an edit forgets its copy at once.
"""
from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from forum.models import SearchSynonym, User, utcnow
from forum.search.analysis import parse_group
from forum.search.base import query_words
from forum.search.text import stem

EXTENSION = "parley.search.synonyms"
CACHE_SECONDS = 30.0
MAX_GROUPS = 2000


class SynonymError(ValueError):
    """A group staff typed that search cannot use; the message is for the form."""


def groups(session: Session) -> list[SearchSynonym]:
    """Every group, most recently changed first."""
    return list(session.scalars(
        select(SearchSynonym).order_by(SearchSynonym.updated_at.desc(), SearchSynonym.id.desc())
    ))


def for_query(session: Session, text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(query word, its synonyms) for each word of the query that is in a group."""
    by_stem = _by_stem(session)
    if not by_stem:
        return ()
    out = []
    for word in query_words(text):
        others = [w for w in by_stem.get(_stem(word), ()) if _stem(w) != _stem(word)]
        if others:
            out.append((word, tuple(others)))
    return tuple(out)


def expand_query(session: Session, text: str) -> str:
    """The text followed by its words' synonyms, for engines that take plain text (the
    knowledge base's suggestions): "router drops" -> "router drops hub gateway"."""
    extra = [w for _word, others in for_query(session, text) for w in others]
    return f"{text} {' '.join(dict.fromkeys(extra))}" if extra else text


def save_group(session: Session, text: str, *, actor: User,
               group: SearchSynonym | None = None) -> SearchSynonym:
    """Create or change a group from what staff typed; commits."""
    try:
        terms = parse_group(text)
    except ValueError as exc:
        raise SynonymError(str(exc)) from exc
    if group is None:
        if len(groups(session)) >= MAX_GROUPS:
            raise SynonymError(f"The list holds at most {MAX_GROUPS} groups.")
        group = SearchSynonym(terms="")
        session.add(group)
    group.terms, group.updated_at, group.updated_by_id = ",".join(terms), utcnow(), actor.id
    session.commit()
    forget()
    return group


def delete_group(session: Session, group: SearchSynonym, *, actor: User) -> None:
    """Remove a group; commits."""
    session.delete(group)
    session.commit()
    forget()


def forget() -> None:
    """Drop this worker's copy of the list (after an edit)."""
    current_app.extensions.pop(EXTENSION, None)


def _by_stem(session: Session) -> dict[str, tuple[str, ...]]:
    """Stem -> the words of its group, cached per app for CACHE_SECONDS."""
    cached = current_app.extensions.get(EXTENSION)
    now = time.monotonic()
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    by_stem: dict[str, tuple[str, ...]] = {}
    for (terms,) in session.execute(select(SearchSynonym.terms)):
        words = tuple(w for w in terms.split(",") if w)
        for word in words:
            stem = _stem(word)
            by_stem[stem] = tuple(dict.fromkeys(by_stem.get(stem, ()) + words))
    current_app.extensions[EXTENSION] = (now, by_stem)
    return by_stem


def _stem(word: str) -> str:
    return stem(word) or word  # a stop word in a group still stands for itself
