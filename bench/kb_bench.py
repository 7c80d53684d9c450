"""Knowledge-base similarity at scale: suggestion latency and clustering time/memory; JSON out.

    .venv/bin/python bench/kb_bench.py --data ../shared/data [--n 100000] [--semantic]

Synthetic corpus: BANKING77 + CLINC150 questions sampled with replacement and perturbed
(dropped, swapped, inserted words, typos), so near-duplicates and repeats exist as on a real
forum. Semantic vectors: the real MiniLM embedding of each source question (cached in
--cache), plus small noise per copy. Each heavy step runs in a fresh child process so its
peak memory (ru_maxrss) is its own. Never part of the test suite.
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
    Question,
    SuggestionIndex,
    cluster_questions,
    nearest,
    question_vectors,
)

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
    index = SuggestionIndex.build(questions, embeddings=embeddings, embedder=embedder)
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
            "query_embedding_included": semantic}


def bench_cluster(args, semantic: bool) -> dict:
    """Cluster n questions (given stored embeddings in semantic mode): time and peak memory."""
    sources = source_texts(args.data)
    texts, origin = corpus(sources, args.n, seed=1)
    questions = [Question(i, t) for i, t in enumerate(texts)]
    embeddings = noisy(Embeddings(args.cache)(sources), origin, seed=3) if semantic else None
    before = peak_rss_mb()
    started = time.perf_counter()
    clusters = cluster_questions(questions, embeddings=embeddings)
    seconds = time.perf_counter() - started
    sizes = [c.size for c in clusters]
    same_source = sum(len(set(origin[list(c.ids)].tolist())) == 1 for c in clusters)
    return {"questions": args.n, "seconds": round(seconds, 2), "clusters": len(clusters),
            "clustered": int(sum(sizes)), "largest": max(sizes, default=0),
            "clusters_from_one_source": same_source,
            "peak_rss_mb": peak_rss_mb(), "rss_before_mb": before}


def bench_knn_recall(args, semantic: bool) -> dict:
    """How many of the exact 10 nearest neighbours the cell-probing search finds."""
    sources = source_texts(args.data)
    texts, origin = corpus(sources, args.n, seed=1)
    if semantic:
        vectors = noisy(Embeddings(args.cache)(sources), origin, seed=3)
    else:
        vectors, _ = question_vectors([Question(i, t) for i, t in enumerate(texts)])
    sample = np.random.default_rng(0).choice(args.n, size=500, replace=False)
    approx, _ = nearest(vectors, 11)
    exact, _ = nearest(vectors, 11, queries=vectors[sample])
    found = [len(set(approx[s][:10]) & (set(exact[i][:11]) - {s})) / 10
             for i, s in enumerate(sample.tolist())]
    return {"recall_at_10": round(float(np.mean(found)), 4), "sampled_queries": len(sample)}


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
    parser.add_argument("--only", choices=["suggest", "cluster", "knn"], default=None)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "parley-kb")
    args = parser.parse_args()
    steps = {"suggest": bench_suggest, "cluster": bench_cluster, "knn": bench_knn_recall}
    modes = ([] if args.semantic_only else ["lexical"]) + (
        ["semantic"] if args.semantic or args.semantic_only else [])
    report = {"n": args.n, "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()}
    for mode in modes:
        for name, target in steps.items():
            if args.only in (None, name):
                report[f"{mode}_{name}"] = isolated(target, args, mode == "semantic")
    report["load_average_at_end"] = os.getloadavg()
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
