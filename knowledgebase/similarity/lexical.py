"""Lexical vectors: word and character n-gram TF-IDF, the title weighted above the body."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from knowledgebase.similarity.types import Question


@dataclass(frozen=True)
class LexicalConfig:
    """Tuning knobs; the defaults were chosen on BANKING77 train (see knowledgebase.evaluate)."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    word_weight: float = 1.0
    char_weight: float = 1.0
    title_weight: float = 1.0
    body_weight: float = 0.5
    max_body_chars: int = 2000
    min_df_large: int = 2
    large_corpus: int = 5000


class LexicalVectorizer:
    """Fitted once on a base set of questions, then transforms new questions and queries.

    Character n-grams (within word boundaries) catch typos and word forms; word uni/bi-grams
    catch phrases. Both use sublinear tf and are L2-normalised before being mixed.
    """

    def __init__(self, config: LexicalConfig | None = None):
        self.config = config or LexicalConfig()
        self._parts: list[tuple[TfidfVectorizer, float]] = []

    @property
    def fitted(self) -> bool:
        """True once fit() has learned a vocabulary."""
        return bool(self._parts)

    @property
    def n_features(self) -> int:
        """Width of the vectors this vectorizer produces."""
        return sum(len(v.vocabulary_) for v, _ in self._parts)

    def fit(self, questions: Sequence[Question]) -> LexicalVectorizer:
        """Learn vocabulary and idf from titles and bodies; rare n-grams dropped on big sets."""
        self._fit_texts(self._corpus(questions), keep_rows=False)
        return self

    def fit_transform(self, questions: Sequence[Question]) -> sp.csr_matrix:
        """fit() then transform() with one pass of text analysis (the costly part) instead of
        two; the rows equal transform()'s."""
        texts = self._corpus(questions)
        rows = self._fit_texts(texts, keep_rows=True)
        titles = rows[: len(questions)]
        body_row = {i: len(questions) + j for j, i in
                    enumerate(i for i, q in enumerate(questions) if q.body)}
        with_body = [i for i, q in enumerate(questions) if q.body.strip()]
        return self._mix(titles, rows[[body_row[i] for i in with_body]], with_body)

    def _corpus(self, questions: Sequence[Question]) -> list[str]:
        return [q.title for q in questions] + [self._body(q) for q in questions if q.body]

    def _fit_texts(self, texts: list[str], *, keep_rows: bool) -> sp.csr_matrix | None:
        """Fit every part on texts; with keep_rows, also return the texts' mixed rows."""
        if not any(t.strip() for t in texts):
            texts = texts + ["empty"]
        min_df = self.config.min_df_large if len(texts) >= self.config.large_corpus else 1
        cfg = self.config
        specs = [("word", cfg.word_ngrams, cfg.word_weight),
                 ("char_wb", cfg.char_ngrams, cfg.char_weight)]
        self._parts, blocks = [], []
        for analyzer, ngrams, weight in specs:
            if weight <= 0:
                continue
            vec = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True,
                                  min_df=min_df, strip_accents="unicode", dtype=np.float32)
            vec, rows = _fit_tolerant(vec, texts, keep_rows)
            self._parts.append((vec, weight))
            if keep_rows:
                blocks.append(weight * normalize(rows))
        if not keep_rows:
            return None
        return normalize(sp.hstack(blocks, format="csr", dtype=np.float32))

    def transform_texts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Vectorise plain strings (queries); rows are L2-normalised, empty text gives zeros."""
        if not self.fitted:
            raise RuntimeError("LexicalVectorizer.fit() must be called first")
        blocks = [weight * normalize(vec.transform(texts)) for vec, weight in self._parts]
        return normalize(sp.hstack(blocks, format="csr", dtype=np.float32))

    def transform(self, questions: Sequence[Question]) -> sp.csr_matrix:
        """Vectorise questions: title and body vectors mixed by their weights, then normalised."""
        titles = self.transform_texts([q.title for q in questions])
        with_body = [i for i, q in enumerate(questions) if q.body.strip()]
        if not with_body or self.config.body_weight <= 0:
            return titles
        bodies = self.transform_texts([self._body(questions[i]) for i in with_body])
        return self._mix(titles, bodies, with_body)

    def _mix(self, titles: sp.csr_matrix, bodies: sp.csr_matrix,
             with_body: list[int]) -> sp.csr_matrix:
        """Title rows plus body_weight times the body rows of the questions that have one."""
        if not with_body or self.config.body_weight <= 0:
            return titles
        n = titles.shape[0]
        scale = np.zeros(n, dtype=np.float32)
        scale[with_body] = self.config.body_weight
        rows = sp.csr_matrix((np.ones(len(with_body), np.float32),
                              (with_body, np.arange(len(with_body)))),
                             shape=(n, len(with_body)))
        mixed = self.config.title_weight * titles + sp.diags(scale) @ (rows @ bodies)
        return normalize(mixed.tocsr())

    def _body(self, question: Question) -> str:
        return question.body[: self.config.max_body_chars]


def _fit_tolerant(vec: TfidfVectorizer, texts: list[str], keep_rows: bool = False):
    """Fit (and transform, with keep_rows), falling back to min_df=1 when a small or odd
    corpus leaves no term standing; returns the vectorizer and the texts' rows or None."""
    fit = vec.fit_transform if keep_rows else vec.fit
    try:
        out = fit(texts)
    except ValueError:
        vec.set_params(min_df=1)
        try:
            out = fit(texts)
        except ValueError:
            out = fit(texts + ["empty"])
            out = out[: len(texts)] if keep_rows else out
    return vec, (out if keep_rows else None)
