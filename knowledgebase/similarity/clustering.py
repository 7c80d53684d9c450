"""Group questions that ask the same thing; questions that repeat nothing stay in no cluster.

Pipeline: vectors (TF-IDF, or embeddings when given) -> k nearest neighbours -> edge weights
blended with shared-neighbour similarity -> average linkage on that sparse graph -> clusters
of at least min_size questions, each with its most central question's title, cleaned.

Anchors are questions whose group is already known (for example threads answered by the
same article, or closed as duplicates of one canonical thread). A free question joins an
anchor group when the similarity-weighted vote of its nearest anchors clearly favours it;
the questions left over are clustered among themselves.
"""
from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from knowledgebase.similarity.lexical import LexicalVectorizer
from knowledgebase.similarity.linkage import average_linkage, shared_neighbour_weights
from knowledgebase.similarity.neighbours import NeighbourConfig, knn_graph, nearest, pair_dots
from knowledgebase.similarity.semantic import embed_questions, normalise_rows
from knowledgebase.similarity.types import Cluster, Embedder, Question, as_questions


@dataclass(frozen=True)
class LinkageParams:
    """Per vector kind: merge threshold, edge floor, the stricter bar for a lone pair, and
    how close a free question must be to some anchor of the group it is voted into."""

    threshold: float
    min_similarity: float
    pair_similarity: float
    anchor_similarity: float = 0.0


@dataclass(frozen=True)
class ClusterConfig:
    """Clustering knobs; defaults chosen on BANKING77 train and CLINC val, never on test."""

    k: int = 20
    second_order: float = 0.5
    lexical: LinkageParams = LinkageParams(threshold=0.55, min_similarity=0.0,
                                           pair_similarity=0.80, anchor_similarity=0.35)
    semantic: LinkageParams = LinkageParams(threshold=0.22, min_similarity=0.62,
                                            pair_similarity=0.85, anchor_similarity=0.55)
    # Hybrid mode (embeddings given and semantic_share < 1): each question is the
    # concatenation of its centred embedding and its TF-IDF row, weighted so that a cosine is
    # semantic_share * embedding cosine + (1 - semantic_share) * lexical cosine; linked with
    # the `hybrid` parameters. Centring on the set's own mean direction removes what every
    # question of one community shares (averaged token vectors all lean one way).
    semantic_share: float = 1.0
    center: bool = False
    hybrid: LinkageParams = LinkageParams(threshold=0.45, min_similarity=0.0,
                                          pair_similarity=0.70, anchor_similarity=0.45)
    min_size: int = 2
    anchor_k: int = 10
    anchor_share: float = 0.5
    neighbours: NeighbourConfig = field(default_factory=NeighbourConfig)

    def params(self, semantic: bool) -> LinkageParams:
        """The linkage parameters for the vector kind in use."""
        return self.semantic if semantic else self.lexical

    @property
    def mixes(self) -> bool:
        """True when embeddings are mixed with TF-IDF rows (hybrid mode)."""
        return self.semantic_share < 1.0


def cluster_questions(questions: Sequence, *, embeddings: np.ndarray | None = None,
                      embedder: Embedder | None = None,
                      anchors: Mapping[Hashable, Hashable] | None = None,
                      config: ClusterConfig | None = None,
                      vectorizer: LexicalVectorizer | None = None) -> list[Cluster]:
    """Clusters of repeated questions, biggest first; embeddings (row per question) win.

    embeddings may also be a sparse matrix of stored TF-IDF rows (see
    SuggestionIndex.lexical_rows), which skips vectorising. anchors maps a question id to a
    known group key (an article, a canonical thread); ids not among the questions are ignored.
    """
    config = config or ClusterConfig()
    items = as_questions(questions)
    if len(items) < config.min_size:
        return []
    vectors, semantic = question_vectors(items, embeddings=embeddings, embedder=embedder,
                                         vectorizer=vectorizer)
    params = config.params(semantic)
    if semantic and config.mixes:
        vectors = hybrid_vectors(items, vectors, config, vectorizer=vectorizer)
        params = config.hybrid
    groups = _anchor_rows(items, anchors or {})
    free = np.array([i for i in range(len(items)) if i not in groups], dtype=np.int64)
    labelled = _attach(vectors, groups, free, config, params)
    found = _anchor_clusters(labelled)
    left = np.array([i for i in free.tolist() if i not in labelled], dtype=np.int64)
    found += [(rows, None) for rows in cluster_rows(vectors, left, config, semantic,
                                                    params=params)]
    clusters = _describe(items, vectors, [f for f in found if len(f[0]) >= config.min_size])
    return sorted(clusters, key=lambda c: (-c.size, -c.cohesion, str(c.central_id)))


