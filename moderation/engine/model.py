"""Learned classifiers (scikit-learn), their training, versioned files, and fast scoring.

Training and batch evaluation use the scikit-learn pipeline itself. Screening one submission
at a time through `pipeline.predict_proba` costs milliseconds of input validation, so each
fitted pipeline is also compiled into a term -> weight table that computes exactly the same
TF-IDF dot product (a test checks they agree) in a few dozen microseconds.
"""
from __future__ import annotations

import math
import os
import pickle
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import data as datasets
from .text import model_text

MODEL_FORMAT = 2  # bump when the pickled layout changes; older files are then retrained
FILE_PATTERN = re.compile(r"^moderation-model-v(\d+)\.pkl$")
MAX_MODEL_CHARS = 1000  # classifiers read the start of long posts; rule checks read it all


class TextClassifier:
    """A fitted TF-IDF + logistic regression pipeline with a compiled single-text scorer."""

    def __init__(self, pipeline):
        self.pipeline = pipeline
        self._compile()

    def __getstate__(self):
        return {"pipeline": self.pipeline}

    def __setstate__(self, state):
        self.pipeline = state["pipeline"]
        self._compile()

    def _compile(self) -> None:
        """Fold IDF and coefficients into one table per vectoriser for the fast path."""
        features, clf = self.pipeline.steps[0][1], self.pipeline.steps[-1][1]
        coef = clf.coef_[0]
        self.intercept = float(clf.intercept_[0])
        self.parts = []
        offset = 0
        for _, vec in features.transformer_list:
            idf = vec.idf_
            table = {term: (float(idf[i]), float(idf[i] * coef[offset + i]))
                     for term, i in vec.vocabulary_.items()}
            self.parts.append((_analyzer_key(vec), _analyzer(vec), vec.sublinear_tf, table))
            offset += len(vec.vocabulary_)

    def probability(self, prepared: str, cache: dict | None = None) -> float:
        """P(label 1) for one prepared text; `cache` shares n-gram counts between models."""
        score = self.intercept
        for key, analyzer, sublinear, table in self.parts:
            counts = cache.get(key) if cache is not None else None
            if counts is None:
                counts = Counter(analyzer(prepared))
                if cache is not None:
                    cache[key] = counts
            score += _dot(counts, table, sublinear)
        return 1.0 / (1.0 + math.exp(-score)) if score > -500 else 0.0

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        """P(label 1) for many raw texts at once, through scikit-learn itself."""
        prepared = [prepare(t) for t in texts]
        return [float(p) for p in self.pipeline.predict_proba(prepared)[:, 1]]


class BundleScorer:
    """Every classifier of a bundle in one pass: one n-gram count and one vocabulary lookup
    per distinct analyser, then a small matrix product gives each model's TF-IDF dot."""

    def __init__(self, named: Sequence[tuple[str, TextClassifier]]):
        self.names = [name for name, _ in named]
        self.intercepts = np.array([clf.intercept for _, clf in named])
        members: dict[tuple, list[tuple[int, object]]] = {}
        for column, (_, clf) in enumerate(named):
            for key, analyzer, sublinear, table in clf.parts:
                members.setdefault((key, sublinear), []).append((column, (analyzer, table)))
        self.groups = [self._group(key[1], parts) for key, parts in members.items()]

    def _group(self, sublinear: bool, parts: list) -> tuple:
        """Union vocabulary of the models sharing an analyser, with IDF and weight columns."""
        vocab: dict[str, int] = {}
        for _, (_, table) in parts:
            for term in table:
                vocab.setdefault(term, len(vocab))
        idf = np.zeros((len(vocab), len(parts)))
        weight = np.zeros((len(vocab), len(parts)))
        for j, (_, (_, table)) in enumerate(parts):
            for term, (term_idf, term_weight) in table.items():
                idf[vocab[term], j] = term_idf
                weight[vocab[term], j] = term_weight
        columns = np.array([column for column, _ in parts])
        pairs = np.empty((len(vocab), 2 * len(parts)))
        pairs[:, 0::2], pairs[:, 1::2] = idf, weight
        rows = dict(zip(vocab, map(tuple, pairs.tolist()), strict=True))
        return parts[0][1][0], sublinear, vocab, idf, weight, columns, rows

    def scores(self, prepared: str) -> dict[str, float]:
        """Probability of label 1 for each named classifier."""
        totals = self.intercepts.copy()
        for analyzer, sublinear, vocab, idf, weight, columns, rows_of in self.groups:
            counts = Counter(analyzer(prepared))
            if len(counts) <= SMALL_DOC:
                np.add.at(totals, columns, _small_dots(counts, rows_of, sublinear, len(columns)))
                continue
            get = vocab.get
            rows = np.array([get(term, -1) for term in counts], dtype=np.intp)
            known = rows >= 0
            if not known.any():
                continue
            rows = rows[known]
            tf = np.fromiter(counts.values(), dtype=float, count=len(counts))[known]
            if sublinear:
                tf = 1.0 + np.log(tf)
            norms = np.sqrt(((idf[rows] * tf[:, None]) ** 2).sum(axis=0))
            dots = tf @ weight[rows]
            np.add.at(totals, columns, np.divide(dots, norms, out=np.zeros_like(dots),
                                                 where=norms > 0))
        probabilities = 1.0 / (1.0 + np.exp(-np.clip(totals, -500, 500)))
        return dict(zip(self.names, probabilities.tolist(), strict=True))


