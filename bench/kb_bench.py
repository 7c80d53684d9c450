"""Knowledge-base similarity at scale: suggestion latency and clustering time/memory; JSON out.

    .venv/bin/python bench/kb_bench.py --data ../shared/data [--n 100000] [--semantic]
        [--only suggest|cluster|cluster_stored|knn]
        [--exact-semantic]   # suggestions score every stored embedding (no cells), to compare

Synthetic corpus: BANKING77 + CLINC150 questions sampled with replacement and perturbed
(dropped, swapped, inserted words, typos), so near-duplicates and repeats exist as on a real
forum. Semantic vectors: the real MiniLM embedding of each source question (cached in
--cache), plus small noise per copy. Lexical clustering is timed twice: from the texts
(vectorising included) and from stored TF-IDF rows (as the suggestion index holds them).
Each heavy step runs in a fresh child process so its peak memory (ru_maxrss) is its own;
seconds are wall clock, cpu_seconds this process's CPU time. Never part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledgebase.evaluate import Embeddings, load_banking77, load_clinc  # noqa: E402
from knowledgebase.similarity import (  # noqa: E402
    IndexConfig,
    LexicalVectorizer,
    NeighbourConfig,
    Question,
    SuggestionIndex,
    cluster_questions,
    embed_query,
    nearest,
    question_vectors,
)
from knowledgebase.similarity.cells import CellConfig  # noqa: E402

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def source_texts(data: Path) -> list[str]:
    """Every distinct BANKING77 and CLINC150 question."""
    texts = load_banking77(data, "train")[0] + load_banking77(data, "test")[0]
    texts += [t for split in load_clinc(data).values() for t, _ in split]
    return sorted(set(texts))


def perturb(text: str, rng: random.Random, vocab: list[str]) -> str:
    """A paraphrase-like copy: maybe drop, insert or swap a word, maybe one typo."""
    words = text.split()
    if len(words) > 3 and rng.random() < 0.3:
        del words[rng.randrange(len(words))]
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words) + 1), rng.choice(vocab))
    if len(words) > 1 and rng.random() < 0.3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        if len(words[i]) > 3:
            j = rng.randrange(len(words[i]))
            words[i] = words[i][:j] + rng.choice(LETTERS) + words[i][j + 1:]
    return " ".join(words)


def corpus(sources: list[str], n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """n perturbed questions and the source row each one came from."""
    rng = random.Random(seed)
    vocab = sorted({w for t in sources for w in t.split()})
    origin = np.array([rng.randrange(len(sources)) for _ in range(n)])
    return [perturb(sources[i], rng, vocab) for i in origin.tolist()], origin


def noisy(vectors: np.ndarray, origin: np.ndarray, seed: int, scale: float = 0.02) -> np.ndarray:
    """Source embeddings per copy with small noise, renormalised (stands for stored vectors)."""
    rng = np.random.default_rng(seed)
    out = vectors[origin] + rng.normal(0, scale, (len(origin), vectors.shape[1]))
    out = out.astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def percentiles(samples: list[tuple[float, float]]) -> dict:
    """Wall-clock p50/p95/max and this process's CPU time p50/p95, in milliseconds."""
    wall = np.array([w for w, _ in samples]) * 1000
    cpu = np.array([c for _, c in samples]) * 1000
    return {"p50_ms": round(float(np.percentile(wall, 50)), 2),
            "p95_ms": round(float(np.percentile(wall, 95)), 2),
            "max_ms": round(float(wall.max()), 2),
            "cpu_p50_ms": round(float(np.percentile(cpu, 50)), 2),
            "cpu_p95_ms": round(float(np.percentile(cpu, 95)), 2), "queries": len(samples)}


def timed_queries(index, queries: list[str]) -> list[tuple[float, float]]:
    """(wall, cpu) seconds of each top-5 query."""
    out = []
    for q in queries:
        wall, cpu = time.perf_counter(), time.process_time()
        index.query(q, k=5)
        out.append((time.perf_counter() - wall, time.process_time() - cpu))
    return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def bench_suggest(args, semantic: bool) -> dict:
    """Build an index over n questions, time queries, then incremental adds."""
    sources = source_texts(args.data)
    texts, origin = corpus(sources, args.n, seed=1)
    queries, _ = corpus(sources, args.queries, seed=2)
    questions = [Question(i, t) for i, t in enumerate(texts)]
    embedder = embeddings = None
    if semantic:
        cache = Embeddings(args.cache)
        embedder = cache.embedder
        embeddings = noisy(cache(sources), origin, seed=3)
    started = time.perf_counter()
    config = IndexConfig(cells=CellConfig(min_rows=2**62)) if args.exact_semantic else None
    index = SuggestionIndex.build(questions, embeddings=embeddings, embedder=embedder,
                                  config=config)
    build = time.perf_counter() - started
    for q in queries[:5]:
        index.query(q)
    timings = timed_queries(index, queries)
    extra, extra_origin = corpus(sources, args.add, seed=4)
    extra_q = [Question(args.n + i, t) for i, t in enumerate(extra)]
    extra_emb = None if not semantic else noisy(cache(sources), extra_origin, seed=5)
    started = time.perf_counter()
    for start in range(0, len(extra_q), 100):
        stop = start + 100
        index.add(extra_q[start:stop],
                  embeddings=None if extra_emb is None else extra_emb[start:stop])
    add = time.perf_counter() - started
    after = timed_queries(index, queries[:100])
    return {"indexed": args.n, "build_s": round(build, 2), "query": percentiles(timings),
            "add_batches_of_100_s": round(add, 2), "added": len(extra_q),
            "query_after_adds": percentiles(after), "peak_rss_mb": peak_rss_mb(),
            "query_embedding_included": semantic,
            **(semantic_parts(index, embedder, queries) if semantic else {})}