def question_vectors(items: Sequence[Question], *, embeddings=None, embedder=None,
                     vectorizer: LexicalVectorizer | None = None):
    """Row vectors for the questions and whether they are semantic (embeddings)."""
    if embeddings is not None and sp.issparse(embeddings):  # stored TF-IDF rows, reused
        if embeddings.shape[0] != len(items):
            raise ValueError("vectors must have one row per question")
        return normalize(sp.csr_matrix(embeddings, dtype=np.float32)), False
    if embeddings is not None:
        matrix = np.asarray(embeddings, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(items):
            raise ValueError("embeddings must have one row per question")
        return normalise_rows(matrix), True
    if embedder is not None:
        return embed_questions(embedder, items), True
    if vectorizer is None or not vectorizer.fitted:
        return (vectorizer or LexicalVectorizer()).fit_transform(items), False
    return vectorizer.transform(items), False


CENTER_PRIOR = 100  # questions: a set of this many is centred half-way on its own mean


def hybrid_vectors(items: Sequence[Question], dense: np.ndarray, config: ClusterConfig, *,
                   vectorizer: LexicalVectorizer | None = None) -> sp.csr_matrix:
    """Unit rows [sqrt(s) * centred embedding, sqrt(1 - s) * TF-IDF row], s = semantic_share:
    their cosine is the weighted sum of the two cosines."""
    dense = np.asarray(dense, dtype=np.float32)
    if config.center and len(dense) > 1:
        # shrunk towards no centring on small sets: the mean of three near-duplicates is the
        # question itself, and subtracting it would leave only noise
        shrink = len(dense) / (len(dense) + CENTER_PRIOR)
        dense = normalise_rows(dense - shrink * dense.mean(axis=0, keepdims=True))
    if vectorizer is None or not vectorizer.fitted:
        lexical = (vectorizer or LexicalVectorizer()).fit_transform(items)
    else:
        lexical = vectorizer.transform(items)
    share = float(config.semantic_share)
    return side_by_side(dense * np.float32(np.sqrt(share)),
                                  sp.csr_matrix(lexical, dtype=np.float32)
                                  * np.float32(np.sqrt(1 - share)))


def side_by_side(dense: np.ndarray, lexical: sp.csr_matrix, block: int = 8192
                 ) -> sp.csr_matrix:
    """[dense | lexical] as one CSR matrix with unit rows, built straight from the arrays a
    block of rows at a time: scipy's hstack and normalize go through 64-bit COO copies and
    whole-matrix temporaries, which at 100,000 questions cost over a gigabyte."""
    n, width = dense.shape
    lexical = sp.csr_matrix(lexical)
    lexical.sort_indices()
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(width + np.diff(lexical.indptr), out=indptr[1:])
    index_type = np.int32 if indptr[-1] < 2**31 and width + lexical.shape[1] < 2**31 \
        else np.int64
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    indices = np.empty(int(indptr[-1]), dtype=index_type)
    for start in range(0, n, block):
        stop = min(n, start + block)
        _fill_rows(data, indices, indptr, dense, lexical, start, stop)
    return sp.csr_matrix((data, indices, indptr.astype(index_type)),
                         shape=(n, width + lexical.shape[1]))


def _fill_rows(data, indices, indptr, dense, lexical, start: int, stop: int) -> None:
    """Rows start..stop of side_by_side, each scaled to unit length."""
    width = dense.shape[1]
    lo, hi = int(indptr[start]), int(indptr[stop])
    own = indptr[start:stop] - lo
    slots = (own[:, None] + np.arange(width)[None, :]).ravel()
    rest = np.ones(hi - lo, dtype=bool)
    rest[slots] = False
    part, ids = data[lo:hi], indices[lo:hi]
    part[slots] = dense[start:stop].ravel()
    ids[slots] = np.tile(np.arange(width, dtype=ids.dtype), stop - start)
    a, b = lexical.indptr[start], lexical.indptr[stop]
    part[rest] = lexical.data[a:b]
    ids[rest] = lexical.indices[a:b] + width
    norms = np.sqrt(np.add.reduceat(part * part, own))
    part /= np.repeat(np.where(norms > 0, norms, 1), np.diff(indptr[start:stop + 1])
                      ).astype(np.float32)


def cluster_rows(vectors, rows: np.ndarray, config: ClusterConfig,
                 semantic: bool, *, params: LinkageParams | None = None) -> list[np.ndarray]:
    """Unsupervised clusters (as arrays of row numbers) among the given rows."""
    if len(rows) < config.min_size:
        return []
    params = params or config.params(semantic)
    whole = len(rows) == vectors.shape[0] and bool(np.all(rows == np.arange(len(rows))))
    sub = vectors if whole else vectors[rows]  # no copy of a 100,000-row matrix
    k = min(config.k, max(5, len(rows) // 5))  # shared neighbours mean little when k ~ n
    idx, sims = nearest(sub, k, config=config.neighbours)
    sims = np.where(sims >= params.min_similarity, sims, 0)
    graph = shared_neighbour_weights(knn_graph(idx, sims, len(rows)), config.second_order)
    labels = average_linkage(graph, params.threshold)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    groups = [g for g in np.split(order, bounds) if len(g) >= max(config.min_size, 2)]
    pairs = np.array([g for g in groups if len(g) == 2], dtype=np.int64).reshape(-1, 2)
    close = pair_dots(sub, sub, pairs[:, 0], pairs[:, 1]) >= params.pair_similarity
    # A cluster of two must be a near-duplicate: lone pairs are where noise hides.
    kept = [rows[g] for g in groups if len(g) > 2]
    return kept + [rows[p] for p in pairs[close]]


def _anchor_rows(items: Sequence[Question], anchors: Mapping) -> dict[int, Hashable]:
    return {i: anchors[q.id] for i, q in enumerate(items) if q.id in anchors}


def _attach(vectors, groups: dict[int, Hashable], free: np.ndarray,
            config: ClusterConfig, params: LinkageParams) -> dict[int, Hashable]:
    """Known group per row: the anchors themselves plus free rows their neighbours vote in."""
    labelled = dict(groups)
    if not groups or len(free) == 0:
        return labelled
    anchor_rows = np.fromiter(groups, dtype=np.int64)
    keys = list(dict.fromkeys(groups.values()))
    code_of = {key: c for c, key in enumerate(keys)}
    codes = np.array([code_of[groups[r]] for r in anchor_rows.tolist()], dtype=np.int64)
    idx, sims = nearest(vectors[anchor_rows], config.anchor_k, queries=vectors[free],
                        config=config.neighbours)
    valid = (idx >= 0) & (sims > 0)
    rows = np.repeat(np.arange(len(free)), idx.shape[1])[valid.ravel()]
    votes = sp.csr_matrix((sims[valid], (rows, codes[idx[valid]])),
                          shape=(len(free), len(keys))).toarray()
    total = votes.sum(axis=1)
    best = votes.argmax(axis=1)
    share = votes.max(axis=1) / np.maximum(total, 1e-12)
    winner_sim = np.where(codes[np.maximum(idx, 0)] == best[:, None], sims, -np.inf).max(1)
    chosen = (total > 0) & (share >= config.anchor_share)
    chosen &= winner_sim >= params.anchor_similarity  # one group alone must still be close
    for i in np.flatnonzero(chosen).tolist():
        labelled[int(free[i])] = keys[best[i]]
    return labelled


def _anchor_clusters(labelled: dict[int, Hashable]) -> list[tuple[np.ndarray, Hashable]]:
    by_key: dict[Hashable, list[int]] = {}
    for row, key in labelled.items():
        by_key.setdefault(key, []).append(row)
    return [(np.array(sorted(rows), dtype=np.int64), key) for key, rows in by_key.items()]


def _describe(items: Sequence[Question], vectors,
              found: list[tuple[np.ndarray, Hashable]]) -> list[Cluster]:
    """Clusters from groups of rows: members by closeness to their centre, its title."""
    if not found:
        return []
    centrality = _centrality(vectors, [rows for rows, _ in found])
    clusters, start = [], 0
    for rows, key in found:
        scores = centrality[start:start + len(rows)]
        start += len(rows)
        order = np.argsort(-np.round(scores, 6), kind="stable")  # float noise never reorders ties
        members = [items[int(rows[i])] for i in order]
        central = _title_choice(members)
        clusters.append(Cluster(ids=tuple(q.id for q in members),
                                suggested_title=clean_title(central.title),
                                central_id=central.id, cohesion=float(np.mean(scores)),
                                anchor_group=key))
    return clusters


def _centrality(vectors, groups: list[np.ndarray], chunk: int = 16384) -> np.ndarray:
    """Cosine of each member to its group's mean direction, all groups at once (in order)."""
    members = np.concatenate(groups)
    owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    indicator = sp.csr_matrix((np.ones(len(members)), (owner, members)),
                              shape=(len(groups), vectors.shape[0]))
    centres = normalize(indicator @ vectors)  # a zero centre scores 0
    out = np.empty(len(members))
    if sp.issparse(vectors):
        centres = sp.csr_matrix(centres)
        centres.sort_indices()
        for start in range(0, len(members), chunk // 4):  # hybrid rows hold 256+ values each
            part = slice(start, start + chunk // 4)
            out[part] = _sparse_member_dots(sp.csr_matrix(vectors[members[part]]), centres,
                                            owner[part])
        return out
    centres = np.asarray(centres, dtype=np.float32)
    for start in range(0, len(members), chunk):  # bounded memory for big embedding sets
        part = slice(start, start + chunk)
        out[part] = np.einsum("ij,ij->i", vectors[members[part]], centres[owner[part]])
    return out


def _sparse_member_dots(block: sp.csr_matrix, centres: sp.csr_matrix,
                        owner: np.ndarray) -> np.ndarray:
    """block[i] . centres[owner[i]] without copying a centre per member: each stored value
    of a member row looks up the same column of its centre (sorted keys, binary search)."""
    width = np.int64(block.shape[1])
    centre_keys = (np.repeat(np.arange(centres.shape[0], dtype=np.int64),
                             np.diff(centres.indptr)) * width + centres.indices)
    member_row = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
    keys = owner[member_row].astype(np.int64) * width + block.indices
    found = np.minimum(np.searchsorted(centre_keys, keys), max(len(centre_keys) - 1, 0))
    hit = centre_keys[found] == keys if len(centre_keys) else np.zeros(len(keys), bool)
    values = np.where(hit, block.data * centres.data[found] if len(centre_keys) else 0, 0)
    return np.bincount(member_row, weights=values, minlength=block.shape[0])


def _title_choice(members: list[Question]) -> Question:
    """The most central question whose title reads like a question (3 to 20 words)."""
    for q in members:
        if 3 <= len(q.title.split()) <= 20:
            return q
    return members[0]


_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s?!.,;:]+$")
_LONE_I = re.compile(r"\bi\b(?=$|[\s'’,.?!])")


def clean_title(title: str, max_chars: int = 120) -> str:
    """A tidy display title: single spaces, capitalised, one question mark when it asks."""
    text = _SPACES.sub(" ", title).strip().strip("\"'")
    if not text:
        return ""
    asks = text.endswith("?") or ("?" not in text and _looks_like_question(text))
    text = _TRAILING.sub("", text)
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0] + "…"
    if not text[1:2].isupper():  # leave brand spellings such as "iPhone" alone
        text = text[:1].upper() + text[1:]
    text = _LONE_I.sub("I", text)
    return text + "?" if asks and not text.endswith("…") else text


_QUESTION_WORDS = {"how", "what", "why", "when", "where", "who", "which", "can", "could",
                   "do", "does", "did", "is", "are", "was", "will", "would", "should", "may"}


def _looks_like_question(text: str) -> bool:
    first = text.split(" ", 1)[0].lower()
    return first in _QUESTION_WORDS
