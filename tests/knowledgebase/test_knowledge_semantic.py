"""Semantic mode with a stand-in embedder: embeddings are computed once, stored, reused."""
import re
import zlib

import numpy as np
import pytest
from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import Thread
from knowledgebase import clusters, embeddings, suggestions
from knowledgebase.models import QuestionEmbedding


class CountingEmbedder:
    """Hashed word stems (no torch); counts the texts it embeds."""

    name = "test-hash-64"

    def __init__(self):
        self.texts = 0

    def embed(self, texts):
        """Normalised stem histograms."""
        self.texts += len(texts)
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                if len(word) > 2:
                    out[row, zlib.crc32(word[:5].encode()) % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def embedder(app):
    """Semantic mode on, with the counting embedder."""
    model = CountingEmbedder()
    app.extensions[embeddings.EXTENSION] = model
    return model


def test_semantic_suggestions_store_embeddings_once(factory, embedder):
    thread = factory.thread(title="How do I reset my router password?")
    factory.thread(title="Which TV channels are included?")
    assert [s.id for s in suggestions.suggest("reset router password")] == [thread.id]
    stored = db.session.scalar(select(func.count()).select_from(QuestionEmbedding))
    assert stored == 2
    embedded = embedder.texts
    suggestions.reset()
    suggestions.suggest("reset router password")
    assert embedder.texts == embedded + 1  # only the query: stored vectors were reused


def test_semantic_embedding_recomputed_when_title_changes(factory, embedder):
    thread = factory.thread(title="How do I reset my router password?")
    suggestions.warm()
    db.session.execute(update(Thread).where(Thread.id == thread.id)
                       .values(title="How do I pair my TV remote?"))
    db.session.commit()
    before = db.session.scalar(select(QuestionEmbedding.text_hash))
    suggestions.warm(rebuild=True)
    assert db.session.scalar(select(QuestionEmbedding.text_hash)) != before


def test_semantic_clusters_reuse_stored_embeddings(factory, embedder):
    for title in ("How do I reset my router password?", "How do I reset my router password",
                  "How to reset my router password?", "Which TV channels are included?"):
        factory.thread(title=title, body="I forgot the router admin password.")
    clusters.compute()
    embedded = embedder.texts
    clusters.compute()
    assert embedder.texts == embedded