def semantic_parts(index, embedder, queries: list[str]) -> dict:
    """The query embedding and the search timed apart, and the share of the exact top 5
    (every stored row scored) that the search returns."""
    embedding, search, vectors, got = [], [], [], []
    for q in queries:
        wall, cpu = time.perf_counter(), time.process_time()
        vectors.append(embed_query(embedder, q))
        embedding.append((time.perf_counter() - wall, time.process_time() - cpu))
        wall, cpu = time.perf_counter(), time.process_time()
        got.append({m.id for m in index.query(q, k=5, query_embedding=vectors[-1])})
        search.append((time.perf_counter() - wall, time.process_time() - cpu))
    # After the timing: a threaded BLAS product here would slow the next embedding.
    dense = index._dense[: index._dense_rows]
    exact = [np.argpartition(-(dense @ v), 5)[:5].tolist() for v in vectors]  # ids = rows
    found = [len(g & set(e)) / 5 for g, e in zip(got, exact, strict=True)]
    return {"query_embedding_only": percentiles(embedding), "search_only": percentiles(search),
            "search_recall_at_5_vs_exact": round(float(np.mean(found)), 4),
            "cells": index._cells is not None}


def bench_cluster(args, semantic: bool, stored: bool = False) -> dict:
    """Cluster n questions (given stored embeddings in semantic mode): time and peak memory.

    stored=True (lexical): the TF-IDF rows are computed first, untimed, as the suggestion
    index already holds them, and passed in, so only the clustering itself is timed.
    """
    sources = source_texts(args.data)
    texts, origin = corpus(sources, args.n, seed=1)
    questions = [Question(i, t) for i, t in enumerate(texts)]
    vectors, extra = None, {}
    if semantic:
        vectors = noisy(Embeddings(args.cache)(sources), origin, seed=3)
    elif stored:
        wall, cpu = time.perf_counter(), time.process_time()
        vectors = LexicalVectorizer().fit_transform(questions)
        extra = {"vectorise_s_untimed": round(time.perf_counter() - wall, 2),
                 "vectorise_cpu_s_untimed": round(time.process_time() - cpu, 2)}
    before = peak_rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    clusters = cluster_questions(questions, embeddings=vectors)
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    sizes = [c.size for c in clusters]
    same_source = sum(len(set(origin[list(c.ids)].tolist())) == 1 for c in clusters)
    return {"questions": args.n, "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu_seconds, 2), "clusters": len(clusters),
            "clustered": int(sum(sizes)), "largest": max(sizes, default=0),
            "clusters_from_one_source": same_source, **extra,
            "peak_rss_mb": peak_rss_mb(), "rss_before_mb": before}


def bench_cluster_stored(args, semantic: bool) -> dict:
    """Lexical clustering from stored TF-IDF rows (the semantic run is already from stored)."""
    return bench_cluster(args, semantic, stored=True)


def bench_knn_recall(args, semantic: bool) -> dict:
    """Share of the exact 10 nearest neighbours (brute force over all rows) that the
    default large-set search finds, over 500 sampled rows; also for neighbours >= 0.5."""
    sources = source_texts(args.data)
    texts, origin = corpus(sources, args.n, seed=1)
    if semantic:
        vectors = noisy(Embeddings(args.cache)(sources), origin, seed=3)
    else:
        vectors, _ = question_vectors([Question(i, t) for i, t in enumerate(texts)])
    sample = np.random.default_rng(0).choice(args.n, size=500, replace=False)
    wall, cpu = time.perf_counter(), time.process_time()
    approx, _ = nearest(vectors, 10)
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    brute = NeighbourConfig(exact_limit=args.n + 1)
    exact, sims = nearest(vectors, 11, queries=vectors[sample], config=brute)
    found = close = close_found = 0
    for i, s in enumerate(sample.tolist()):
        got = set(approx[s].tolist())
        others = [(j, sim) for j, sim in zip(exact[i].tolist(), sims[i].tolist(),
                                             strict=True) if j != s][:10]
        for j, sim in others:
            hit = j in got
            found += hit
            close += sim >= 0.5
            close_found += hit and sim >= 0.5
    return {"recall_at_10": round(found / (10 * len(sample)), 4),
            "recall_at_10_sim_ge_0.5": round(close_found / max(close, 1), 4),
            "search_seconds": round(seconds, 2), "search_cpu_seconds": round(cpu_seconds, 2),
            "sampled_queries": len(sample)}


def _child(target, args, semantic, queue):
    queue.put(target(args, semantic))


def isolated(target, args, semantic: bool) -> dict:
    """Run one measurement in a fresh process (clean peak memory, no warm caches)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(target, args, semantic, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> int:
    """Run the selected measurements and print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--add", type=int, default=1000)
    parser.add_argument("--semantic", action="store_true")
    parser.add_argument("--semantic-only", action="store_true")
    parser.add_argument("--exact-semantic", action="store_true",
                        help="suggestions score every stored embedding (no cells)")
    parser.add_argument("--only", choices=["suggest", "cluster", "cluster_stored", "knn"],
                        default=None)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "parley-kb")
    args = parser.parse_args()
    steps = {"suggest": bench_suggest, "cluster": bench_cluster,
             "cluster_stored": bench_cluster_stored, "knn": bench_knn_recall}
    modes = ([] if args.semantic_only else ["lexical"]) + (
        ["semantic"] if args.semantic or args.semantic_only else [])
    report = {"n": args.n, "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()}
    for mode in modes:
        for name, target in steps.items():
            if args.only in (None, name) and not (name == "cluster_stored" and
                                                  mode == "semantic"):
                report[f"{mode}_{name}"] = isolated(target, args, mode == "semantic")
    report["load_average_at_end"] = os.getloadavg()
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
