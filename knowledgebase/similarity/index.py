"""Suggestion index: the questions most similar to a title being typed, in milliseconds.

Lexical scores come from an inverted layout of the TF-IDF matrix (features x questions), so a
query only touches the postings of its own n-grams. New questions are vectorised with the
vocabulary fitted at build time and kept in a small pending block that is folded into the
main postings every `merge_every` additions; `needs_refit` says when the vocabulary has
drifted enough (many questions added since the fit) to call refit().

With embeddings (semantic mode) the score is a blend: (1 - w) * cosine(embeddings) + w *
lexical, w = config.lexical_weight (0 turns the lexical part off). From config.cells.min_rows
rows, query() scores only the rows of the k-means cells nearest the query (similarity/cells.py;
BANKING77 recall@5 0.9695 with cells forced on against 0.9701 scoring every row, 0.9636 against
0.9640 among 90,000 extra questions); the cells are fitted in build() and refit(), and later
rows are scanned exactly until `merge_every` of them are placed. similar_to() scores every row.

Not thread-safe for writes: build or refit a copy and swap it in, or guard add() with a lock.
"""
from __future__ import annotations

import pickle
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from knowledgebase.similarity.cells import CellConfig, DenseCells, dots
from knowledgebase.similarity.lexical import LexicalConfig, LexicalVectorizer
from knowledgebase.similarity.semantic import embed_query, embed_questions, normalise_rows
from knowledgebase.similarity.types import Embedder, Match, Question, as_questions

FORMAT_VERSION = 2  # 2: cells in semantic indexes


@dataclass(frozen=True)
class IndexConfig:
    """Index knobs: lexical features, hybrid weight, pending-block size, refit trigger,
    approximate semantic search (cells)."""

    lexical: LexicalConfig = field(default_factory=LexicalConfig)
    lexical_weight: float = 0.0  # 0.25 lifts BANKING77 recall@5 0.970 -> 0.975, +~15 ms
    merge_every: int = 2000
    refit_ratio: float = 0.5
    cells: CellConfig = field(default_factory=CellConfig)


