"""The default (WordLlama) mode at every community size: embed, cluster, suggest; JSON out.

    .venv/bin/python bench/kb_scale.py --data ../shared/data [--sizes 100,1000,10000,100000]

For each size: a synthetic community (BANKING77 + CLINC150 questions sampled with replacement
and perturbed, as bench/kb_bench.py makes it), embedded with the community's own token weights
(CorpusEmbedder), clustered with the WordLlama tuning, and a suggestion index built and queried
(200 perturbed titles, their embedding included). Each size runs in a fresh child process, so
its peak memory (ru_maxrss) is its own. Seconds are wall clock. Never part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb_bench import corpus, peak_rss_mb, percentiles, perturb, source_texts  # noqa: E402

from knowledgebase.similarity import (  # noqa: E402
    Question,
    SuggestionIndex,
    WordLlamaEmbedder,
    cluster_questions,
    embed_query,
    embed_questions,
    question_text,
)
from knowledgebase.similarity.tuning import WORDLLAMA, tuning_for  # noqa: E402


def one_size(args) -> dict:
    """Embed, cluster and query one community of n questions."""
    data, n = args
    sources = source_texts(Path(data))
    texts, _ = corpus(sources, n, seed=n)
    questions = [Question(i, t) for i, t in enumerate(texts)]
    tuned = tuning_for(WORDLLAMA)
    model = WordLlamaEmbedder()
    started = time.perf_counter()
    weighted = model.for_corpus([question_text(q) for q in questions])
    vectors = embed_questions(weighted, questions)
    embedded = time.perf_counter() - started
    started = time.perf_counter()
    found = cluster_questions(questions, embeddings=vectors, config=tuned.cluster)
    clustered = time.perf_counter() - started
    index = SuggestionIndex.build(questions, embeddings=vectors, config=tuned.index)
    rng = random.Random(7)
    vocab = sorted({w for t in sources for w in t.split()})
    probes = [perturb(rng.choice(sources), rng, vocab) for _ in range(200)]
    samples = []
    for probe in probes:
        wall, cpu = time.perf_counter(), time.process_time()
        index.query(probe, k=5, min_score=tuned.min_score,
                    query_embedding=embed_query(weighted, probe))
        samples.append((time.perf_counter() - wall, time.process_time() - cpu))
    single = []
    for probe in probes[:100]:
        wall = time.perf_counter()
        embed_query(weighted, probe)
        single.append(time.perf_counter() - wall)
    single.sort()
    return {"questions": n, "embed_all_seconds": round(embedded, 2),
            "cluster_seconds": round(clustered, 2), "clusters": len(found),
            "clustered_share": round(sum(c.size for c in found) / n, 3),
            "suggest_with_embedding": percentiles(samples),
            "embed_one_question_p95_ms": round(single[94] * 1000, 3),
            "peak_rss_mb": peak_rss_mb()}


def main(argv=None) -> int:
    """Run each size in its own process and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    args = parser.parse_args(argv)
    out = []
    context = mp.get_context("spawn")
    for n in (int(s) for s in args.sizes.split(",")):
        with context.Pool(1) as pool:
            out.append(pool.apply(one_size, ((args.data, n),)))
        print(json.dumps(out[-1]), file=sys.stderr, flush=True)
    json.dump({"mode": WORDLLAMA, "sizes": out}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
