"""Semantic mode: the real MiniLM embedder when the extra is installed, a clear error if not.

The same code paths run unconditionally with the fake embedder in the other test modules.
"""
import numpy as np
import pytest
from fixtures import fixture_questions

from knowledgebase.similarity import (
    SentenceTransformerEmbedder,
    SuggestionIndex,
    cluster_questions,
    semantic_available,
)


@pytest.fixture(scope="module")
def real_embedder():
    if not semantic_available():
        return None
    return SentenceTransformerEmbedder()


def test_semantic_embedder_real_model_or_clear_install_error(real_embedder):
    if real_embedder is None:
        with pytest.raises(RuntimeError, match="semantic"):
            SentenceTransformerEmbedder()
        return
    vectors = real_embedder.embed(["How do I reset my password?", "Password reset help"])
    assert vectors.shape == (2, real_embedder.dim) == (2, 384)
    assert float(vectors[0] @ vectors[1]) > 0.6


def test_semantic_real_model_suggests_and_clusters_fixture(real_embedder):
    if real_embedder is None:
        assert not semantic_available()
        return
    questions, truth = fixture_questions()
    index = SuggestionIndex.build(questions, embedder=real_embedder)
    assert truth[index.query("I can't log in, forgot my password")[0].id] == "password"
    clusters = cluster_questions(questions, embedder=real_embedder)
    assert clusters
    assert all(len({truth[i] for i in c.ids}) == 1 for c in clusters)


def test_semantic_real_model_single_title_path_matches_batch_encode(real_embedder):
    if real_embedder is None:
        assert not semantic_available()
        return
    titles = ["How do I reset my password?", "  Where is my parcel?  ", "refund " * 400]
    one_by_one = np.vstack([real_embedder.embed([title]) for title in titles])
    assert real_embedder._direct  # the fast single-text path is in use for MiniLM
    assert np.allclose(one_by_one, real_embedder.embed(titles), atol=1e-5)
