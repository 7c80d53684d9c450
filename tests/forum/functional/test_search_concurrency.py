"""The Whoosh outbox under real concurrency: several OS processes, one database, one index
folder, all posting at once. Nobody sees an error, and after one sync every post is found.

Run as a script, this file is the worker one process runs (see _worker)."""
from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from forum import search
from forum.extensions import db
from forum.models import Post, Thread

PROCESSES = 4
POSTS_EACH = 15
# half the workers wait up to a second for the index lock, half give up at once and leave
# their outbox rows to whoever drains next: both paths must lose nothing
LOCK_TIMEOUTS = (1.0, 0.0)


def _marker(worker: int, n: int) -> str:
    """A word that appears in exactly one post."""
    return f"qz{worker}k{n}w"


def test_search_posts_from_several_processes_are_all_found(make_app, app, factory, tmp_path):
    wapp = make_app(SEARCH_BACKEND="whoosh")
    with wapp.app_context():
        category = factory.category()
        shared = factory.thread(category=category, title="One thread everybody replies to",
                                body="The first question.")
        users = [factory.user() for _ in range(PROCESSES)]
        specs = [_spec(wapp, tmp_path, n, user.id, shared.id, category.id)
                 for n, user in enumerate(users)]
        results = _run_workers(specs)

        assert [r["errors"] for r in results] == [[]] * PROCESSES
        assert [r["logged"] for r in results] == [[]] * PROCESSES
        db.session.expire_all()
        backend = search.backend()
        backend.sync(db.session)
        assert backend.pending(db.session) == 0
        posted = [tuple(p) for r in results for p in r["posted"]]
        assert len(posted) == PROCESSES * POSTS_EACH
        missing = [(word, tid) for word, tid in posted if _found(word) != [tid]]
        assert missing == []
        threads = db.session.scalar(select(func.count()).select_from(Thread))
        posts = db.session.scalar(select(func.count()).select_from(Post))
        new_threads = sum(1 for r in results for _ in r["threads"])
        assert (threads, posts) == (1 + new_threads, 1 + PROCESSES * POSTS_EACH)


def _spec(wapp, tmp_path: Path, n: int, user_id: int, thread_id: int, category_id: int) -> dict:
    """What worker n needs: the test app's settings, so the same database and index folder."""
    config = {key: value for key, value in wapp.config.items()
              if key.isupper() and isinstance(value, str | int | float | bool | type(None))}
    config.update(INSTANCE_PATH=wapp.instance_path, SEARCH_BACKEND="whoosh",
                  SEARCH_LOCK_TIMEOUT=LOCK_TIMEOUTS[n % len(LOCK_TIMEOUTS)])
    return {"config": config, "worker": n, "user_id": user_id, "thread_id": thread_id,
            "category_id": category_id, "posts": POSTS_EACH, "go": str(tmp_path / "go"),
            "ready": str(tmp_path / f"ready-{n}")}


def _found(word: str) -> list[int]:
    # the index itself: fused search would add the other workers' look-alike threads
    page = search.backend().search(db.session, search.SearchQuery(text=word))
    return [hit.doc_id for hit in page.hits]


def _run_workers(specs: list[dict]) -> list[dict]:
    """Start every worker, release them together once all are ready, collect their reports."""
    procs = [
        subprocess.Popen([sys.executable, __file__, json.dumps(spec)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for spec in specs
    ]
    try:
        deadline = time.monotonic() + 60
        while not all(Path(s["ready"]).exists() for s in specs):
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.02)
        Path(specs[0]["go"]).touch()
        outputs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0] * len(procs), [err for _, err in outputs]
    return [_report(out) for out, _ in outputs]


def _report(stdout: str) -> dict:
    line = next(line for line in stdout.splitlines() if line.startswith("REPORT "))
    return json.loads(line[len("REPORT "):])


# -- the worker ---------------------------------------------------------------------------------
class _Collect(logging.Handler):
    """Keeps every warning or error the app logs (a deferred index update would show here)."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Remember the message and any exception."""
        self.messages.append(f"{record.getMessage()} {record.exc_text or record.exc_info or ''}")


def _worker(spec: dict) -> dict:
    """Post spec['posts'] times (a new thread every third post, else a reply) after 'go'."""
    from forum import services
    from forum.app import create_app
    from forum.models import Category, User

    app = create_app(spec["config"])
    collect = _Collect()
    app.logger.addHandler(collect)
    report = {"errors": [], "posted": [], "threads": []}
    with app.app_context():
        author = db.session.get(User, spec["user_id"])
        category = db.session.get(Category, spec["category_id"])
        Path(spec["ready"]).touch()
        while not Path(spec["go"]).exists():
            time.sleep(0.005)
        for n in range(spec["posts"]):
            word = _marker(spec["worker"], n)
            try:
                if n % 3 == 0:
                    thread = services.create_thread(
                        author=author, category=category, body=f"Details mention {word}.",
                        title=f"Question {n} from worker {spec['worker']}",
                    )
                    report["threads"].append(thread.id)
                else:
                    thread = db.session.get(Thread, spec["thread_id"])
                    services.reply(thread, author=author, body=f"Reply mentioning {word}.")
                report["posted"].append([word, thread.id])
            except Exception as exc:  # the point of the test: nothing may reach the caller
                report["errors"].append(repr(exc))
                db.session.rollback()
    report["logged"] = collect.messages
    return report


if __name__ == "__main__":
    print("REPORT " + json.dumps(_worker(json.loads(sys.argv[1]))), flush=True)
