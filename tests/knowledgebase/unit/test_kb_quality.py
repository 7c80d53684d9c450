"""Quality on real labelled data (BANKING77) stays above a bar; figures in bench/README.md."""
import csv
import os
from pathlib import Path

import numpy as np
import pytest

from knowledgebase.evaluate import pairwise_scores
from knowledgebase.similarity import Question, SuggestionIndex, cluster_questions

REPO = Path(__file__).resolve().parents[3]


def _data_dir() -> Path:
    for candidate in (os.environ.get("PARLEY_DATA"), REPO.parent / "shared" / "data",
                      "/work/shared/data"):
        if candidate and (Path(candidate) / "intents").is_dir():
            return Path(candidate)
    pytest.fail("BANKING77 not found: put shared/data beside the checkout or set PARLEY_DATA")


def _split(name: str) -> tuple[list[str], list[str]]:
    path = _data_dir() / "intents" / f"banking77_{name}.csv"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["category"] for r in rows]


@pytest.fixture(scope="module")
def banking():
    return _split("train"), _split("test")


def test_suggestions_banking77_sample_recall_at_5_above_bar(banking):
    (train_x, train_y), (test_x, test_y) = banking
    index = SuggestionIndex.build([Question(i, t) for i, t in enumerate(train_x)])
    sample = np.random.default_rng(7).choice(len(test_x), size=300, replace=False)
    hits = sum(test_y[i] in {train_y[m.id] for m in index.query(test_x[i], k=5)}
               for i in sample.tolist())
    assert hits / len(sample) >= 0.90


def test_clusters_banking77_test_split_precise_and_anchors_lift_recall(banking):
    (train_x, train_y), (test_x, test_y) = banking
    plain = cluster_questions([Question(i, t) for i, t in enumerate(test_x)])
    plain_scores = pairwise_scores([list(c.ids) for c in plain], test_y)
    assert plain_scores["precision"] >= 0.75
    picked = np.random.default_rng(7).choice(len(train_x), size=3000, replace=False).tolist()
    anchor_x, anchor_y = [train_x[i] for i in picked], [train_y[i] for i in picked]
    anchors = {len(test_x) + i: y for i, y in enumerate(anchor_y)}
    both = [Question(i, t) for i, t in enumerate(test_x + anchor_x)]
    anchored = cluster_questions(both, anchors=anchors)
    scores = pairwise_scores([list(c.ids) for c in anchored], test_y + anchor_y,
                             rows=range(len(test_x)))
    assert scores["precision"] >= 0.80 and scores["recall"] >= 0.25
