"""Learned classifiers: trained on public data and moderator decisions, saved safely, scored fast.

One TF-IDF vocabulary (word 1-2-grams of the normalised text) is shared by every head: spam,
attacks on a person, threats and identity hate. Each head is a balanced logistic regression
(scikit-learn) over it. A trained bundle is saved as plain numpy arrays and JSON in one .npz
file (loaded with allow_pickle=False: a model file can never run code), and scored one text at
a time by a compiled term -> (idf, weights) table that gives exactly scikit-learn's numbers (a
test checks they agree) in a few dozen microseconds.

The shipped cold-start model (moderation/artifacts/cold-start.npz) is built from ../shared/data
by `python -m moderation.engine.build`; moderators' decisions retrain it (`moderation train`).
"""
from __future__ import annotations

import io
import json
import math
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .text import (
    URL_RE,
    has_url,
    lowered,
    readable,
    replace_emails,
)

MODEL_FORMAT = 3  # bump when the file layout changes; older files are then refused
FILE_PATTERN = re.compile(r"^moderation-model-v(\d+)\.npz$")
MAX_MODEL_CHARS = 1000  # classifiers read the start of long posts; rule checks read it all
SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "artifacts" / "cold-start.npz"
TOKEN_PATTERN = r"(?u)\b\w\w+\b"

SPAM, ATTACK, THREAT, HATE = ("spam.classifier", "abuse.classifier", "abuse.threat_classifier",
                              "abuse.hate_classifier")
HEADS = (SPAM, ATTACK, THREAT, HATE)

_MENTION = re.compile(r"@\w+")
_LONG_NUMBER = re.compile(r"\d{5,}")


def prepare(text: str, *, known: frozenset[str] = frozenset()) -> str:
    """The text a classifier reads: obfuscation undone (look-alike letters, spaced letters,
    leetspeak into `known` words), e-mails generalised, the first MAX_MODEL_CHARS characters.

    Links and long numbers are dropped: the public spam sets teach that any link or number
    is spam, which on a support forum (manuals, screenshots, order and ticket numbers) is
    false. The link rules (limits per trust level, blocked domains, shorteners) and the
    private-data and scam checks judge those instead; the classifier judges the words.
    """
    text = readable(lowered(text)[: 2 * MAX_MODEL_CHARS], known)
    if has_url(text):
        text = URL_RE.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" @user ", replace_emails(text, " emailtoken "))
    return _LONG_NUMBER.sub(" ", text)[:MAX_MODEL_CHARS]


def _analyze(doc: str, findall=re.compile(TOKEN_PATTERN).findall) -> list[str]:
    """Unigrams then bigrams, exactly as scikit-learn's word analyser returns them."""
    tokens = findall(doc)
    return tokens + [a + " " + b for a, b in zip(tokens, tokens[1:], strict=False)]


# ---------------------------------------------------------------- the bundle


@dataclass
class ModelBundle:
    """Every head's weights over one vocabulary, with version and provenance."""

    vocab: list[str]
    idf: np.ndarray                      # (terms,)
    weights: np.ndarray                  # (terms, heads): idf * coefficient, folded
    intercepts: np.ndarray               # (heads,)
    heads: tuple[str, ...] = HEADS
    version: int = 1
    trained_at: float = field(default_factory=time.time)
    data_fingerprint: str = ""
    trained_on: tuple[str, ...] = ()
    extra_examples: int = 0
    format: int = MODEL_FORMAT

    def __post_init__(self) -> None:
        rows = np.column_stack([self.idf, self.weights]).tolist()
        self._rows = dict(zip(self.vocab, map(tuple, rows), strict=True))
        self._index = {term: i for i, term in enumerate(self.vocab)}
        self.known_words = frozenset(t for t in self.vocab if " " not in t and t.isalpha())

    @property
    def abuse(self) -> bool:
        """True when the bundle has abuse heads (a spam-only test bundle has not)."""
        return ATTACK in self.heads

    def prepare(self, text: str) -> str:
        """The classifier text for this bundle's vocabulary."""
        return prepare(text, known=self.known_words)

    def scores(self, text: str, *, short: Collection[str] = ()) -> dict[str, float]:
        """Each head's probability for one raw text (one n-gram count, one lookup per term).

        The heads named in `short` are discounted on a text of fewer than SHORT_WORDS words:
        TF-IDF rows are unit length, so in "Head office" or "Please call me" one or two
        words carry a whole post's weight and a word that happens to lean one way ("head",
        "call") decides alone. Their evidence is scaled by sqrt(words / SHORT_WORDS).
        """
        terms = _analyze(self.prepare(text))
        counts = Counter(terms)
        if len(counts) > SMALL_DOC:
            dots = self._dense_dots(counts).tolist()
        else:
            dots = self._dots(counts)
        if short:
            words = (len(terms) + 1) // 2  # n unigrams give n - 1 bigrams
            if words < SHORT_WORDS:
                scale = math.sqrt(words / SHORT_WORDS)
                dots = [d * scale if name in short else d
                        for name, d in zip(self.heads, dots, strict=True)]
        return {name: _sigmoid(b + d) for name, b, d in
                zip(self.heads, self.intercepts.tolist(), dots, strict=True)}

    def _dots(self, counts: Counter) -> list[float]:
        """Normalised TF-IDF dot with every head, in plain Python (short texts)."""
        width = len(self.heads)
        dots, norm = [0.0] * width, 0.0
        rows = self._rows
        for term, count in counts.items():
            row = rows.get(term)
            if row is None:
                continue
            tf = 1.0 if count == 1 else 1.0 + math.log(count)
            norm += (tf * row[0]) ** 2
            for j in range(width):
                dots[j] += tf * row[j + 1]
        scale = 1.0 / math.sqrt(norm) if norm else 0.0
        return [d * scale for d in dots]

    def _dense_dots(self, counts: Counter) -> np.ndarray:
        """The same dots with numpy, for long texts with many distinct n-grams."""
        get = self._index.get
        pairs = [(get(term), count) for term, count in counts.items() if get(term) is not None]
        if not pairs:
            return np.zeros(len(self.heads))
        rows = np.fromiter((p[0] for p in pairs), dtype=np.intp, count=len(pairs))
        tf = 1.0 + np.log(np.fromiter((p[1] for p in pairs), dtype=float, count=len(pairs)))
        norm = math.sqrt(float(((self.idf[rows] * tf) ** 2).sum()))
        return (tf @ self.weights[rows]) / norm if norm else np.zeros(len(self.heads))

    def describe(self) -> dict:
        """What an admin needs to know about this model file."""
        return {"version": self.version, "trained_at": self.trained_at,
                "data_fingerprint": self.data_fingerprint, "trained_on": list(self.trained_on),
                "extra_examples": self.extra_examples, "heads": list(self.heads),
                "terms": len(self.vocab)}


