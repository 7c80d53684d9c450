"""Suggestion index: nearest questions, incremental adds, removal, refit, save and load."""
import numpy as np
import pytest
from fake_embedder import FakeEmbedder
from fixtures import fixture_questions

from knowledgebase.similarity import IndexConfig, Question, SuggestionIndex


@pytest.fixture()
def labelled():
    return fixture_questions()


def test_index_query_returns_same_question_first(labelled):
    questions, truth = labelled
    index = SuggestionIndex.build(questions)
    for title, group in [("forgot password reset", "password"),
                         ("my order hasnt arrived", "delivery"),
                         ("refund broken item", "refund"),
                         ("battery drain after update", "battery")]:
        top = index.query(title, k=3)
        assert truth[top[0].id] == group
        assert [m.score for m in top] == sorted((m.score for m in top), reverse=True)


def test_index_query_respects_k_exclude_and_min_score(labelled):
    questions, _ = labelled
    index = SuggestionIndex.build(questions)
    assert len(index.query("password", k=2)) == 2
    assert 3 not in [m.id for m in index.query("Reset password link not working", exclude={3})]
    assert index.query("password", min_score=1.01) == []
    assert index.query("   ") == []


def test_index_accepts_plain_tuples():
    index = SuggestionIndex.build([(10, "How do I cancel?"), ("a", "Cancel my plan", "body")])
    assert {m.id for m in index.query("cancel plan")} == {10, "a"}


def test_index_refuses_duplicate_ids():
    with pytest.raises(ValueError):
        SuggestionIndex.build([(1, "a b"), (1, "c d")])


def test_index_add_without_rebuild_is_found(labelled):
    questions, _ = labelled
    index = SuggestionIndex.build(questions, config=IndexConfig(merge_every=3))
    index.add([Question(100, "Gift wrapping for birthday presents")])
    assert index.query("gift wrapping birthday")[0].id == 100
    index.add([Question(101 + i, f"Gift voucher expired {i}") for i in range(3)])  # folds
    assert index.query("gift wrapping birthday")[0].id == 100
    assert index.query("voucher expired")[0].id in {101, 102, 103}
    assert len(index) == len(questions) + 4


def test_index_add_existing_id_replaces_it(labelled):
    questions, _ = labelled
    index = SuggestionIndex.build(questions)
    index.add([Question(1, "Gift wrapping for birthday presents")])
    assert index.query("gift wrapping")[0].id == 1
    assert 1 not in [m.id for m in index.query("How do I reset my password?", k=3)
                     if m.score > 0.9]
    assert len(index) == len(questions)


def test_index_remove_hides_question(labelled):
    questions, _ = labelled
    index = SuggestionIndex.build(questions)
    index.remove([3, 999])
    assert 3 not in index
    assert 3 not in [m.id for m in index.query("Reset password link not working", k=10)]


def test_index_needs_refit_after_many_adds_and_refit_keeps_everything(labelled):
    questions, _ = labelled
    index = SuggestionIndex.build(questions[:4], config=IndexConfig(refit_ratio=0.5))
    assert not index.needs_refit
    index.add(questions[4:10])
    assert index.needs_refit
    index.remove([2])
    index.refit()
    assert not index.needs_refit and len(index) == 9 and 2 not in index
    assert index.query("order not arrived")[0].id in {6, 7, 8, 9, 10}


def test_index_similar_to_excludes_itself(labelled):
    questions, truth = labelled
    index = SuggestionIndex.build(questions)
    related = index.similar_to(1, k=3)
    assert 1 not in [m.id for m in related]
    assert truth[related[0].id] == "password"
    assert index.similar_to("missing") == []


def test_index_save_and_load_round_trip(labelled, tmp_path):
    questions, _ = labelled
    index = SuggestionIndex.build(questions)
    index.add([Question(100, "Gift wrapping for birthday presents")])
    index.save(tmp_path / "kb.idx")
    loaded = SuggestionIndex.load(tmp_path / "kb.idx")
    assert loaded.query("gift wrapping") == index.query("gift wrapping")


def test_index_semantic_with_fake_embedder_embeds_once(labelled):
    questions, truth = labelled
    embedder = FakeEmbedder()
    index = SuggestionIndex.build(questions, embedder=embedder)
    assert index.semantic and embedder.texts_embedded == len(questions)
    top = index.query("battery drains", k=2)
    assert embedder.texts_embedded == len(questions) + 1
    assert truth[top[0].id] == "battery"


def test_index_semantic_uses_precomputed_embeddings(labelled):
    questions, truth = labelled
    embedder = FakeEmbedder()
    stored = embedder.embed([q.title for q in questions])
    index = SuggestionIndex.build(questions, embeddings=stored,
                                  config=IndexConfig(lexical_weight=0.0))
    query = embedder.embed(["refund for a broken item"])[0]
    assert truth[index.query("ignored words", query_embedding=query)[0].id] == "refund"
    with pytest.raises(ValueError):
        index.query("refund")  # semantic index without an embedder needs the query vector
    with pytest.raises(ValueError):
        index.add([Question(100, "new")])  # and new rows need their embeddings


def test_index_semantic_add_grows_embeddings(labelled):
    questions, _ = labelled
    embedder = FakeEmbedder()
    index = SuggestionIndex.build(questions, embedder=embedder)
    for i in range(5):
        index.add([Question(200 + i, f"Loyalty points missing number {i}")])
    assert index.query("loyalty points missing")[0].id in range(200, 205)


def test_index_rejects_embeddings_of_wrong_length(labelled):
    questions, _ = labelled
    with pytest.raises(ValueError):
        SuggestionIndex.build(questions, embeddings=np.ones((2, 4)))
