"""The default install embeds questions with WordLlama; KB_EMBEDDER picks another mode."""
import logging

import numpy as np
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from knowledgebase import clusters, embeddings, suggestions
from knowledgebase.models import QuestionEmbedding
from knowledgebase.similarity.semantic import CorpusEmbedder
from knowledgebase.similarity.tuning import WORDLLAMA

RESET = ["How do I factory reset my router?", "factory resetting the hub, how?",
         "router factory reset steps", "need to do a factory reset on my router"]
FEE = ["fee for cancelling my contract early", "early cancellation fee?",
       "what is the fee if I cancel my contract early"]
BODIES = ["Thanks in advance.", "Any help appreciated!", "Cheers", "Please help, urgent."]
OTHERS = [("Can I get a refund for the outage last week?", "It was down for two days."),
          ("My TV box remote stopped pairing", "New batteries, still nothing."),
          ("Where can I see my data usage this month", "In the app?"),
          ("Is there parental control for the wifi", "For the kids' tablets."),
          ("How do I change the name of my wifi network", "The default one is ugly."),
          ("Does the app work on a tablet", "An old iPad."),
          ("Engineer never turned up", "Waited all day.")]


@pytest.fixture
def community(factory):
    """Four factory-reset questions and three early-cancellation ones in other words, and
    seven questions that repeat nothing (issue 11: lexical clustering found none of them)."""
    category = factory.category("Broadband")
    made = {"reset": [], "fee": []}
    for key, titles in (("reset", RESET), ("fee", FEE)):
        for n, title in enumerate(titles):
            made[key].append(factory.thread(factory.user(f"{key}{n}"), title=title,
                                            body=BODIES[n], category=category))
    for title, body in OTHERS:
        factory.thread(title=title, body=body, category=category)
    return made


def test_the_default_mode_is_wordllama(app):
    model = embeddings.embedder()
    assert embeddings.mode() == "wordllama"
    assert embeddings.model_name(model) == WORDLLAMA
    assert embeddings.tuning().cluster.mixes


@pytest.mark.parametrize(("settings", "expected"), [
    ({"KB_EMBEDDER": "lexical"}, "lexical"),
    ({"KB_EMBEDDER": "MiniLM "}, "minilm"),
    ({"KB_EMBEDDER": "wordllama", "KB_SEMANTIC": True}, "minilm"),
])
def test_kb_embedder_chooses_the_mode(app, settings, expected):
    app.config.update(settings)
    assert embeddings.mode() == expected


def test_an_unknown_mode_is_refused(app):
    app.config["KB_EMBEDDER"] = "bert"
    with pytest.raises(ValueError, match="KB_EMBEDDER"):
        embeddings.mode()


def test_lexical_mode_has_no_embedder(app):
    app.config["KB_EMBEDDER"] = "lexical"
    assert embeddings.embedder() is None
    assert not embeddings.tuning().cluster.mixes


def test_minilm_without_the_extra_falls_back_to_wordllama(app, monkeypatch, caplog):
    monkeypatch.setattr(embeddings, "semantic_available", lambda: False)
    app.config["KB_EMBEDDER"] = "minilm"
    with caplog.at_level(logging.WARNING):
        model = embeddings.embedder()
    assert embeddings.model_name(model) == WORDLLAMA
    assert "semantic extra is not installed" in caplog.text


def test_repeated_questions_in_other_words_cluster(community):
    found = clusters.compute()
    groups = [{t.id for t in clusters.members(c)} for c in found]
    assert {t.id for t in community["reset"]} in groups
    assert {t.id for t in community["fee"]} in groups
    assert len(groups) == 2  # the seven others repeat nothing


def test_lexical_mode_misses_them(app, community):
    app.config["KB_EMBEDDER"] = "lexical"
    assert clusters.compute() == []


def test_corpus_weighted_vectors_are_computed_not_stored(community):
    clusters.compute()
    suggestions.warm(rebuild=True)
    assert db.session.scalar(select(func.count()).select_from(QuestionEmbedding)) == 0


def test_suggestions_find_a_repeat_in_other_words(community):
    found = suggestions.suggest("hub factory reset how", limit=5)
    assert found and found[0].id in {t.id for t in community["reset"]}
    assert all(s.score >= embeddings.tuning().min_score for s in found)


def test_the_saved_index_keeps_its_model_and_token_weights(app, community):
    suggestions.warm(rebuild=True)
    index = suggestions.engine()._threads
    assert index.model == WORDLLAMA
    assert index.token_weights is not None and index.token_weights.shape == (32000,)
    path = suggestions.engine().path
    loaded = suggestions._load(path, embeddings.embedder())
    assert loaded is not None and np.array_equal(loaded[0].token_weights, index.token_weights)
    assert isinstance(embeddings.index_model(loaded[0]), CorpusEmbedder)
    # another model's saved index is not used: it is rebuilt
    app.config["KB_EMBEDDER"] = "lexical"
    app.extensions.pop(embeddings.EXTENSION)
    assert suggestions._load(path, embeddings.embedder()) is None


def test_kb_index_drops_vectors_of_another_model(app, community):
    db.session.add(QuestionEmbedding(doc_type="thread", doc_id=community["reset"][0].id,
                                     model="all-MiniLM-L6-v2", text_hash="x" * 16,
                                     vector=np.zeros(384, np.float32).tobytes()))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["kb", "index"])
    assert result.exit_code == 0, result.output
    assert "Dropped 1 vectors of another embedding model" in result.output
    assert db.session.scalar(select(func.count()).select_from(QuestionEmbedding)) == 0
