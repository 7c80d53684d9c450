"""Semantic mode's storage: each question's embedding is computed once, kept in the database
(so every worker and every clustering run reuses it) and recomputed only when its text changes.

Semantic mode is on when KB_SEMANTIC is set and the optional extra is installed
(`pip install -e .[semantic]`); tests may inject any Embedder as app.extensions
["parley.kb.embedder"].
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence

import numpy as np
from flask import current_app
from sqlalchemy import delete, select, tuple_
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from knowledgebase.models import QuestionEmbedding
from knowledgebase.similarity import (
    Embedder,
    Question,
    SentenceTransformerEmbedder,
    embed_questions,
    question_text,
    semantic_available,
)
from knowledgebase.similarity.semantic import CachedEmbedder

EXTENSION = "parley.kb.embedder"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
BATCH = 256
_lock = threading.Lock()


def embedder() -> Embedder | None:
    """The running app's embedder, loaded once; None in lexical mode."""
    app = current_app._get_current_object()
    if EXTENSION in app.extensions:
        return app.extensions[EXTENSION]
    with _lock:
        if EXTENSION not in app.extensions:
            wanted = app.config.get("KB_SEMANTIC") and semantic_available()
            app.extensions[EXTENSION] = (CachedEmbedder(SentenceTransformerEmbedder())
                                         if wanted else None)
            if wanted:
                _limit_threads(int(app.config["KB_TORCH_THREADS"]))
    return app.extensions[EXTENSION]


def _limit_threads(count: int) -> None:
    """Embedding one query with torch's default threads (one per core) on a busy server made
    it twenty times slower here (1 s against 47 ms with one thread): workers are processes
    already, so each keeps to KB_TORCH_THREADS."""
    if count > 0:
        import torch  # present whenever the semantic extra is

        torch.set_num_threads(count)


def model_name(model: Embedder) -> str:
    """The name stored beside each vector, so a model change recomputes them."""
    return str(getattr(model, "name", None) or DEFAULT_MODEL)[:64]


def text_hash(question: Question) -> str:
    """A short fingerprint of the text that was embedded."""
    return hashlib.sha1(question_text(question).encode()).hexdigest()[:16]


def vectors(doc_type: str, questions: Sequence[Question], model: Embedder) -> np.ndarray:
    """One unit row per question: stored ones reused, missing or stale ones computed and kept."""
    if not questions:
        return np.zeros((0, 0), dtype=np.float32)
    name = model_name(model)
    stored = _stored(doc_type, [q.id for q in questions], name)
    missing = [q for q in questions if stored.get(q.id, (None,))[0] != text_hash(q)]
    for start in range(0, len(missing), BATCH):
        chunk = missing[start:start + BATCH]
        matrix = embed_questions(model, chunk)
        _store(doc_type, chunk, matrix, name)
        stored.update({q.id: (text_hash(q), row) for q, row in zip(chunk, matrix, strict=True)})
    return np.vstack([stored[q.id][1] for q in questions]).astype(np.float32)


def _stored(doc_type: str, ids: list, name: str) -> dict:
    out = {}
    for start in range(0, len(ids), 1000):
        rows = db.session.execute(select(
            QuestionEmbedding.doc_id, QuestionEmbedding.text_hash, QuestionEmbedding.vector
        ).where(
            QuestionEmbedding.doc_type == doc_type, QuestionEmbedding.model == name,
            QuestionEmbedding.doc_id.in_(ids[start:start + 1000]),
        ))
        out.update({r.doc_id: (r.text_hash, np.frombuffer(r.vector, dtype=np.float32))
                    for r in rows})
    return out


def _store(doc_type: str, questions: list[Question], matrix: np.ndarray, name: str) -> None:
    """Write on a connection of its own: the caller's loaded objects are not expired, and a
    worker that loses a race to store the same vectors just keeps its own copy in memory."""
    keys = [(doc_type, q.id, name) for q in questions]
    rows = [{"doc_type": doc_type, "doc_id": q.id, "model": name, "text_hash": text_hash(q),
             "vector": np.asarray(row, dtype=np.float32).tobytes()}
            for q, row in zip(questions, matrix, strict=True)]
    try:
        with db.engine.begin() as conn:
            conn.execute(delete(QuestionEmbedding).where(tuple_(
                QuestionEmbedding.doc_type, QuestionEmbedding.doc_id, QuestionEmbedding.model
            ).in_(keys)))
            conn.execute(QuestionEmbedding.__table__.insert(), rows)
    except IntegrityError:
        current_app.logger.info("embeddings stored by another worker meanwhile")
