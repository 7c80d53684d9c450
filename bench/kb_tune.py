"""Other linking rules for the default (WordLlama) mode, measured on validation data only.

    python bench/kb_tune.py --data ../shared/data [--only default,mutual,...]

Each line of output is one rule with one setting and its clustering figures (pairwise
precision / recall, and the share of questions that repeat nothing kept out of clusters) on
the validation sets of knowledgebase.evaluate.run_validation: the forum sets' valid rows,
HINT3 train with strangers, StackFAQ's dev half, a BANKING77 train sample and CLINC
validation. No test split is read. Rules (none shipped; bench/README.md, "Linking rules
tried for the default mode"):

- default: what ships (similarity.clustering.cluster_rows with the wordllama tuning);
- centre: the embeddings centred on the set's mean before mixing (ClusterConfig.center);
- rank: each kNN edge lowered by lam * log(its rank in the list), so hubs' far neighbours
  count less;
- mutual: only edges where each question is in the other's top m;
- gate: an edge must share content words (folded, stop words out) whose summed idf in the
  community is at least g;
- core: a member of a cluster of 3+ needs `need` other members at cosine >= c, else it
  leaves (repeatedly; a pair left over must still be a near-duplicate);
- merge: clusters of 3+ whose mean vectors have cosine >= tau are merged (average linkage
  on the clusters' kNN graph);
- fill: inside each component, pairs with no kNN edge count gamma * their cosine instead
  of 0;
- hdbscan: scikit-learn's HDBSCAN on the kNN graph's distances.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.preprocessing import normalize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledgebase import evaluate  # noqa: E402
from knowledgebase.evaluate import Labelled  # noqa: E402
from knowledgebase.similarity import Question  # noqa: E402
from knowledgebase.similarity.clustering import cluster_rows, hybrid_vectors  # noqa: E402
from knowledgebase.similarity.linkage import (  # noqa: E402
    average_linkage,
    shared_neighbour_weights,
)
from knowledgebase.similarity.neighbours import knn_graph, nearest, pair_dots  # noqa: E402
from knowledgebase.similarity.tuning import WORDLLAMA, tuning_for  # noqa: E402

CONFIG = tuning_for(WORDLLAMA).cluster
P = CONFIG.hybrid


def clinc_set(data: Path, seed: int = 0) -> Labelled:
    """CLINC validation as evaluate.clinc_validation builds it, as one labelled set."""
    clinc = evaluate.load_clinc(data)
    rng = np.random.default_rng(seed)
    by_intent: dict[str, list[str]] = {}
    for text, intent in clinc["train"]:
        by_intent.setdefault(intent, []).append(text)
    inscope = list(clinc["val"])
    for intent in sorted(by_intent):
        picked = rng.choice(len(by_intent[intent]), size=10, replace=False)
        inscope += [[by_intent[intent][i], intent] for i in sorted(picked.tolist())]
    oos = clinc["oos_val"] + clinc["oos_train"]
    texts = [t for t, _ in inscope] + [t for t, _ in oos]
    labels = [y for _, y in inscope] + [f"oos-{i}" for i in range(len(oos))]
    return Labelled([Question(i, t) for i, t in enumerate(texts)], labels,
                    list(range(len(inscope), len(texts))))


class Prepared:
    """One validation set: its hybrid rows (default or centred), kNN lists, content words."""

    def __init__(self, sets: Labelled, dense: np.ndarray, center: bool = False):
        self.sets = sets
        self.x = hybrid_vectors(sets.questions, dense, replace(CONFIG, center=center))
        n = self.x.shape[0]
        self.k = min(CONFIG.k, max(5, n // 5))
        self.idx, self.sims = nearest(self.x, self.k)
        self._words = None

    def words(self):
        """Binary content-word rows and each word's idf in this set."""
        if self._words is None:
            vec = CountVectorizer(analyzer=_content_words, binary=True)
            rows = vec.fit_transform([f"{q.title} {q.body[:300]}" for q in self.sets.questions])
            df = np.asarray(rows.sum(axis=0)).ravel()
            idf = np.log((rows.shape[0] + 1) / (df + 1)).astype(np.float32)
            self._words = (sp.csr_matrix(rows, dtype=np.float32), idf)
        return self._words