SMALL_DOC = 96  # below this many distinct n-grams plain Python beats numpy's call overhead


def _small_dots(counts: Counter, rows_of: dict, sublinear: bool, width: int) -> list[float]:
    """The same normalised dot products as the numpy path, for a short text."""
    dots, norms = [0.0] * width, [0.0] * width
    for term, count in counts.items():
        row = rows_of.get(term)
        if row is None:
            continue
        tf = 1.0 if count == 1 else (1.0 + math.log(count) if sublinear else float(count))
        for j in range(width):
            norms[j] += (tf * row[2 * j]) ** 2
            dots[j] += tf * row[2 * j + 1]
    return [d / math.sqrt(n) if n else 0.0 for d, n in zip(dots, norms, strict=True)]


def _dot(counts: Counter, table: dict, sublinear: bool) -> float:
    """The L2-normalised TF-IDF vector of `counts` dotted with the folded weights."""
    dot = norm = 0.0
    for term, count in counts.items():
        entry = table.get(term)
        if entry is None:
            continue
        tf = 1.0 if count == 1 else (1.0 + math.log(count) if sublinear else float(count))
        idf, weight = entry
        norm += (tf * idf) ** 2
        dot += tf * weight
    return dot / math.sqrt(norm) if norm else 0.0


def _analyzer(vec):
    """The vectoriser's own analyser, or an equivalent faster one for plain word 1-2-grams.

    scikit-learn builds bigrams with a slice and a join per position; for the configuration
    used here the same tokens come from one findall and one comprehension (a test checks the
    scores are identical).
    """
    plain = (vec.analyzer == "word" and vec.ngram_range == (1, 2) and not vec.lowercase
             and vec.strip_accents is None and vec.stop_words is None and vec.tokenizer is None
             and vec.preprocessor is None and vec.input == "content")
    if not plain:
        return vec.build_analyzer()
    findall = re.compile(vec.token_pattern).findall

    def analyze(doc: str) -> list[str]:
        """Unigrams then bigrams, as scikit-learn's word analyser returns them."""
        tokens = findall(doc)
        return tokens + [a + " " + b for a, b in zip(tokens, tokens[1:], strict=False)]
    return analyze


def _analyzer_key(vec) -> tuple:
    """Vectorisers with equal keys produce the same n-grams, so counts can be shared."""
    return (vec.analyzer, vec.ngram_range, vec.lowercase, vec.token_pattern)


def prepare(text: str, *, links: bool = True) -> str:
    """The text a classifier reads: normalised, and cut to the first MAX_MODEL_CHARS."""
    return model_text(text, links=links, limit=MAX_MODEL_CHARS)[:MAX_MODEL_CHARS]


