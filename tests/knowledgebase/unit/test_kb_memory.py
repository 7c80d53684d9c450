"""The memory-lean paths clustering takes at 100,000 questions give the same numbers as the
plain scipy/numpy ones they replace."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from knowledgebase.similarity import clustering, neighbours, semantic


def _parts(seed: int = 0, n: int = 23):
    rng = np.random.default_rng(seed)
    dense = rng.normal(size=(n, 5)).astype(np.float32)
    lexical = sp.random(n, 40, density=0.15, random_state=seed, format="lil",
                        dtype=np.float32)
    lexical[3, :] = 0  # a question with no word the vocabulary knows
    return dense, sp.csr_matrix(lexical)


def test_side_by_side_matches_normalised_hstack_across_blocks():
    dense, lexical = _parts()

    built = clustering.side_by_side(dense, lexical, block=4)

    expected = normalize(sp.hstack([sp.csr_matrix(dense), lexical], format="csr"))
    assert built.shape == expected.shape
    np.testing.assert_allclose(built.toarray(), expected.toarray(), rtol=1e-5, atol=1e-6)


def test_columns_keeps_only_the_chosen_columns():
    _dense, lexical = _parts(seed=1)
    keep = np.zeros(lexical.shape[1], dtype=bool)
    keep[::3] = True

    kept = neighbours._columns(lexical, keep)

    expected = lexical.toarray() * keep[None, :]
    np.testing.assert_array_equal(kept.toarray(), expected)
    assert kept.nnz == np.count_nonzero(expected)


def test_centrality_in_chunks_matches_one_pass():
    dense, lexical = _parts(seed=2, n=40)
    vectors = clustering.side_by_side(dense, lexical)
    groups = [np.array([0, 5, 9]), np.array([1, 2, 3, 4, 30]), np.array([7, 8])]

    chunked = clustering._centrality(vectors, groups, chunk=8)  # sparse chunks of two rows

    members = np.concatenate(groups)
    full = vectors.toarray()
    centres = [normalize(full[g].sum(axis=0, keepdims=True))[0] for g in groups]
    owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    expected = [full[m] @ centres[o] for m, o in zip(members, owner, strict=True)]
    np.testing.assert_allclose(chunked, expected, rtol=1e-5, atol=1e-6)


def test_wordllama_embeds_the_same_in_batches(monkeypatch):
    model = semantic.WordLlamaEmbedder()
    texts = [f"my hub number {n} keeps dropping wifi" for n in range(7)] + ["", "refund"]
    weights = model.token_weights(texts)
    whole = model.embed(texts, weights=weights)

    monkeypatch.setattr(semantic, "EMBED_BATCH", 2)

    np.testing.assert_allclose(model.embed(texts, weights=weights), whole, atol=1e-6)
    np.testing.assert_array_equal(model.token_weights(texts), weights)
