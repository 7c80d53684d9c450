"""Moderation engine benchmark: submissions per second and latency per submission, on one core.

    .venv/bin/python bench/moderation_bench.py [--n 5000] [--data ../shared/data]

Screens a fixed, seeded mix of held-out public texts (BANKING77 customer questions, YouTube
and SMS messages with their spam, tweets with their abuse) and forum-length posts joined from
them, through the whole engine (rules, both classifiers, private data, abuse, spam rules,
flood index), one at a time, and prints JSON. The model (the shipped one, or --model FILE) is read
once, before timing starts. Wall-clock and CPU-time figures are both reported: on a shared
machine the wall clock includes waiting for the core (see load_average in the output).
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.engine import (  # noqa: E402
    AuthorFacts,
    FloodIndex,
    Kind,
    RecentSubmission,
    Submission,
    ThreadContext,
    screen,
)
from moderation.engine import data as datasets  # noqa: E402
from moderation.engine.model import default_model, load_model  # noqa: E402


def pin_to_one_core() -> int | None:
    """Run on a single CPU so the figure is per core; returns the core, if pinning works."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core


def public_texts(data_dir: Path) -> dict[str, list[str]]:
    """Held-out public texts by kind (test splits only: the model never saw them)."""
    texts = {
        "youtube_sms": [e.text for e in datasets.split(datasets.spam_examples(data_dir),
                                                        test=True)],
        "tweets": [e.text for e in datasets.split(datasets.davidson_examples(data_dir),
                                                   test=True)],
    }
    try:
        texts["customer_questions"] = datasets.customer_questions(data_dir, split="test")
    except FileNotFoundError:
        texts["customer_questions"] = datasets.customer_questions(data_dir)
    return texts


KIND_WEIGHTS = {"customer_questions": 0.55, "youtube_sms": 0.25, "tweets": 0.20}


def build_corpus(texts: dict[str, list[str]], n: int, rng: random.Random) -> list[str]:
    """A forum-like length mix: 75% single texts, 20% medium posts of 3-8 texts, 5% long posts
    of 15-40 texts; every text drawn with the same kind weights (KIND_WEIGHTS)."""
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())

    def pick() -> str:
        return rng.choice(texts[rng.choices(kinds, weights)[0]])
    corpus = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.75:
            corpus.append(pick())
        elif roll < 0.95:
            corpus.append(" ".join(pick() for _ in range(rng.randint(3, 8))))
        else:
            corpus.append("\n\n".join(pick() for _ in range(rng.randint(15, 40))))
    return corpus


def author_for(i: int, rng: random.Random, now: datetime) -> AuthorFacts:
    """Authors of every trust level; some with recent posts (rate and own-copy checks)."""
    level = i % 5
    recent = tuple(RecentSubmission(f"an earlier post number {k} about my router settings",
                                    now - timedelta(minutes=k), thread_id=k)
                   for k in range(rng.randint(0, 3)))
    return AuthorFacts(author_id=i % 400, trust_level=level, post_count=level * 10,
                       account_age_days=level * 20, recent_submissions=recent)


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of already sorted values."""
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def run(n: int, data_dir: Path, model_file: Path | None, seed: int, pin: bool = True) -> dict:
    """Time the engine on n submissions and summarise."""
    core = pin_to_one_core() if pin else None
    started = time.perf_counter()
    model = load_model(model_file) if model_file else default_model()
    model_seconds = time.perf_counter() - started
    rng = random.Random(seed)
    corpus = build_corpus(public_texts(data_dir), n + 300, rng)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    index = FloodIndex()
    jobs = [(Submission(text, kind=Kind.REPLY, thread=ThreadContext(thread_id=i % 300),
                        submitted_at=now + timedelta(seconds=i)), author_for(i, rng, now))
            for i, text in enumerate(corpus)]
    for submission, author in jobs[:300]:  # warm caches and code paths
        screen(submission, author, model=model, flood_index=index)
    latencies, cpu, actions = [], [], {}
    loop_start, cpu_start = time.perf_counter(), time.process_time()
    for submission, author in jobs[300:]:
        t0, c0 = time.perf_counter_ns(), time.process_time_ns()
        verdict = screen(submission, author, model=model, flood_index=index)
        latencies.append((time.perf_counter_ns() - t0) / 1e6)
        cpu.append((time.process_time_ns() - c0) / 1e6)
        actions[verdict.action.value] = actions.get(verdict.action.value, 0) + 1
    wall = time.perf_counter() - loop_start
    cpu_total = time.process_time() - cpu_start
    report = summarise(latencies, wall, [s.body for s, _ in jobs[300:]], actions,
                       model_seconds, core)
    report["cpu_time"] = {
        "note": "CPU time of this process only: the same figures without time spent waiting "
                "for the core while other processes ran (see load_average)",
        "throughput_per_second": round(len(cpu) / cpu_total, 1),
        "mean_ms": round(statistics.mean(cpu), 3),
        "p99_ms": round(percentile(sorted(cpu), 99), 3),
    }
    return report


def summarise(latencies: list[float], wall: float, bodies: list[str], actions: dict,
              model_seconds: float, core: int | None) -> dict:
    """The JSON report: throughput, latency percentiles overall and by length."""
    ordered = sorted(latencies)
    by_length = {}
    for name, low, high in (("<200", 0, 200), ("200-1000", 200, 1000), (">=1000", 1000, 10**9)):
        subset = sorted(t for t, b in zip(latencies, bodies, strict=True) if low <= len(b) < high)
        if subset:
            by_length[name] = {"count": len(subset), "mean_ms": round(statistics.mean(subset), 3),
                               "p99_ms": round(percentile(subset, 99), 3)}
    return {
        "benchmark": "moderation_engine",
        "submissions": len(latencies),
        "throughput_per_second": round(len(latencies) / wall, 1),
        "latency_ms": {"mean": round(statistics.mean(ordered), 3),
                       "p50": round(percentile(ordered, 50), 3),
                       "p95": round(percentile(ordered, 95), 3),
                       "p99": round(percentile(ordered, 99), 3),
                       "max": round(ordered[-1], 3)},
        "by_length": by_length,
        "mean_chars": round(statistics.mean(len(b) for b in bodies), 1),
        "actions": actions,
        "model_load_or_train_seconds": round(model_seconds, 2),
        "pinned_core": core,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "targets": {"throughput_per_second": 1000, "p99_ms": 5.0},
    }


def main() -> int:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="submissions to time")
    parser.add_argument("--data", type=Path, default=None,
                        help="public data folder (default: $PARLEY_DATA_DIR or ../shared/data)")
    parser.add_argument("--model", type=Path, default=None,
                        help="a model file (default: the shipped cold-start model)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-pin", action="store_true",
                        help="let the OS move the (single-threaded) process between cores, "
                             "fairer on a machine shared with other work")
    args = parser.parse_args()
    print(json.dumps(run(args.n, args.data, args.model, args.seed, pin=not args.no_pin),
                     indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