SMALL_DOC = 96  # below this many distinct n-grams plain Python beats numpy's call overhead
SHORT_WORDS = 4  # chosen on the validation rows (bench/moderation_tune.py): 6 cost abuse recall


def _sigmoid(x: float) -> float:
    """The logistic function, safe for large magnitudes."""
    return 1.0 / (1.0 + math.exp(-x)) if x > -500 else 0.0


# ---------------------------------------------------------------- training


def fit_heads(tasks: dict[str, Sequence[tuple[str, int]]], *, min_df: int = 2,
              c: float = 4.0):
    """(vectoriser, known words, {head: fitted LogisticRegression}) for train_bundle; kept
    apart so tests can check the compiled scorer against scikit-learn itself."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    for name, pairs in tasks.items():
        if {label for _, label in pairs} != {0, 1}:
            raise ValueError(f"training {name} needs examples of both labels 0 and 1")
    raw = sorted({text for pairs in tasks.values() for text, _ in pairs})
    first = CountVectorizer(token_pattern=TOKEN_PATTERN, lowercase=False,
                            min_df=min(3, min_df + 1) if min_df > 1 else 1)
    first.fit([prepare(t) for t in raw])
    known = frozenset(t for t in first.vocabulary_ if t.isalpha())
    prepared = {text: prepare(text, known=known) for text in raw}
    vectoriser = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True,
                                 lowercase=False, token_pattern=TOKEN_PATTERN, dtype=np.float64)
    vectoriser.fit(list(prepared.values()))
    fitted = {}
    for name, pairs in tasks.items():
        clf = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, solver="liblinear")
        fitted[name] = clf.fit(vectoriser.transform([prepared[t] for t, _ in pairs]),
                               [label for _, label in pairs])
    return vectoriser, known, fitted


def train_bundle(tasks: dict[str, Sequence[tuple[str, int]]], *, version: int = 1,
                 data_fingerprint: str = "", trained_on: Sequence[str] = (),
                 extra_examples: int = 0, min_df: int = 2, c: float = 4.0) -> ModelBundle:
    """Fit one shared TF-IDF vocabulary on every task's texts and one balanced logistic
    regression per task (label 1 = keep out); returns the compiled bundle."""
    vectoriser, _, fitted = fit_heads(tasks, min_df=min_df, c=c)
    vocab = sorted(vectoriser.vocabulary_, key=vectoriser.vocabulary_.get)
    idf = vectoriser.idf_
    weights = np.column_stack([idf * clf.coef_[0] for clf in fitted.values()])
    intercepts = np.array([clf.intercept_[0] for clf in fitted.values()])
    return ModelBundle(vocab, idf, weights, intercepts, tuple(fitted), version=version,
                       data_fingerprint=data_fingerprint, trained_on=tuple(trained_on),
                       extra_examples=extra_examples)


def train_models(data_dir: Path | str | None = None, *,
                 extra_spam: Iterable[tuple[str, int]] = (),
                 extra_abuse: Iterable[tuple[str, int]] = (), version: int = 1,
                 with_abuse: bool = True) -> ModelBundle:
    """Train every head from the public data's train splits plus moderator decisions.

    Moderator decisions (text, 1 = keep out / 0 = fine) count EXTRA_WEIGHT times so a handful
    can move the model; abuse decisions teach the attack head. The corpora per head are chosen
    in moderation/engine/corpora.py.
    """
    from . import corpora

    extra_spam, extra_abuse = list(extra_spam), list(extra_abuse)
    tasks, sources, fingerprint = corpora.training_tasks(data_dir, with_abuse=with_abuse)
    tasks[SPAM] = list(tasks[SPAM]) + extra_spam * EXTRA_WEIGHT
    if with_abuse:
        tasks[ATTACK] = list(tasks[ATTACK]) + extra_abuse * EXTRA_WEIGHT
    return train_bundle(tasks, version=version, data_fingerprint=fingerprint,
                        trained_on=sources, extra_examples=len(extra_spam) + len(extra_abuse),
                        min_df=MIN_DF, c=C)


EXTRA_WEIGHT = 3
# Chosen on the validation rows (bench/moderation_tune.py): with min_df 2 and C 4 a word seen
# in four hand-written threats ("warehouse") outweighed everything else in a support question.
MIN_DF, C = 5, 2.0


# ---------------------------------------------------------------- safe files


def to_bytes(bundle: ModelBundle) -> bytes:
    """The bundle as an .npz of plain arrays and a JSON header (no pickled objects)."""
    meta = {"format": bundle.format, "version": bundle.version, "heads": list(bundle.heads),
            "trained_at": bundle.trained_at, "data_fingerprint": bundle.data_fingerprint,
            "trained_on": list(bundle.trained_on), "extra_examples": bundle.extra_examples,
            "token_pattern": TOKEN_PATTERN, "ngram_range": [1, 2], "sublinear_tf": True,
            "max_chars": MAX_MODEL_CHARS}
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        vocab=np.frombuffer("\n".join(bundle.vocab).encode("utf-8"), dtype=np.uint8),
        idf=bundle.idf.astype(np.float64), weights=bundle.weights.astype(np.float64),
        intercepts=bundle.intercepts.astype(np.float64))
    return buffer.getvalue()


def from_bytes(blob: bytes, *, source: str = "model") -> ModelBundle:
    """Read a bundle written by to_bytes; refuses other formats and anything pickled."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
        meta = json.loads(arrays["meta"].tobytes().decode())
        if meta.get("format") != MODEL_FORMAT:
            raise ValueError(f"{source} is not a moderation model of format {MODEL_FORMAT}")
        vocab = arrays["vocab"].tobytes().decode("utf-8").split("\n")
        return ModelBundle(vocab, arrays["idf"], arrays["weights"], arrays["intercepts"],
                           tuple(meta["heads"]), version=int(meta["version"]),
                           trained_at=float(meta["trained_at"]),
                           data_fingerprint=meta.get("data_fingerprint", ""),
                           trained_on=tuple(meta.get("trained_on", ())),
                           extra_examples=int(meta.get("extra_examples", 0)))


