"""Average linkage restricted to a sparse kNN graph, so clustering never needs an N x N matrix.

Two clusters A and B are merged while sum(w_ab) / (|A| |B|) >= threshold, where missing
edges count as zero similarity. That makes a merge of large groups require many strong
links (no single-link chaining).

A merge score is a mean of edge weights, so it never exceeds the strongest edge between the
two clusters: merges only ever happen inside a connected component of the graph's edges
>= threshold. Each component is therefore clustered on its own (edges across components
can never matter): pairs directly, components up to `dense_limit` rows by scipy's UPGMA on
their small dense block (C speed), larger ones by a greedy heap on the sparse graph (exact
too: the score of a merged cluster is the size-weighted mean of its parts' scores).
"""
from __future__ import annotations

import heapq

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import linkage
from scipy.sparse.csgraph import connected_components
from sklearn.preprocessing import normalize

DENSE_LIMIT = 2000
BATCH_ROWS = 256  # small components share one dense block up to this many rows


def shared_neighbour_weights(graph: sp.csr_matrix, second_order: float,
                             chunk: int = 200_000) -> sp.csr_matrix:
    """Blend each edge's similarity with the cosine of its endpoints' neighbour profiles.

    Two questions whose neighbourhoods overlap are more likely to ask the same thing than
    their direct similarity alone says; this second-order term is computed on edges only
    (each undirected edge once, on the upper triangle, then mirrored).
    """
    graph = graph.tocsr()
    if second_order <= 0 or graph.nnz == 0:
        return graph
    profiles = normalize(graph)
    upper = sp.triu(graph, k=1).tocoo()
    shared = np.empty(upper.nnz, dtype=np.float32)
    for start in range(0, upper.nnz, chunk):
        rows = upper.row[start:start + chunk]
        cols = upper.col[start:start + chunk]
        dots = profiles[rows].multiply(profiles[cols]).sum(axis=1)
        shared[start:start + chunk] = np.asarray(dots).ravel()
    blended = ((1 - second_order) * upper.data + second_order * shared).astype(np.float32)
    half = sp.csr_matrix((blended, (upper.row, upper.col)), shape=graph.shape)
    return (half + half.T).tocsr()


def average_linkage(graph: sp.csr_matrix, threshold: float, *,
                    dense_limit: int = DENSE_LIMIT) -> np.ndarray:
    """Cluster label (the smallest row of its cluster) for each row of a symmetric graph."""
    n = graph.shape[0]
    labels = np.arange(n, dtype=np.int64)
    upper = sp.triu(graph, k=1).tocoo()
    strong = upper.data >= threshold
    if not strong.any():
        return labels
    links = sp.csr_matrix((np.ones(int(strong.sum()), np.int8),
                           (upper.row[strong], upper.col[strong])), shape=(n, n))
    _, component = connected_components(links, directed=False)
    sizes = np.bincount(component)
    inside = component[upper.row] == component[upper.col]
    edges = (upper.row[inside], upper.col[inside], upper.data[inside].astype(np.float64))
    order = np.argsort(component, kind="stable")
    bounds = np.searchsorted(component[order], np.arange(len(sizes) + 1))
    pairs = np.flatnonzero(sizes == 2)
    labels[order[bounds[pairs] + 1]] = order[bounds[pairs]]  # a strong pair always merges
    _dense_components(labels, component, sizes, order, bounds, edges, threshold, dense_limit)
    big = np.flatnonzero(sizes > dense_limit)
    if len(big):
        _heap_components(labels, np.concatenate([order[bounds[c]:bounds[c + 1]] for c in big]),
                         component, edges, threshold)
    return labels


def _dense_components(labels, component, sizes, order, bounds, edges, threshold,
                      dense_limit) -> None:
    """UPGMA on dense blocks of 1 - weight distances, small components batched together.

    Rows of different components in one block sit at distance 1, above any cut, so a batch
    gives each component the clusters it would get alone, for one scipy call per batch.
    """
    rows, cols, weights = edges
    mid = (sizes > 2) & (sizes <= dense_limit)
    mid_rows = order[mid[component[order]]]
    if len(mid_rows) == 0:
        return
    position = np.empty(len(component), dtype=np.int64)
    position[mid_rows] = np.arange(len(mid_rows))
    in_mid = mid[component[rows]]
    e_first, e_second, e_weights = position[rows[in_mid]], position[cols[in_mid]], \
        weights[in_mid]
    by_row = np.argsort(np.minimum(e_first, e_second), kind="stable")
    e_first, e_second, e_weights = e_first[by_row], e_second[by_row], e_weights[by_row]
    e_low = np.minimum(e_first, e_second)
    for start, stop in _batches(component[mid_rows], BATCH_ROWS):
        lo, hi = np.searchsorted(e_low, [start, stop])
        block = np.zeros((stop - start, stop - start))
        block[e_first[lo:hi] - start, e_second[lo:hi] - start] = e_weights[lo:hi]
        members = mid_rows[start:stop]
        labels[members] = members[_upgma(block + block.T, threshold)]


def _batches(components: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Slices of consecutive rows, cut only between components, each at most limit long."""
    starts = np.flatnonzero(np.r_[True, components[1:] != components[:-1]]).tolist()
    out, begin = [], 0
    for start, stop in zip(starts, starts[1:] + [len(components)], strict=True):
        if stop - begin > limit and start > begin:
            out.append((begin, start))
            begin = start
    out.append((begin, len(components)))
    return out


def _upgma(similarity: np.ndarray, threshold: float) -> np.ndarray:
    """Index of the first member of each row's flat cluster, cut where the mean falls short."""
    n = len(similarity)
    distance = np.maximum(1.0 - similarity[np.triu_indices(n, k=1)], 0.0)
    tree = linkage(distance, method="average")
    parent = np.arange(2 * n - 1)
    for step in np.flatnonzero(tree[:, 2] <= 1.0 - threshold).tolist():
        parent[tree[step, :2].astype(np.int64)] = n + step
    root = parent
    while True:  # pointer jumping: every row reaches its top merged node
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    _, first = np.unique(root[:n], return_index=True)
    lookup = np.zeros(2 * n - 1, dtype=np.int64)
    lookup[root[first]] = first
    return lookup[root[:n]]


def _heap_components(labels, members: np.ndarray, component, edges, threshold) -> None:
    """Greedy sparse average linkage over the rows of the components too big for UPGMA."""
    rows, cols, weights = edges
    wanted = np.zeros(len(component), dtype=bool)
    wanted[members] = True
    keep = wanted[rows]
    local = np.full(len(component), -1, dtype=np.int64)
    local[members] = np.arange(len(members))
    sub = sp.coo_matrix((weights[keep], (local[rows[keep]], local[cols[keep]])),
                        shape=(len(members), len(members)))
    roots = _heap_linkage(sub, threshold)
    first = np.full(len(members), len(component), dtype=np.int64)
    np.minimum.at(first, roots, members)
    labels[members] = first[roots]


def _heap_linkage(upper: sp.coo_matrix, threshold: float) -> np.ndarray:
    """Root row per row after greedy merging on an upper-triangular sparse graph."""
    n = upper.shape[0]
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
