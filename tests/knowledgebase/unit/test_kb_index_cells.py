"""Semantic suggestions at scale: k-means cells instead of scoring every row; query cache."""
import pickle

import numpy as np
import pytest
from fake_embedder import FakeEmbedder
from fixtures import fixture_questions

from knowledgebase.similarity import IndexConfig, Question, SuggestionIndex
from knowledgebase.similarity.cells import CellConfig, DenseCells
from knowledgebase.similarity.semantic import CachedEmbedder

CELLS = CellConfig(min_rows=0, per_sqrt_n=1.0, n_probe=4)


def unit(matrix):
    return (matrix / np.linalg.norm(matrix, axis=-1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def grouped():
    """2,000 unit vectors in 40 tight groups, and one query near each group's centre."""
    rng = np.random.default_rng(7)
    centres = unit(rng.normal(size=(40, 32)))
    rows = unit(np.repeat(centres, 50, axis=0) + rng.normal(0, 0.05, (2000, 32)))
    queries = unit(centres + rng.normal(0, 0.05, centres.shape))
    return rows, queries


def build(rows, cells=CELLS, **config):
    questions = [Question(i, f"question {i}") for i in range(len(rows))]
    return SuggestionIndex.build(questions, embeddings=rows,
                                 config=IndexConfig(cells=cells, **config))


def test_cells_candidates_are_a_fraction_of_rows(grouped):
    rows, queries = grouped
    cells = DenseCells.fit(rows, CELLS)
    sizes = [len(cells.candidates(q, len(rows))) for q in queries]
    assert cells.covered == len(rows)
    assert max(sizes) < len(rows) // 4


def test_cells_index_finds_exact_top_five(grouped):
    rows, queries = grouped
    approx, exact = build(rows), build(rows, cells=CellConfig(min_rows=10**9))
    assert approx._cells is not None and exact._cells is None
    for query in queries:
        found = approx.query("q", k=5, query_embedding=query)
        assert [m.id for m in found] == [m.id for m in exact.query("q", k=5,
                                                                    query_embedding=query)]


def test_cells_index_below_min_rows_scans_every_row(grouped):
    rows, _ = grouped
    index = build(rows, cells=CellConfig(min_rows=len(rows) + 1))
    assert index._cells is None


def test_cells_index_added_rows_found_before_and_after_absorb(grouped):
    rows, queries = grouped
    index = build(rows, merge_every=3)
    index.add([Question("new-0", "new")], embeddings=queries[:1])
    assert index.query("q", k=1, query_embedding=queries[0])[0].id == "new-0"
    assert index._cells.covered == len(rows)  # still in the exactly scanned tail
    index.add([Question(f"new-{i}", "new") for i in (1, 2)], embeddings=queries[1:3])
    assert index._cells.covered == len(rows) + 3
    for i in range(3):
        assert index.query("q", k=1, query_embedding=queries[i])[0].id == f"new-{i}"


def test_cells_index_respects_remove_exclude_and_min_score(grouped):
    rows, queries = grouped
    index = build(rows)
    top = [m.id for m in index.query("q", k=3, query_embedding=queries[5])]
    index.remove([top[0]])
    after = [m.id for m in index.query("q", k=3, exclude={top[1]}, query_embedding=queries[5])]
    assert top[0] not in after and top[1] not in after and len(after) == 3
    assert index.query("q", min_score=1.01, query_embedding=queries[5]) == []


def test_cells_index_blend_matches_exact_on_fixture():
    questions, truth = fixture_questions()
    embedder = FakeEmbedder()
    config = {"lexical_weight": 0.25}
    approx = SuggestionIndex.build(questions, embedder=embedder,
                                   config=IndexConfig(cells=CELLS, **config))
    exact = SuggestionIndex.build(questions, embedder=embedder, config=IndexConfig(**config))
    assert approx._cells is not None
    for title in ("forgot password reset", "order hasnt arrived", "battery drain update"):
        assert approx.query(title, k=3) == exact.query(title, k=3)
    assert truth[approx.query("refund broken item")[0].id] == "refund"


def test_cells_index_save_load_keeps_cells_and_refuses_old_format(grouped, tmp_path):
    rows, queries = grouped
    index = build(rows)
    index.save(tmp_path / "kb.idx")
    loaded = SuggestionIndex.load(tmp_path / "kb.idx")
    assert loaded._cells is not None
    assert loaded.query("q", query_embedding=queries[3]) == index.query(
        "q", query_embedding=queries[3])
    (tmp_path / "old.idx").write_bytes(pickle.dumps((1, index._state())))
    with pytest.raises(ValueError, match="rebuild"):
        SuggestionIndex.load(tmp_path / "old.idx")


def test_cached_embedder_repeated_title_embedded_once():
    inner = FakeEmbedder()
    cached = CachedEmbedder(inner, size=2)
    first = cached.embed(["reset my password"])
    first[0, 0] = 99.0  # a caller's change never reaches the cache
    again = cached.embed(["reset my password"])
    assert inner.calls == 1 and cached.hits == 1
    assert again[0, 0] != 99.0
    assert np.allclose(again, inner.embed(["reset my password"]))
    assert cached.dim == inner.dim


def test_cached_embedder_batches_pass_through_and_old_titles_evicted():
    inner = FakeEmbedder()
    cached = CachedEmbedder(inner, size=2)
    cached.embed(["a b", "c d"])
    cached.embed(["a b", "c d"])
    assert inner.texts_embedded == 4  # batches are never cached
    for title in ("one", "two", "three", "one"):
        cached.embed([title])
    assert cached.misses == 4 and cached.hits == 0  # "one" was evicted by "three"