def _content_words(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("-", "").replace("'", ""))
    return sorted({_stem(w) for w in words if w not in ENGLISH_STOP_WORDS and len(w) > 1})


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _groups(labels: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return [g for g in np.split(order, bounds) if len(g) >= 2]


def _finish(prep: Prepared, groups, pair: float) -> list[np.ndarray]:
    """Clusters of 3+ as they are; a lone pair only if its cosine reaches `pair`."""
    x = prep.x
    return [g for g in groups if len(g) > 2
            or (len(g) == 2 and pair_dots(x, x, g[:1], g[1:])[0] >= pair)]


def _graph(prep: Prepared, floor: float, lam: float = 0.0, mutual: int | None = None):
    n = prep.x.shape[0]
    sims = np.where(prep.sims >= floor, prep.sims, 0)
    if lam > 0:
        ranks = np.arange(1, sims.shape[1] + 1)[None, :]
        sims = np.where(sims > 0, np.maximum(sims - lam * np.log(ranks), 1e-6), 0)
    graph = knn_graph(prep.idx, sims, n)
    if mutual:
        listed = sp.csr_matrix((np.ones(n * mutual), (np.repeat(np.arange(n), mutual),
                                np.maximum(prep.idx[:, :mutual], 0).ravel())), shape=(n, n))
        graph = graph.multiply(listed.multiply(listed.T)).tocsr()
    return graph


def linked(prep: Prepared, threshold=P.threshold, floor=P.min_similarity,
           pair=P.pair_similarity, lam=0.0, mutual=None, gate=None) -> list[np.ndarray]:
    """The shipped pipeline with the rank, mutual and gate rules as options."""
    graph = shared_neighbour_weights(_graph(prep, floor, lam, mutual), CONFIG.second_order)
    if gate is not None:
        upper = sp.triu(graph, k=1).tocoo()
        rows, idf = prep.words()
        shared = np.asarray(rows[upper.row].multiply(idf[None, :])
                            .multiply(rows[upper.col]).sum(axis=1)).ravel()
        kept = sp.csr_matrix((np.where(shared >= gate, upper.data, 0).astype(np.float32),
                              (upper.row, upper.col)), shape=graph.shape)
        kept.eliminate_zeros()
        graph = (kept + kept.T).tocsr()
    return _finish(prep, _groups(average_linkage(graph, threshold)), pair)


def cored(prep: Prepared, cosine: float, need: int) -> list[np.ndarray]:
    """Default clusters with the members too loosely tied to the rest taken out."""
    out = []
    for group in linked(prep):
        while len(group) > 2:
            sims = (prep.x[group] @ prep.x[group].T).toarray()
            np.fill_diagonal(sims, -1)
            loose = (sims >= cosine).sum(axis=1) < min(need, len(group) - 1)
            if not loose.any():
                break
            group = group[~loose]
        out.append(group)
    return _finish(prep, out, P.pair_similarity)


def merged(prep: Prepared, tau: float) -> list[np.ndarray]:
    """Default clusters, then clusters of 3+ merged on their mean vectors' cosine."""
    found = linked(prep)
    big = [c for c in found if len(c) >= 3]
    if len(big) < 2:
        return found
    owner = np.concatenate([np.full(len(c), i) for i, c in enumerate(big)])
    indicator = sp.csr_matrix((np.ones(len(owner)), (owner, np.concatenate(big))),
                              shape=(len(big), prep.x.shape[0]))
    centres = np.asarray(normalize(indicator @ prep.x).toarray(), dtype=np.float32)
    idx, sims = nearest(centres, min(10, len(big) - 1))
    roots = average_linkage(knn_graph(idx, sims, len(big)), tau)
    order = np.argsort(roots, kind="stable")
    bounds = np.flatnonzero(np.diff(roots[order])) + 1
    return [np.concatenate([big[i] for i in g]) for g in np.split(order, bounds)] + \
        [c for c in found if len(c) < 3]


def filled(prep: Prepared, gamma: float) -> list[np.ndarray]:
    """UPGMA per component where pairs with no kNN edge count gamma * cosine, not 0."""
    graph = shared_neighbour_weights(_graph(prep, P.min_similarity), CONFIG.second_order)
    n = graph.shape[0]
    upper = sp.triu(graph, k=1).tocoo()
    strong = upper.data >= P.threshold
    links = sp.csr_matrix((np.ones(strong.sum()), (upper.row[strong], upper.col[strong])),
                          shape=(n, n))
    _, component = connected_components(links, directed=False)
    out = []
    for members in _groups(component):
        cosine = (prep.x[members] @ prep.x[members].T).toarray()
        weights = graph[members][:, members].toarray()
        block = np.where(weights > 0, weights, gamma * np.maximum(cosine, 0))
        distance = np.maximum(1 - block[np.triu_indices(len(members), 1)], 0)
        cut = fcluster(linkage(distance, method="average"), 1 - P.threshold, "distance")
        out += [members[g] for g in _groups(cut)]
    return _finish(prep, out, P.pair_similarity)


def hdbscan(prep: Prepared, min_samples: int, method: str) -> list[np.ndarray]:
    """scikit-learn's HDBSCAN on 1 - cosine over the kNN graph (components chained far)."""
    from sklearn.cluster import HDBSCAN

    n = prep.x.shape[0]
    distance = knn_graph(prep.idx, prep.sims, n)
    distance.data = np.maximum(1.0 - distance.data, 1e-6)
    chain = sp.csr_matrix((np.full(n - 1, 10.0), (np.arange(n - 1), np.arange(1, n))),
                          shape=(n, n))
    distance = distance.maximum(chain).maximum(chain.T).tocsr()
    labels = HDBSCAN(metric="precomputed", min_samples=min_samples, min_cluster_size=2,
                     cluster_selection_method=method).fit_predict(distance)
    return [g for g in _groups(labels) if labels[g[0]] >= 0]


GRID = {
    "default": [("shipped", lambda p: [np.asarray(r) for r in cluster_rows(
        p.x, np.arange(p.x.shape[0]), CONFIG, True, params=P)])],
    "centre": [(f"threshold={t} floor={f}", lambda p, t=t, f=f: linked(p, t, f))
               for t in (0.45, 0.50) for f in (0.2, 0.3)],
    "rank": [(f"lam={lam} threshold={t}", lambda p, lam=lam, t=t: linked(p, t, lam=lam))
             for lam in (0.03, 0.06) for t in (0.45, 0.50)],
    "mutual": [(f"m={m} threshold={t} floor={f}",
                lambda p, m=m, t=t, f=f: linked(p, t, f, mutual=m))
               for m, t, f in ((5, 0.5, 0.3), (10, 0.4, 0.4), (10, 0.3, 0.3), (15, 0.4, 0.4),
                               (15, 0.3, 0.3))],
    "gate": [(f"g={g} threshold={t} floor={f}", lambda p, g=g, t=t, f=f: linked(p, t, f, gate=g))
             for g, t, f in ((2.5, 0.5, 0.3), (3.5, 0.5, 0.3), (3.5, 0.4, 0.3),
                             (4.5, 0.5, 0.3), (4.5, 0.4, 0.2))],
    "core": [(f"cosine={c} need={k}", lambda p, c=c, k=k: cored(p, c, k))
             for c, k in ((0.45, 2), (0.5, 1), (0.5, 2), (0.55, 1))],
    "merge": [(f"tau={tau}", lambda p, tau=tau: merged(p, tau)) for tau in (0.65, 0.7, 0.75)],
    "fill": [(f"gamma={g}", lambda p, g=g: filled(p, g)) for g in (0.5, 1.0)],
    "hdbscan": [(f"min_samples={m} {s}", lambda p, m=m, s=s: hdbscan(p, m, s))
                for m in (2, 5) for s in ("eom", "leaf")],
}


def figures(prep: Prepared, clusters) -> dict:
    """Pairwise precision / recall, and the no-match share kept out of clusters."""
    rows = [list(map(int, c)) for c in clusters]
    scores = evaluate.pairwise_scores(rows, prep.sets.labels)
    out = {"P": scores["precision"], "R": scores["recall"]}
    if prep.sets.alone:
        inside = {m for c in rows for m in c}
        out["alone_free"] = round(sum(i not in inside for i in prep.sets.alone)
                                  / len(prep.sets.alone), 3)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: one JSON line per rule and setting."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--only", default=",".join(GRID))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "parley-kb")
    args = parser.parse_args(argv)
    embed = evaluate.Embeddings(args.cache, "wordllama")
    sets = {**evaluate.validation_sets(args.data), "clinc_validation": clinc_set(args.data)}
    dense = {key: embed(s.questions) for key, s in sets.items()}
    prepared: dict[bool, dict[str, Prepared]] = {}
    for rule in [r for r in args.only.split(",") if r]:
        center = rule == "centre"
        if center not in prepared:
            prepared[center] = {key: Prepared(s, dense[key], center) for key, s in sets.items()}
        for setting, run in GRID[rule]:
            started = time.perf_counter()
            line = {"rule": rule, "setting": setting,
                    **{key: figures(p, run(p)) for key, p in prepared[center].items()}}
            line["seconds"] = round(time.perf_counter() - started, 1)
            print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
