"""Staff inbox timings: seed a community with bench/forum_bench.py's seeder (no search index),
then time /staff/inbox (first page, a filter, a deep page) and a thread list with the staff
chips, signed in as staff; prints JSON. Never part of the test suite."""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import forum_bench as fb  # noqa: E402

from forum.extensions import db  # noqa: E402
from forum.models import Role, User  # noqa: E402
from support.triage import queries  # noqa: E402


def _staff_client(app):
    with app.app_context():
        staff = db.session.scalar(db.select(User).where(User.role == Role.STAFF).limit(1))
        username = staff.username
    client = app.test_client()
    response = client.post("/login", data={"login": username, "password": fb.PASSWORD})
    if response.status_code not in (302, 303):
        raise SystemExit("could not sign in as staff")
    return client


def main(argv: list[str] | None = None) -> dict:
    """Seed, then time the inbox pages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args(argv)
    instance = Path(tempfile.mkdtemp(prefix="parley-triage-bench-"))
    try:
        app = fb.bench_app(instance, args.database_url)
        fb.fresh_database(app)
        t0 = time.perf_counter()
        seeded = fb.seed(app, threads=args.threads, posts=args.posts)
        seeded["seed_seconds"] = round(time.perf_counter() - t0, 1)
        fb.settle(app)
        fb.SERVER.app = app
        client = _staff_client(app)
        with app.app_context():
            waiting = len(queries.inbox_rows(queries.InboxFilters()))
        urls = {"inbox": "/staff/inbox", "inbox_overdue_unassigned":
                "/staff/inbox?overdue=1&assignee=none", "inbox_page_20": "/staff/inbox?page=20",
                "threads_with_chips": "/threads"}
        timings = {name: fb.measure(lambda i, u=url: fb.get_ok(client, u), args.requests)
                   for name, url in urls.items()}
        with app.app_context(), fb.counting_queries() as statements:
            fb.get_ok(client, "/staff/inbox")
        out = {"seeded": seeded, "waiting_scored": waiting, "limit": queries.INBOX_LIMIT,
               "inbox_statements": len(statements), "ms": timings}
        print(json.dumps(out, indent=2))
        return out
    finally:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
