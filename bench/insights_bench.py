"""Insights at scale: seed a fresh SQLite database with --threads threads and --posts posts over
the last year, then time each part of the insights figures (support.insights) for the default
eight weeks and for a full year, uncached, and print the medians as JSON.

    .venv/bin/python bench/insights_bench.py                          # 100,000 / 1,000,000
    .venv/bin/python bench/insights_bench.py --threads 10000 --posts 100000   # quick
    .venv/bin/python bench/insights_bench.py --posts-created-index    # what an index would give

Not part of the test suite: timings never belong in tests.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from forum.app import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import Category, Post, Role, Thread, User, utcnow  # noqa: E402
from support.insights import queries, report  # noqa: E402
from support.insights.window import Window  # noqa: E402

WORDS = ("router wifi drops every evening refund please outage again thanks help setup app "
         "login password reset").split()


def _app(folder: Path):
    return create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
        "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder),
        "MODERATION_LOAD_IN_BACKGROUND": False, "KB_INDEX_BACKGROUND": False,
    })


def _thread(rng: random.Random, tid: int, now) -> dict:
    created = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
    first = created + timedelta(minutes=rng.expovariate(1 / 90)) if rng.random() < .9 else None
    solved = first + timedelta(minutes=rng.expovariate(1 / 600)) \
        if first and rng.random() < .5 else None
    return {"id": tid, "title": f"T{tid}", "category_id": rng.randint(1, 10),
            "author_id": rng.randint(21, 2000), "created_at": created,
            "last_activity_at": created, "first_reply_at": first, "first_staff_reply_at": first,
            "solved_at": solved, "published_at": created}


def seed(threads: int, posts: int, now) -> None:
    """Users (20 staff), 10 categories, threads over the last year, posts spread evenly."""
    rng = random.Random(1)
    db.session.execute(insert(User), [
        {"id": i, "username": f"u{i}", "username_key": f"u{i}", "email": f"u{i}@example.com",
         "role": Role.STAFF if i <= 20 else Role.CUSTOMER} for i in range(1, 2001)])
    db.session.execute(insert(Category), [{"id": i, "name": f"C{i}", "slug": f"c{i}"}
                                          for i in range(1, 11)])
    per, pid, batch = max(1, posts // threads), 0, []
    rows = [_thread(rng, t, now) for t in range(1, threads + 1)]
    db.session.execute(insert(Thread), rows)
    for row in rows:
        for number in range(1, per + 1):
            pid += 1
            body = " ".join(rng.choice(WORDS) for _ in range(12))
            batch.append({"id": pid, "thread_id": row["id"], "number": number,
                          "author_id": rng.randint(1 if number > 1 else 21, 2000),
                          "body_source": body, "body_html": body,
                          "created_at": row["created_at"] + timedelta(minutes=7 * number)})
            if len(batch) >= 50_000:
                db.session.execute(insert(Post), batch)
                batch = []
    if batch:
        db.session.execute(insert(Post), batch)
    db.session.commit()


def _median_ms(function, repeat: int = 3) -> int:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return round(1000 * statistics.median(times))


def measure(days: int, now) -> dict:
    """Median milliseconds of each part, and of everything the dashboard counts."""
    window = Window(now.date() - timedelta(days=days - 1), now.date(), ZoneInfo("UTC"))
    names = queries.category_names()
    parts = {
        "responses": lambda: queries.responses(window, names),
        "backlog": lambda: queries.backlog(window),
        "tone": lambda: queries.tone_trend(window),
        "moderation": lambda: queries.moderation_figures(window),
        "deflection": lambda: queries.deflection_between(*window.bounds, now=now),
        "search": lambda: queries.search_figures(window, today=now.date()),
        "all": lambda: report.insights(window, now=now),
    }
    return {name: _median_ms(function) for name, function in parts.items()}


def main() -> None:
    """Seed, time, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--posts-created-index", action="store_true")
    args = parser.parse_args()
    app = _app(Path(tempfile.mkdtemp(prefix="parley-insights-")))
    now = utcnow()
    with app.test_request_context():
        upgrade()
        started = time.perf_counter()
        seed(args.threads, args.posts, now)
        seeded = round(time.perf_counter() - started, 1)
        if args.posts_created_index:
            db.session.execute(text("CREATE INDEX ix_bench_posts_created ON posts (created_at)"))
            db.session.commit()
        out = {"threads": args.threads, "posts": args.posts, "seed_seconds": seeded,
               "posts_created_index": args.posts_created_index,
               "eight_weeks_ms": measure(56, now), "year_ms": measure(366, now)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
