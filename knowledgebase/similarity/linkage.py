"""Average linkage restricted to a sparse kNN graph, so clustering never needs an N x N matrix.

Two clusters A and B are merged while sum(w_ab) / (|A| |B|) >= threshold, where missing
edges count as zero similarity. That makes a merge of large groups require many strong
links (no single-link chaining), and because the score of a merged cluster is the
size-weighted mean of its parts' scores the greedy heap order gives exact results.
"""
from __future__ import annotations

import heapq

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize


def shared_neighbour_weights(graph: sp.csr_matrix, second_order: float,
                             chunk: int = 200_000) -> sp.csr_matrix:
    """Blend each edge's similarity with the cosine of its endpoints' neighbour profiles.

    Two questions whose neighbourhoods overlap are more likely to ask the same thing than
    their direct similarity alone says; this second-order term is computed on edges only.
    """
    graph = graph.tocsr()
    if second_order <= 0 or graph.nnz == 0:
        return graph
    profiles = normalize(graph)
    coo = graph.tocoo()
    shared = np.empty(coo.nnz, dtype=np.float32)
    for start in range(0, coo.nnz, chunk):
        rows = coo.row[start:start + chunk]
        cols = coo.col[start:start + chunk]
        dots = profiles[rows].multiply(profiles[cols]).sum(axis=1)
        shared[start:start + chunk] = np.asarray(dots).ravel()
    blended = (1 - second_order) * coo.data + second_order * shared
    return sp.csr_matrix((blended.astype(np.float32), (coo.row, coo.col)), shape=graph.shape)


def average_linkage(graph: sp.csr_matrix, threshold: float) -> np.ndarray:
    """Cluster label (a representative row) for each row of a symmetric similarity graph."""
    n = graph.shape[0]
    upper = sp.triu(graph, k=1).tocoo()
    adjacency: list[dict[int, float]] = [{} for _ in range(n)]
    heap = []
    for i, j, w in zip(upper.row.tolist(), upper.col.tolist(), upper.data.tolist(),
                       strict=True):
        adjacency[i][j] = w
        adjacency[j][i] = w
        if w >= threshold:
            heap.append((-w, i, j, 0, 0))
    heapq.heapify(heap)
    parent = list(range(n))
    size = [1] * n
    version = [0] * n
    while heap:
        neg, a, b, va, vb = heapq.heappop(heap)
        if -neg < threshold:
            break
        if parent[a] != a or parent[b] != b or version[a] != va or version[b] != vb:
            continue
        keep = _merge(adjacency, size, parent, version, a, b)
        _push_neighbours(heap, adjacency, size, version, keep, threshold)
    return np.array([_root(parent, i) for i in range(n)], dtype=np.int64)


def _merge(adjacency, size, parent, version, a, b) -> int:
    """Fold the smaller cluster into the larger, summing edge weights to shared neighbours."""
    if size[a] < size[b]:
        a, b = b, a
    parent[b] = a
    size[a] += size[b]
    version[a] += 1
    into = adjacency[a]
    into.pop(b, None)
    for c, w in adjacency[b].items():
        if c == a:
            continue
        total = into.get(c, 0.0) + w
        into[c] = total
        other = adjacency[c]
        other.pop(b, None)
        other[a] = total
    adjacency[b] = {}
    return a


def _push_neighbours(heap, adjacency, size, version, a, threshold) -> None:
    size_a = size[a]
    for c, w in adjacency[a].items():
        score = w / (size_a * size[c])
        if score >= threshold:
            first, second = (a, c) if a < c else (c, a)
            heapq.heappush(heap, (-score, first, second, version[first], version[second]))


def _root(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i
