"""Plain data shared by the similarity package: questions in, matches and clusters out."""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Question:
    """One question as the similarity code sees it: an id, a title and an optional body."""

    id: Hashable
    title: str
    body: str = ""


@dataclass(frozen=True)
class Match:
    """A suggested question: its id and a similarity score (higher is closer, at most 1)."""

    id: Hashable
    score: float


@dataclass(frozen=True)
class Cluster:
    """Questions that ask the same thing, most central first, with a clean title to show."""

    ids: tuple[Hashable, ...]
    suggested_title: str
    central_id: Hashable
    cohesion: float
    anchor_group: Hashable | None = None

    @property
    def size(self) -> int:
        """How many questions the cluster holds: the demand it shows."""
        return len(self.ids)


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 row vectors (one row per text)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; the result has shape (len(texts), dim)."""
        ...


QuestionLike = Question | tuple


def as_question(item: QuestionLike) -> Question:
    """Accept a Question or an (id, title[, body]) tuple so callers can pass plain data."""
    if isinstance(item, Question):
        return item
    if isinstance(item, tuple) and len(item) in (2, 3):
        return Question(item[0], item[1] or "", (item[2] if len(item) == 3 else "") or "")
    raise TypeError(f"expected Question or (id, title[, body]) tuple, got {item!r}")


def as_questions(items: Sequence[QuestionLike]) -> list[Question]:
    """Normalise a sequence of questions, refusing duplicate ids (they would be ambiguous)."""
    out = [as_question(item) for item in items]
    seen: set = set()
    for q in out:
        if q.id in seen:
            raise ValueError(f"duplicate question id {q.id!r}")
        seen.add(q.id)
    return out

