"""Graph average linkage: the fast paths (pairs, batched UPGMA, heap) agree with a plain
reference; the shared-neighbour blend is computed once per edge, symmetrically."""
import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from knowledgebase.similarity.linkage import average_linkage, shared_neighbour_weights


def _random_graph(n: int, edges: int, seed: int) -> sp.csr_matrix:
    """Distinct random weights (no ties, so every correct linkage gives one answer)."""
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(0, n, edges), rng.integers(0, n, edges)
    keys = np.unique((np.minimum(rows, cols) * n + np.maximum(rows, cols))[rows != cols])
    weights = rng.permutation(np.linspace(0.05, 0.99, len(keys)))
    upper = sp.csr_matrix((weights, (keys // n, keys % n)), shape=(n, n))
    return (upper + upper.T).tocsr()


def _reference(graph: sp.csr_matrix, threshold: float) -> list[frozenset]:
    """Greedy average linkage on the dense matrix: merge the best pair while >= threshold."""
    dense = graph.toarray()
    groups = [[i] for i in range(dense.shape[0])]
    while True:
        best, pair = -1.0, None
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                score = dense[np.ix_(groups[a], groups[b])].mean()
                if score > best:
                    best, pair = score, (a, b)
        if pair is None or best < threshold:
            return sorted(frozenset(g) for g in groups if len(g) > 1)
        a, b = pair
        groups[a] += groups.pop(b)


def _partition(labels: np.ndarray) -> list[frozenset]:
    groups: dict[int, set] = {}
    for row, label in enumerate(labels.tolist()):
        groups.setdefault(label, set()).add(row)
    return sorted(frozenset(g) for g in groups.values() if len(g) > 1)


def test_average_linkage_matches_dense_reference_on_random_graphs():
    for seed in range(6):
        graph = _random_graph(40, 90, seed)
        assert _partition(average_linkage(graph, 0.45)) == _reference(graph, 0.45)


def test_average_linkage_heap_path_agrees_with_dense_path():
    graph = _random_graph(300, 900, 11)
    dense = average_linkage(graph, 0.4)
    heap = average_linkage(graph, 0.4, dense_limit=2)  # every component above 2 via heap
    assert _partition(dense) == _partition(heap)
    assert len(_partition(dense)) > 5


def test_average_linkage_labels_are_smallest_member():
    graph = _random_graph(200, 500, 3)
    labels = average_linkage(graph, 0.4)
    for group in _partition(labels):
        assert {int(labels[r]) for r in group} == {min(group)}


def test_average_linkage_only_weak_edges_leaves_every_row_alone():
    graph = _random_graph(50, 100, 5)
    graph.data = np.minimum(graph.data, 0.3)
    assert average_linkage(graph, 0.5).tolist() == list(range(50))


def test_shared_neighbour_weights_blend_matches_plain_formula():
    graph = _random_graph(30, 80, 7)
    blended = shared_neighbour_weights(graph, 0.5).toarray()
    profiles = normalize(graph).toarray()
    expected = 0.5 * graph.toarray() + 0.5 * (profiles @ profiles.T) * (graph.toarray() > 0)
    assert np.allclose(blended, expected, atol=1e-5)
    assert np.allclose(blended, blended.T)