class SuggestionIndex:
    """Questions indexed for "did you mean one of these?" look-ups, lexical or semantic."""

    def __init__(self, config: IndexConfig | None = None, *, embedder: Embedder | None = None,
                 model: str | None = None):
        self.config = config or IndexConfig()
        self.embedder = embedder
        self.model = model  # the embedding model's name, saved with the index
        self.token_weights: np.ndarray | None = None  # a corpus-weighted model's, saved too
        self._vectorizer = LexicalVectorizer(self.config.lexical)
        self._reset()

    def _reset(self) -> None:
        self._questions: list[Question] = []
        self._row_of: dict[Hashable, int] = {}
        self._alive = np.zeros(0, dtype=bool)
        self._main = sp.csr_matrix((0, 0), dtype=np.float32)
        self._postings = sp.csr_matrix((0, 0), dtype=np.float32)
        self._pending: list[sp.csr_matrix] = []
        self._pending_rows = 0
        self._pending_matrix: sp.csr_matrix | None = None
        self._dense: np.ndarray | None = None
        self._dense_rows = 0
        self._cells: DenseCells | None = None
        self._fitted_rows = 0
        self._added_since_fit = 0

    @classmethod
    def build(cls, questions: Sequence, *, embeddings: np.ndarray | None = None,
              embedder: Embedder | None = None, config: IndexConfig | None = None,
              model: str | None = None) -> SuggestionIndex:
        """Fit the vocabulary on these questions and index them (embeddings: one row each)."""
        index = cls(config, embedder=embedder, model=model)
        items = as_questions(questions)
        dense = index._dense_for(items, embeddings)
        index._vectorizer.fit(items)
        index._fitted_rows = len(items)
        index._main = index._vectorizer.transform(items) if items else index._empty_rows()
        index._postings = index._main.T.tocsr()
        index._append_rows(items, dense)
        index._fit_cells()
        return index

    @property
    def semantic(self) -> bool:
        """True when the index holds embeddings (scores use them)."""
        return self._dense is not None

    def __len__(self) -> int:
        return int(self._alive.sum())

    def __contains__(self, question_id: Hashable) -> bool:
        row = self._row_of.get(question_id)
        return row is not None and bool(self._alive[row])

    @property
    def needs_refit(self) -> bool:
        """True once the questions added since the fit exceed refit_ratio of those fitted."""
        return self._added_since_fit > self.config.refit_ratio * max(self._fitted_rows, 1)

    def add(self, questions: Sequence, *, embeddings: np.ndarray | None = None) -> None:
        """Index new (or changed) questions without refitting the vocabulary."""
        items = as_questions(questions)
        if not items:
            return
        if not self._vectorizer.fitted:
            raise RuntimeError("build the index before adding to it")
        dense = self._dense_for(items, embeddings)
        self.remove(q.id for q in items)
        self._pending.append(self._vectorizer.transform(items))
        self._pending_rows += len(items)
        self._pending_matrix = None
        self._append_rows(items, dense)
        self._added_since_fit += len(items)
        if self._pending_rows >= self.config.merge_every:
            self._fold_pending()
        if self._cells and self._dense_rows - self._cells.covered >= self.config.merge_every:
            self._cells.absorb(self._dense[: self._dense_rows])

    def remove(self, question_ids: Iterable[Hashable]) -> None:
        """Stop suggesting these questions (unknown ids are ignored)."""
        for question_id in question_ids:
            row = self._row_of.pop(question_id, None)
            if row is not None:
                self._alive[row] = False

    def refit(self) -> None:
        """Refit the vocabulary on every live question and rebuild (drops removed rows)."""
        live = np.flatnonzero(self._alive)
        items = [self._questions[i] for i in live.tolist()]
        dense = None if self._dense is None else self._dense[live]
        if not items:
            self._reset()
            return
        rebuilt = SuggestionIndex.build(items, embeddings=dense, config=self.config)
        rebuilt.embedder = self.embedder
        self.__dict__.update(rebuilt.__dict__)

    def query(self, title: str, *, body: str = "", k: int = 5, exclude: Iterable = (),
              min_score: float = 0.0, query_embedding: np.ndarray | None = None) -> list[Match]:
        """The k indexed questions closest to a title (and optional body), best first."""
        if not len(self) or k <= 0 or not (title.strip() or body.strip()):
            return []
        probe, exclude = Question(None, title, body), set(exclude)
        if self._cells is not None:
            rows, scores = self._cell_scores(probe, query_embedding, k + len(exclude))
            return self._best_rows(rows, scores, k, exclude, min_score)
        return self._best(self._scores(probe, query_embedding), k, exclude, min_score)

    def similar_to(self, question_id: Hashable, *, k: int = 5,
                   min_score: float = 0.0) -> list[Match]:
        """Related questions for one already indexed (itself excluded), from stored vectors."""
        row = self._row_of.get(question_id)
        if row is None:
            return []
        question = self._questions[row]
        embedding = None if self._dense is None else self._dense[row]
        scores = self._scores(question, embedding, lexical=self._stored_rows([row]))
        return self._best(scores, k, {question_id}, min_score)

    def similar_to_many(self, question_ids: Sequence[Hashable], *, k: int = 5,
                        min_score: float = 0.0, chunk: int = 256) -> dict[Hashable, list[Match]]:
        """similar_to for many indexed questions at once (a backfill), a chunk of rows per
        matrix product; ids not in the index are left out of the result."""
        ids = [q for q in question_ids if q in self]
        out: dict[Hashable, list[Match]] = {}
        for start in range(0, len(ids), chunk):
            part = ids[start:start + chunk]
            rows = [self._row_of[q] for q in part]
            scores = self._batch_scores(rows)
            for question_id, row_scores in zip(part, scores, strict=True):
                out[question_id] = self._best(row_scores, k, {question_id}, min_score)
        return out

    def lexical_rows(self, question_ids: Sequence[Hashable]) -> sp.csr_matrix:
        """Stored TF-IDF rows of indexed questions, to cluster them without re-vectorising."""
        if self._pending:
            self._fold_pending()
        rows = [self._row_of[question_id] for question_id in question_ids]
        return self._main[rows]

    def save(self, path: str | Path) -> None:
        """Write the index (without the embedder object) so every worker can load it."""
        Path(path).write_bytes(pickle.dumps((FORMAT_VERSION, self._state()), protocol=5))

    @classmethod
    def load(cls, path: str | Path, *, embedder: Embedder | None = None) -> SuggestionIndex:
        """Read an index written by save(); pass the embedder again for semantic queries."""
        version, state = pickle.loads(Path(path).read_bytes())
        if version != FORMAT_VERSION:
            raise ValueError(f"index format {version} is not {FORMAT_VERSION}: rebuild it")
        index = cls(state["config"], embedder=embedder)
        index.__dict__.update(state)
        index.__dict__.setdefault("model", None)
        index.__dict__.setdefault("token_weights", None)
        return index

    def _state(self) -> dict:
        state = dict(self.__dict__)
        state.pop("embedder", None)
        return state

    def _empty_rows(self) -> sp.csr_matrix:
        return sp.csr_matrix((0, self._vectorizer.n_features), dtype=np.float32)

    def _dense_for(self, items: list[Question], embeddings) -> np.ndarray | None:
        """Embeddings for new rows: given, computed by the embedder, or none (lexical)."""
        if embeddings is not None:
            matrix = normalise_rows(embeddings)
            if matrix.ndim != 2 or matrix.shape[0] != len(items):
                raise ValueError("embeddings must have one row per question")
            return matrix
        if self.embedder is not None and items:
            return embed_questions(self.embedder, items)
        if self._dense is not None and items:
            raise ValueError("this index is semantic: pass embeddings or an embedder")
        return None

    def _append_rows(self, items: list[Question], dense: np.ndarray | None) -> None:
        start = len(self._questions)
        self._questions.extend(items)
        self._row_of.update((q.id, start + i) for i, q in enumerate(items))
        self._alive = np.concatenate([self._alive, np.ones(len(items), dtype=bool)])
        if dense is not None:
            self._grow_dense(dense)

    def _grow_dense(self, rows: np.ndarray) -> None:
        """Append embeddings into a buffer that doubles, so adds do not copy everything."""
        needed = self._dense_rows + rows.shape[0]
        if self._dense is None or needed > self._dense.shape[0]:
            capacity = max(needed, 2 * (0 if self._dense is None else self._dense.shape[0]))
            grown = np.zeros((capacity, rows.shape[1]), dtype=np.float32)
            if self._dense is not None:
                grown[: self._dense_rows] = self._dense[: self._dense_rows]
            self._dense = grown
        self._dense[self._dense_rows:needed] = rows
        self._dense_rows = needed

    def _fit_cells(self) -> None:
        """Cells for a large semantic index: fitted here (seconds), never during a query."""
        if self._dense is not None and self._dense_rows >= self.config.cells.min_rows:
            self._cells = DenseCells.fit(self._dense[: self._dense_rows], self.config.cells)

    def _fold_pending(self) -> None:
        self._main = sp.vstack([self._main, *self._pending], format="csr")
        self._postings = self._main.T.tocsr()
        self._pending, self._pending_rows, self._pending_matrix = [], 0, None

    def _scores(self, probe: Question, query_embedding,
                lexical: sp.csr_matrix | None = None) -> np.ndarray:
        """Scores against every row; `lexical` is the probe's stored TF-IDF row when it is
        indexed already (vectorising its text again costs more than the scoring)."""
        weight = self.config.lexical_weight if self.semantic else 1.0
        scores = np.zeros(len(self._questions), dtype=np.float32)
        if weight > 0:
            query = lexical if lexical is not None else self._vectorizer.transform([probe])
            scores += weight * self._lexical_scores(query)
        if self.semantic:
            vector = self._query_vector(probe, query_embedding)
            # einsum, not BLAS: threaded BLAS took 4x the CPU here and slowed the next query
            # embedding (its spinning threads); see similarity/cells.py.
            scores += (1 - weight) * np.einsum("ij,j->i", self._dense[: self._dense_rows], vector)
        return scores

    def _query_vector(self, probe: Question, query_embedding) -> np.ndarray:
        if query_embedding is not None:
            return normalise_rows(np.asarray(query_embedding).reshape(1, -1))[0]
        if self.embedder is None:
            raise ValueError("semantic index: pass query_embedding or build with an embedder")
        return embed_query(self.embedder, probe.title, probe.body)

    def _stored_rows(self, rows: list[int]) -> sp.csr_matrix:
        """TF-IDF rows as indexed (main block or pending block)."""
        n_main = self._main.shape[0]
        if all(row < n_main for row in rows):
            return self._main[rows]
        if self._pending_matrix is None:
            self._pending_matrix = sp.vstack(self._pending, format="csr")
        return sp.vstack([self._main[row] if row < n_main else self._pending_matrix[row - n_main]
                          for row in rows], format="csr")

    def _batch_scores(self, rows: list[int]) -> np.ndarray:
        """Scores of several indexed rows against every row: one (chunk x n) product."""
        weight = self.config.lexical_weight if self.semantic else 1.0
        scores = np.zeros((len(rows), len(self._questions)), dtype=np.float32)
        if weight > 0:
            if self._pending:
                self._fold_pending()
            scores += weight * (self._stored_rows(rows) @ self._postings).toarray()
        if self.semantic:
            dense = self._dense[: self._dense_rows]
            scores += (1 - weight) * (dense[rows] @ dense.T)
        return scores

    def _lexical_scores(self, query: sp.csr_matrix) -> np.ndarray:
        n_main = self._main.shape[0]
        scores = np.zeros(len(self._questions), dtype=np.float32)
        if query.nnz and n_main:
            postings = self._postings[query.indices]
            scores[:n_main] = np.asarray(postings.T @ query.data).ravel()
        if self._pending and query.nnz:
            if self._pending_matrix is None:
                self._pending_matrix = sp.vstack(self._pending, format="csr")
            scores[n_main:] = np.asarray(self._pending_matrix @ query.T.toarray()).ravel()
        return scores

    def _cell_scores(self, probe: Question, query_embedding,
                     want: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores of the rows in the cells nearest the query (and, when blending, of the
        best lexical rows too, so a strong word match is never left out)."""
        vector = self._query_vector(probe, query_embedding)
        rows = self._cells.candidates(vector, self._dense_rows)
        weight = self.config.lexical_weight
        if weight <= 0:
            return rows, dots(self._dense, rows, vector)
        lexical = self._lexical_scores(self._vectorizer.transform([probe]))
        extra = min(2 * want, len(lexical))
        rows = np.union1d(rows, np.argpartition(-lexical, extra - 1)[:extra])
        return rows, (1 - weight) * dots(self._dense, rows, vector) + weight * lexical[rows]

    def _best(self, scores: np.ndarray, k: int, exclude: set, min_score: float) -> list[Match]:
        return self._best_rows(None, np.where(self._alive, scores, -np.inf), k, exclude,
                               min_score)

    def _best_rows(self, rows: np.ndarray | None, scores: np.ndarray, k: int, exclude: set,
                   min_score: float) -> list[Match]:
        """The k best live rows, best first: scores[i] is rows[i]'s (rows None: row i's)."""
        if rows is not None:
            live = self._alive[rows]
            rows, scores = rows[live], scores[live]
        want = min(len(scores), k + len(exclude))
        if want == 0:
            return []
        top = np.argpartition(-scores, want - 1)[:want]
        top = top[np.argsort(-scores[top], kind="stable")]
        out = []
        for i in top.tolist():
            question_id = self._questions[i if rows is None else int(rows[i])].id
            if scores[i] < min_score or scores[i] == -np.inf or question_id in exclude:
                continue
            out.append(Match(question_id, round(float(scores[i]), 6)))
            if len(out) == k:
                break
        return out