def build_pipeline(*, chars: bool = False):
    """Word 1-2-grams (optionally character 3-4-grams), TF-IDF, balanced logistic regression.

    Word n-grams alone measured as well as words + characters on the held-out spam split and
    cost a fraction at screening time; obfuscation is undone by the normaliser beforehand.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    parts = [("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                       lowercase=False))]
    if chars:
        parts.append(("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), min_df=3,
                                               sublinear_tf=True, lowercase=False)))
    clf = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000, solver="liblinear")
    return Pipeline([("features", FeatureUnion(parts)), ("clf", clf)])


def train_classifier(pairs: Iterable[tuple[str, int]], *, chars: bool = False) -> TextClassifier:
    """Fit one classifier on (text, label) pairs; label 1 is the class to keep out."""
    pairs = list(pairs)
    labels = {label for _, label in pairs}
    if labels != {0, 1}:
        raise ValueError("training needs examples of both labels 0 and 1")
    pipeline = build_pipeline(chars=chars)
    pipeline.fit([prepare(t) for t, _ in pairs], [label for _, label in pairs])
    return TextClassifier(pipeline)


@dataclass
class ModelBundle:
    """The models the engine uses, with the version and provenance stored beside them."""

    spam: TextClassifier
    abuse: TextClassifier | None = None
    version: int = 1
    trained_at: float = field(default_factory=time.time)
    data_fingerprint: str = ""
    extra_examples: int = 0
    format: int = MODEL_FORMAT

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_scorer", None)
        return state

    @property
    def scorer(self) -> BundleScorer:
        """The combined fast scorer, built on first use (and after loading from a file)."""
        scorer = self.__dict__.get("_scorer")
        if scorer is None:
            named = [("spam.classifier", self.spam)]
            if self.abuse is not None:
                named.append(("abuse.classifier", self.abuse))
            scorer = self.__dict__["_scorer"] = BundleScorer(named)
        return scorer

    def scores(self, text: str, *, links: bool = True) -> dict[str, float]:
        """Spam and abuse probabilities for one submission, sharing the n-gram counting.

        links=False scores the words alone (links dropped), for authors whose links are trusted.
        """
        return self.scorer.scores(prepare(text, links=links))

    def describe(self) -> dict:
        """What an admin needs to know about this model file."""
        return {"version": self.version, "trained_at": self.trained_at,
                "data_fingerprint": self.data_fingerprint, "extra_examples": self.extra_examples,
                "has_abuse_model": self.abuse is not None}


def spam_training_pairs(data_dir=None) -> list[tuple[str, int]]:
    """The train split of YouTube + SMS spam, plus BANKING77's customer questions as not spam.

    Spam corpora alone make short support questions and complaints look like spam (their
    ham is chat); real customer questions teach the model what a brand forum's ham reads like.
    """
    spam = datasets.split(datasets.spam_examples(data_dir), test=False)
    return ([(e.text, e.label) for e in spam]
            + [(text, 0) for text in datasets.customer_questions(data_dir)])


def abuse_training_pairs(data_dir=None) -> list[tuple[str, int]]:
    """Train splits: Davidson hateful or offensive (1) against neither (0), plus the spam
    corpora's texts as not abusive (0).

    The hate-versus-offensive line is where annotators disagree most, so the model is asked
    only "abusive or not"; the rules decide what that means for a post (R1 protects people, R7
    protects the brand's critics). The YouTube and SMS texts teach it that casual text-speak
    and swearing on their own are not abuse, which tweets alone do not.
    """
    davidson = datasets.split(datasets.davidson_examples(data_dir), test=False)
    casual = datasets.split(datasets.spam_examples(data_dir), test=False)
    return ([(e.text, int(e.label != datasets.NEITHER)) for e in davidson]
            + [(e.text, 0) for e in casual])


def train_models(data_dir=None, *, extra_spam: Iterable[tuple[str, int]] = (),
                 extra_abuse: Iterable[tuple[str, int]] = (), version: int = 1,
                 with_abuse: bool = True) -> ModelBundle:
    """Train from the shipped public data plus moderator decisions (text, 1=reject / 0=approve).

    Moderator decisions are weighted like any other example and repeated so a handful of them
    can move the model: each counts as EXTRA_WEIGHT examples.
    """
    extra_spam, extra_abuse = list(extra_spam), list(extra_abuse)
    spam = train_classifier(spam_training_pairs(data_dir) + extra_spam * EXTRA_WEIGHT)
    abuse = None
    if with_abuse:
        abuse = train_classifier(abuse_training_pairs(data_dir) + extra_abuse * EXTRA_WEIGHT)
    return ModelBundle(spam, abuse, version=version,
                       data_fingerprint=datasets.fingerprint(data_dir),
                       extra_examples=len(extra_spam) + len(extra_abuse))


EXTRA_WEIGHT = 3


# ---------------------------------------------------------------- versioned files


def model_path(directory: Path | str, version: int) -> Path:
    """Where version N of the model lives in a directory."""
    return Path(directory) / f"moderation-model-v{version:06d}.pkl"


def save_model(bundle: ModelBundle, directory: Path | str) -> Path:
    """Write the bundle atomically as moderation-model-v<version>.pkl and return its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = model_path(directory, bundle.version)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".model-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(bundle, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def load_model(path: Path | str) -> ModelBundle:
    """Load a bundle written by save_model (only ever from the trusted instance folder)."""
    with open(path, "rb") as handle:
        bundle = pickle.load(handle)
    if not isinstance(bundle, ModelBundle) or bundle.format != MODEL_FORMAT:
        raise ValueError(f"{path} is not a moderation model of format {MODEL_FORMAT}")
    return bundle


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


def default_cache_dir() -> Path:
    """Where the model trained from the shipped data is cached between runs."""
    base = os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()
    return Path(base) / "parley-moderation"


def default_model(cache_dir: Path | str | None = None,
                  data_dir: Path | str | None = None) -> ModelBundle:
    """The cold-start model: trained once from the shipped data, then loaded from the cache."""
    import sklearn

    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    stamp = f"{datasets.fingerprint(data_dir)}-f{MODEL_FORMAT}-sk{sklearn.__version__}"
    path = cache / f"cold-start-{stamp}.pkl"
    if path.exists():
        try:
            return load_model(path)
        except Exception:  # a corrupt or foreign cache file is simply rebuilt
            path.unlink(missing_ok=True)
    bundle = train_models(data_dir)
    cache.mkdir(parents=True, exist_ok=True)
    saved = save_model(bundle, cache)
    os.replace(saved, path)
    for stale in cache.glob("cold-start-*.pkl"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return bundle
