"""Nearest neighbours: the large-set search (LSA cells + rare n-gram candidates, exact
re-scoring) finds what brute force finds; pair products are exact."""
from dataclasses import replace

import numpy as np
import pytest

from knowledgebase.similarity import LexicalVectorizer, NeighbourConfig, Question, nearest
from knowledgebase.similarity.neighbours import _rare_candidates, pair_dots

LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))
SMALL_SET = NeighbourConfig(exact_limit=100, projection_dims=32, projection_sample=1000)


def _words(rng, count: int) -> list[str]:
    return ["".join(rng.choice(LETTERS, size=rng.integers(4, 9))) for _ in range(count)]


@pytest.fixture(scope="module")
def planted():
    """600 random six-word questions, each with a copy that has one word changed."""
    rng = np.random.default_rng(0)
    vocab = _words(rng, 400)
    texts = []
    for _ in range(600):
        words = list(rng.choice(vocab, size=6))
        texts.append(" ".join(words))
        words[int(rng.integers(6))] = str(rng.choice(vocab))
        texts.append(" ".join(words))
    return LexicalVectorizer().fit_transform([Question(i, t) for i, t in enumerate(texts)])


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    hits = sum(len(set(a.tolist()) & set(b.tolist())) for a, b in zip(found, exact, strict=True))
    return hits / exact.size


def test_nearest_large_set_search_finds_brute_force_neighbours(planted):
    approx, approx_sims = nearest(planted, 5, config=SMALL_SET)
    exact, exact_sims = nearest(planted, 5)  # 1,200 rows: brute force by default
    assert _recall(approx, exact) >= 0.95
    assert np.all(approx_sims[:, 0] <= exact_sims[:, 0] + 1e-5)
    assert all(row not in idx for row, idx in enumerate(approx.tolist()))


def test_nearest_large_set_finds_every_planted_copy(planted):
    idx, _ = nearest(planted, 1, config=SMALL_SET)
    partner = np.arange(planted.shape[0]) ^ 1  # rows 2i and 2i + 1 are a pair
    assert np.mean(idx[:, 0] == partner) >= 0.98


def test_nearest_large_set_queries_match_brute_force(planted):
    base, queries = planted[::2], planted[1::2]
    approx, _ = nearest(base, 3, queries=queries, config=SMALL_SET)
    exact, _ = nearest(base, 3, queries=queries, config=replace(SMALL_SET, exact_limit=10**6))
    assert _recall(approx, exact) >= 0.95


def test_rare_candidates_find_copy_never_self(planted):
    config = replace(SMALL_SET, rare_df=5, rare_block_rows=128)
    found = _rare_candidates(planted, None, 3, True, config)
    partner = np.arange(planted.shape[0]) ^ 1
    assert np.mean([p in row for p, row in zip(partner, found.tolist(), strict=True)]) >= 0.98
    assert all(r not in row for r, row in enumerate(found.tolist()))


def test_pair_dots_equal_full_products(planted):
    rng = np.random.default_rng(1)
    first, second = rng.integers(0, 1200, 300), rng.integers(0, 1200, 300)
    full = (planted @ planted.T).toarray()
    assert np.allclose(pair_dots(planted, planted, first, second, chunk=64),
                       full[first, second], atol=1e-5)
    dense = planted.toarray()
    assert np.allclose(pair_dots(dense, dense, first, second), full[first, second], atol=1e-5)
