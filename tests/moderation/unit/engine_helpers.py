"""Helpers shared by the moderation engine tests (imported by name: no package here)."""
from __future__ import annotations

import json
from pathlib import Path

from moderation.engine.model import SPAM, ModelBundle, train_bundle

DATA = Path(__file__).parent / "data"


def load_set(name: str) -> dict:
    """One of the hand-written test sets in tests/moderation/unit/data."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class FakeModel:
    """Stands in for a ModelBundle where a test needs fixed classifier scores."""

    version = 7
    known_words = frozenset()

    def __init__(self, spam: float = 0.0, abuse: float = 0.0):
        self.spam, self.abuse = spam, abuse

    def scores(self, text: str, *, short=()) -> dict[str, float]:
        return {"spam.classifier": self.spam, "abuse.classifier": self.abuse}


SMALL_SPAM = [("win a free prize call now", 1), ("cheap watches buy now at our shop", 1),
              ("claim your cash reward today", 1), ("free ringtones text WIN to 80086", 1),
              ("how do I reset my router", 0), ("my bill is wrong this month", 0),
              ("thanks that fixed it", 0), ("the app keeps logging me out", 0)] * 3


def small_bundle(extra: list[tuple[str, int]] = (), version: int = 1) -> ModelBundle:
    """A bundle whose spam head is trained in well under a second (no abuse heads)."""
    return train_bundle({SPAM: SMALL_SPAM + list(extra) * 3}, version=version, min_df=1)
