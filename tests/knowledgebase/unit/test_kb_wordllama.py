"""The default embedding model: WordLlama from the wheel's own files, numpy only, offline."""
import socket
import sys

import numpy as np
import pytest

from knowledgebase.similarity import (
    ClusterConfig,
    Question,
    WordLlamaEmbedder,
    cluster_questions,
    embed_questions,
    question_text,
)
from knowledgebase.similarity.clustering import CENTER_PRIOR, LinkageParams, hybrid_vectors
from knowledgebase.similarity.semantic import CorpusEmbedder
from knowledgebase.similarity.tuning import LEXICAL, MINILM, WORDLLAMA, tuning_for


@pytest.fixture(scope="module")
def model():
    return WordLlamaEmbedder()


def test_loads_from_package_files_without_network_or_the_wordllama_module(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the embedding model reached for the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.delitem(sys.modules, "wordllama", raising=False)
    fresh = WordLlamaEmbedder()
    assert fresh.embed(["How do I reset my router?"]).shape == (1, 256)
    assert "wordllama" not in sys.modules  # its import configures the root logger


def test_missing_model_files_say_how_to_install(tmp_path):
    with pytest.raises(RuntimeError, match="pip install"):
        WordLlamaEmbedder(tmp_path)


def test_vectors_equal_the_library_own_average(model):
    wordllama = pytest.importorskip("wordllama")
    from pathlib import Path

    library = wordllama.WordLlama.load(config="l2_supercat", dim=256, disable_download=True,
                                       cache_dir=Path(wordllama.__file__).parent)
    texts = ["Wifi drops every evening", "cancel my contract early, what fee?"]
    ours = model.embed(texts)
    assert np.allclose(ours, library.embed(texts, norm=True), atol=1e-5)


def test_rows_are_unit_length_and_an_empty_text_is_a_zero_row(model):
    vectors = model.embed(["Factory reset the Hub 4", "", "   "])
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0)
    assert not np.isnan(vectors).any()
    assert np.allclose(vectors[1:], 0.0)
    assert model.embed([]).shape == (0, 256)


def test_paraphrases_sit_closer_than_other_questions(model):
    reset, wipe, fee = model.embed(["How do I factory reset my router?",
                                    "restore the router to its factory settings",
                                    "What is the fee for cancelling my contract early?"])
    assert reset @ wipe > reset @ fee + 0.2


def test_token_weights_are_the_community_inverse_document_frequency(model):
    texts = ["brightwave router reset", "brightwave bill", "brightwave wifi password"]
    weights = model.token_weights(texts)
    common = model._tokens(["brightwave"])[0]
    rare = model._tokens(["password"])[0]
    assert np.allclose(weights[common], 1.0)  # in every text: log(4 / 4) + 1
    assert np.all(weights[rare] > 1.5)
    unseen = model._tokens(["zebra"])[0]
    assert np.all(weights[unseen] == weights.max())


def test_corpus_weights_shift_a_question_towards_its_rare_words(model):
    texts = [f"brightwave brightwave help with {topic}" for topic in
             ("router", "bill", "wifi", "tv box", "app", "sim card")]
    plain = model.embed(texts)
    weighted = model.for_corpus(texts)
    assert isinstance(weighted, CorpusEmbedder) and weighted.name.endswith("+idf")
    vectors = weighted.embed(texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    # the shared words weigh less, so different questions look less alike than plainly
    off = ~np.eye(len(texts), dtype=bool)
    assert (vectors @ vectors.T)[off].mean() < (plain @ plain.T)[off].mean() - 0.05
    assert np.allclose(model.with_weights(weighted.weights).embed(texts), vectors)


def test_hybrid_rows_mix_the_two_cosines_by_the_semantic_share(model):
    questions = [Question(i, t) for i, t in enumerate(
        ["reset my router", "router reset please", "refund for the outage"])]
    dense = embed_questions(model, questions)
    config = ClusterConfig(semantic_share=0.8, center=False)
    mixed = hybrid_vectors(questions, dense, config)
    from knowledgebase.similarity import question_vectors

    lexical, _ = question_vectors(questions)
    expected = 0.8 * (dense @ dense.T) + 0.2 * (lexical @ lexical.T).toarray()
    assert np.allclose((mixed @ mixed.T).toarray(), expected, atol=1e-5)


def test_centring_is_shrunk_on_small_sets(model):
    """Three near-duplicates centred on their own mean would be noise; shrunk, they stay close."""
    questions = [Question(i, t) for i, t in enumerate(
        ["How do I reset my router password?", "How do I reset my router password",
         "How to reset my router password?"])]
    dense = embed_questions(model, questions)
    assert CENTER_PRIOR > 10 * len(questions)
    mixed = hybrid_vectors(questions, dense, ClusterConfig(semantic_share=1 - 1e-9,
                                                           center=True))
    assert (mixed @ mixed.T).toarray().min() > 0.9


def test_hybrid_mode_uses_its_own_linkage_parameters(model):
    questions = [Question(i, t, b) for i, (t, b) in enumerate([
        ("How do I reset my router password?", "Forgot the admin password."),
        ("reset router admin password", "I forgot it."),
        ("Forgot my router admin password, how to reset?", ""),
        ("Why is my bill higher this month?", ""),
        ("Where is the nearest shop to Leeds?", ""),
    ])]
    corpus = model.for_corpus([question_text(q) for q in questions])
    dense = embed_questions(corpus, questions)
    loose = LinkageParams(threshold=0.3, min_similarity=0.2, pair_similarity=0.7)
    never = LinkageParams(threshold=1.01, min_similarity=0.99, pair_similarity=1.01)
    found = cluster_questions(questions, embeddings=dense, config=ClusterConfig(
        semantic_share=0.8, hybrid=loose, semantic=never))
    assert [set(c.ids) for c in found] == [{0, 1, 2}]
    assert cluster_questions(questions, embeddings=dense, config=ClusterConfig(
        semantic_share=0.8, hybrid=never, semantic=loose)) == []


def test_each_model_has_its_own_tuning():
    assert tuning_for(None) is tuning_for(LEXICAL)
    assert tuning_for("something-else") is tuning_for(LEXICAL)
    assert tuning_for(WORDLLAMA).cluster.mixes
    assert not tuning_for(MINILM).cluster.mixes
    assert tuning_for(WORDLLAMA).index.lexical_weight > 0
    assert WordLlamaEmbedder.name == WORDLLAMA
