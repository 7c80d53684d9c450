"""Clusters of repeated questions: pure groups, loners left out, anchors, titles."""
from dataclasses import replace

import numpy as np
import pytest
from fake_embedder import FakeEmbedder
from fixtures import LONERS, REPEATED, fixture_questions

from knowledgebase.similarity import ClusterConfig, Question, clean_title, cluster_questions
from knowledgebase.similarity.clustering import LinkageParams
from knowledgebase.similarity.linkage import average_linkage

LOOSE_LEXICAL = replace(ClusterConfig(), lexical=LinkageParams(0.3, 0.2, 0.8, 0.35))
FAKE_SEMANTIC = replace(ClusterConfig(), semantic=LinkageParams(0.4, 0.4, 0.85))


@pytest.fixture()
def labelled():
    return fixture_questions()


def _groups(clusters, truth):
    return [{truth[i] for i in c.ids} for c in clusters]


def test_clusters_lexical_are_pure_and_leave_loners_out(labelled):
    questions, truth = labelled
    clusters = cluster_questions(questions, config=LOOSE_LEXICAL)
    assert len(clusters) >= 3
    assert all(len(g) == 1 for g in _groups(clusters, truth))
    clustered = {i for c in clusters for i in c.ids}
    assert not any(truth[i].startswith("loner") for i in clustered)


def test_clusters_lexical_defaults_are_pure(labelled):
    questions, truth = labelled
    clusters = cluster_questions(questions)
    assert clusters and all(len(g) == 1 for g in _groups(clusters, truth))


def test_clusters_semantic_fake_embedder_finds_every_group(labelled):
    questions, truth = labelled
    clusters = cluster_questions(questions, embedder=FakeEmbedder(), config=FAKE_SEMANTIC)
    groups = _groups(clusters, truth)
    assert all(len(g) == 1 for g in groups)
    assert {g.pop() for g in groups} == set(REPEATED)


def test_clusters_precomputed_embeddings_match_embedder_path(labelled):
    questions, _ = labelled
    embedder = FakeEmbedder()
    stored = embedder.embed([q.title for q in questions])
    direct = cluster_questions(questions, embedder=FakeEmbedder(), config=FAKE_SEMANTIC)
    reused = cluster_questions(questions, embeddings=stored, config=FAKE_SEMANTIC)
    assert [c.ids for c in direct] == [c.ids for c in reused]


def test_clusters_sorted_biggest_first_with_central_title(labelled):
    questions, _ = labelled
    clusters = cluster_questions(questions, embedder=FakeEmbedder(), config=FAKE_SEMANTIC)
    assert [c.size for c in clusters] == sorted((c.size for c in clusters), reverse=True)
    titles = {q.id: q.title for q in questions}
    for cluster in clusters:
        assert cluster.central_id in cluster.ids
        assert cluster.suggested_title == clean_title(titles[cluster.central_id])


def test_clusters_loners_only_give_no_cluster():
    questions = [Question(i, t) for i, t in enumerate(LONERS)]
    assert cluster_questions(questions) == []
    assert cluster_questions(questions, embedder=FakeEmbedder(), config=FAKE_SEMANTIC) == []
    assert cluster_questions(questions[:1]) == []


def test_clusters_anchors_pull_free_questions_into_known_group(labelled):
    questions, truth = labelled
    anchors = {q.id: f"article-{truth[q.id]}" for q in questions[:3]}  # three password ones
    extra = [Question(100, "Help, I need to reset my password"),
             Question(101, "password reset link expired")]
    clusters = cluster_questions(questions + extra, anchors=anchors, config=LOOSE_LEXICAL)
    anchored = [c for c in clusters if c.anchor_group == "article-password"]
    assert len(anchored) == 1
    assert {1, 2, 3, 100, 101} <= set(anchored[0].ids)
    assert all(truth.get(i, "password") == "password" for i in anchored[0].ids)


def test_clusters_anchors_never_absorb_unrelated_loners(labelled):
    questions, truth = labelled
    anchors = {q.id: truth[q.id] for q in questions if not truth[q.id].startswith("loner")}
    clusters = cluster_questions(questions, anchors=anchors, config=LOOSE_LEXICAL)
    clustered = {i for c in clusters for i in c.ids}
    assert not any(truth[i].startswith("loner") for i in clustered)


def test_clusters_stored_tfidf_rows_match_fresh_vectorising(labelled):
    from knowledgebase.similarity import SuggestionIndex

    questions, _ = labelled
    index = SuggestionIndex.build(questions)
    rows = index.lexical_rows([q.id for q in questions])
    fresh = cluster_questions(questions, config=LOOSE_LEXICAL)
    reused = cluster_questions(questions, embeddings=rows, config=LOOSE_LEXICAL)
    assert [c.ids for c in fresh] == [c.ids for c in reused]


def test_clusters_wrong_embedding_shape_rejected(labelled):
    questions, _ = labelled
    with pytest.raises(ValueError):
        cluster_questions(questions, embeddings=np.ones((3, 8)))


def test_average_linkage_merges_dense_group_not_chain():
    import scipy.sparse as sp

    # 0-1-2 all strongly linked; 3 hangs on 2 by one weak edge; 4 alone.
    rows = [0, 0, 1, 2]
    cols = [1, 2, 2, 3]
    vals = [0.9, 0.8, 0.85, 0.5]
    upper = sp.csr_matrix((vals, (rows, cols)), shape=(5, 5))
    labels = average_linkage((upper + upper.T).tocsr(), threshold=0.4)
    assert labels[0] == labels[1] == labels[2]
    assert labels[3] != labels[0] and labels[4] not in labels[:4]


@pytest.mark.parametrize("raw, clean", [
    ("  how can i   reset my password  ", "How can I reset my password?"),
    ("where is my order!!", "Where is my order?"),
    ("Card declined.", "Card declined"),
    ("iPhone app crashes", "iPhone app crashes"),
    ("", ""),
])
def test_clean_title_tidies_question(raw, clean):
    assert clean_title(raw) == clean


def _naive_centrality(vectors, rows) -> np.ndarray:
    block = vectors[rows].toarray() if hasattr(vectors, "toarray") else vectors[rows]
    centre = block.mean(axis=0)
    return block @ (centre / np.linalg.norm(centre))


@pytest.mark.parametrize("semantic", [False, True])
def test_clusters_members_ordered_by_cosine_to_centre(labelled, semantic):
    from knowledgebase.similarity import question_vectors

    questions, _ = labelled
    if semantic:
        vectors = FakeEmbedder().embed([q.title for q in questions])
        clusters = cluster_questions(questions, embeddings=vectors, config=FAKE_SEMANTIC)
    else:
        vectors, _ = question_vectors(questions)
        clusters = cluster_questions(questions, config=LOOSE_LEXICAL)
    row_of = {q.id: i for i, q in enumerate(questions)}
    assert clusters
    for cluster in clusters:
        scores = _naive_centrality(vectors, [row_of[i] for i in cluster.ids])
        assert cluster.cohesion == pytest.approx(float(scores.mean()), abs=1e-5)
        assert np.all(np.diff(scores) <= 1e-5)  # most central first