def model_path(directory: Path | str, version: int) -> Path:
    """Where version N of the model lives in a directory."""
    return Path(directory) / f"moderation-model-v{version:06d}.npz"


def write_atomic(path: Path, blob: bytes) -> Path:
    """Write a file so readers see the old one or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".model-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def save_model(bundle: ModelBundle, directory: Path | str) -> Path:
    """Write the bundle atomically as moderation-model-v<version>.npz and return its path."""
    return write_atomic(model_path(directory, bundle.version), to_bytes(bundle))


def load_model(path: Path | str) -> ModelBundle:
    """Load a bundle written by save_model (or the shipped cold-start file)."""
    return from_bytes(Path(path).read_bytes(), source=str(path))


def latest_version(directory: Path | str) -> int:
    """The highest model version saved in a directory, 0 if none."""
    directory = Path(directory)
    if not directory.is_dir():
        return 0
    versions = [int(m.group(1)) for p in directory.iterdir() if (m := FILE_PATTERN.match(p.name))]
    return max(versions, default=0)


def load_latest(directory: Path | str) -> ModelBundle | None:
    """The newest saved bundle, or None when the directory holds none yet."""
    version = latest_version(directory)
    return load_model(model_path(directory, version)) if version else None


def reload_if_newer(current: ModelBundle | None, directory: Path | str) -> ModelBundle | None:
    """Swap to a newer file written by another worker; keep `current` otherwise."""
    version = latest_version(directory)
    if version and (current is None or version > current.version):
        return load_model(model_path(directory, version))
    return current


@lru_cache(maxsize=2)
def default_model(path: Path | str = SHIPPED_MODEL) -> ModelBundle:
    """The shipped cold-start model (read once per process)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no moderation model at {path}: build it with "
                                "`python -m moderation.engine.build`")
    return load_model(path)
