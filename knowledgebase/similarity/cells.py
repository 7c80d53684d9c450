"""Approximate nearest rows for one query vector: an inverted file of k-means cells.

A suggestion query scored every stored embedding (100,000 x 384 floats, ~150 MB read per
query, 24-30 ms on this machine). The cells cut that to the rows of the `n_probe` cells whose
centroids are closest to the query (about 12 * sqrt(N) rows), scored exactly. Rows appended
after the cells were laid out form a tail that is scanned exactly until `absorb` places it.

Products use numpy's einsum, not BLAS: a threaded BLAS call on these small blocks spins its
worker threads and, on a busy two-core machine, made a 2 ms product take 8 ms and slowed the
query embedding that followed it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import MiniBatchKMeans
from threadpoolctl import threadpool_limits

ASSIGN_BLOCK = 8192


@dataclass(frozen=True)
class CellConfig:
    """Cells knobs: used from `min_rows` rows; cells = per_sqrt_n * sqrt(N); cells probed."""

    min_rows: int = 20_000
    per_sqrt_n: float = 2.0
    n_probe: int = 24  # 16 cost BANKING77 recall@5 0.0017 at 100k rows; 24 0.0004
    sample_per_cell: int = 40
    seed: int = 0


class DenseCells:
    """Rows of a unit-vector matrix grouped by their nearest k-means centroid."""

    def __init__(self, centroids: np.ndarray, cell_of: np.ndarray, n_probe: int):
        self.centroids = centroids
        self.n_probe = min(n_probe, centroids.shape[0])
        self._cell_of = cell_of
        self._layout()

    @classmethod
    def fit(cls, dense: np.ndarray, config: CellConfig | None = None) -> DenseCells:
        """k-means on a sample of the rows, then every row placed in its nearest cell."""
        config = config or CellConfig()
        n_cells = max(2, int(config.per_sqrt_n * np.sqrt(dense.shape[0])))
        rng = np.random.default_rng(config.seed)
        size = min(dense.shape[0], config.sample_per_cell * n_cells)
        sample = np.sort(rng.choice(dense.shape[0], size=size, replace=False))
        kmeans = MiniBatchKMeans(n_clusters=n_cells, random_state=config.seed, n_init=1,
                                 init="random", batch_size=4096, max_iter=20)
        # One thread: OpenMP workers spinning against other processes on two cores took
        # k-means from 3 s to over a minute here.
        with threadpool_limits(limits=1):
            kmeans.fit(dense[sample])
        centroids = _unit(kmeans.cluster_centers_.astype(np.float32))
        return cls(centroids, _assign(dense, centroids), config.n_probe)

    @property
    def covered(self) -> int:
        """Rows placed in cells; rows from here on are the exactly scanned tail."""
        return int(self._cell_of.shape[0])

    def absorb(self, dense: np.ndarray) -> None:
        """Place the tail rows (dense[covered:]) in their nearest cells; centroids stay."""
        if dense.shape[0] > self.covered:
            tail = _assign(dense[self.covered:], self.centroids)
            self._cell_of = np.concatenate([self._cell_of, tail])
            self._layout()

    def candidates(self, vector: np.ndarray, n_rows: int) -> np.ndarray:
        """Row numbers worth scoring for this unit query vector: probed cells plus the tail."""
        near = np.einsum("ij,j->i", self.centroids, vector)
        probed = np.argpartition(-near, self.n_probe - 1)[: self.n_probe]
        parts = [self._order[self._starts[c]:self._starts[c + 1]] for c in probed.tolist()]
        parts.append(np.arange(self.covered, n_rows))
        return np.concatenate(parts)

    def _layout(self) -> None:
        self._order = np.argsort(self._cell_of, kind="stable")
        self._starts = np.searchsorted(self._cell_of[self._order],
                                       np.arange(self.centroids.shape[0] + 1))


def dots(dense: np.ndarray, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Cosine of the query with each listed row (unit rows), without BLAS threads."""
    return np.einsum("ij,j->i", dense[rows], vector)


def _assign(dense: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Nearest centroid of each row, a block of rows at a time."""
    out = np.empty(dense.shape[0], dtype=np.int32)
    with threadpool_limits(limits=1):
        for start in range(0, dense.shape[0], ASSIGN_BLOCK):
            block = dense[start:start + ASSIGN_BLOCK] @ centroids.T
            out[start:start + ASSIGN_BLOCK] = np.argmax(block, axis=1)
    return out


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)
