"""Load run: gunicorn with 2 workers on 127.0.0.1 over a seeded instance, a fixed number of
requests from a fixed number of client threads against a thread page and the list page;
prints requests per second and latency percentiles as JSON, then stops gunicorn.

    .venv/bin/python bench/load_gunicorn.py                          # seeds 2,000 threads first
    .venv/bin/python bench/load_gunicorn.py --instance /tmp/parley-bench --no-seed
    .venv/bin/python bench/load_gunicorn.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Loopback only; it stops by itself after --requests requests per page kind.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import forum_bench  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from forum.extensions import db  # noqa: E402
from forum.models import Thread  # noqa: E402

HOST = "127.0.0.1"
# generous: a worker's first requests may build in-process caches (the knowledge base's
# similarity index over every thread); the warm-up phase absorbs that and reports its time
WORKER_TIMEOUT = 300
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(instance: Path, database_url: str | None, port: int, workers: int, log):
    """gunicorn wsgi:app from the repository, state in the given instance folder; its log
    goes to a file (a pipe nobody reads could fill up and stall the server)."""
    env = {**os.environ, "FORUM_INSTANCE_PATH": str(instance)}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.Popen(
        [str(gunicorn), "--workers", str(workers), "--bind", f"{HOST}:{port}",
         "--chdir", str(ROOT), "--log-level", "warning", "--timeout", str(WORKER_TIMEOUT),
         "wsgi:app"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def wait_ready(port: int, server, log_path: Path, timeout: float = 60.0) -> None:
    """Poll the home page until gunicorn answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited: {log_path.read_text()[-2000:]}")
        try:
            status, _ = fetch(port, "/")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within a minute")


def fetch(port: int, path: str) -> tuple[int, float]:
    """One GET on a new connection (gunicorn's sync workers close each one): status, ms."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, (time.perf_counter() - t0) * 1000
    finally:
        conn.close()


def load(port: int, paths: list[str], clients: int) -> dict:
    """Fetch every path once, spread over `clients` threads; throughput and latencies."""
    queue = list(reversed(paths))
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def client() -> None:
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop()
            try:
                status, ms = fetch(port, path)
            except OSError:
                status, ms = 0, 0.0
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    latencies.append(ms)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return {"requests": len(paths), "clients": clients, "seconds": round(elapsed, 2),
            "requests_per_second": round(len(paths) / elapsed, 1),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "latency_ms": percentiles(latencies)}


def percentiles(values: list[float]) -> dict:
    """p50, p90, p95, p99 and max."""
    if not values:
        return {}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))], 1)

    return {"p50": pick(0.50), "p90": pick(0.90), "p95": pick(0.95), "p99": pick(0.99),
            "max": round(ordered[-1], 1)}


def thread_count(instance: Path, database_url: str | None) -> int:
    """The highest thread id in the seeded database."""
    app = forum_bench.bench_app(instance, database_url)
    with app.app_context():
        count = db.session.scalar(select(func.max(Thread.id))) or 0
        db.engine.dispose()
    return count


def main(argv: list[str] | None = None) -> dict:
    """Seed (unless told not to), start gunicorn, run the load, stop gunicorn, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: SQLite in the instance folder")
    parser.add_argument("--instance", help="instance folder (default: a new temporary one)")
    parser.add_argument("--no-seed", action="store_true", help="the instance is seeded already")
    parser.add_argument("--threads", type=int, default=2000, help="threads to seed")
    parser.add_argument("--posts", type=int, default=20000, help="posts to seed")
    parser.add_argument("--requests", type=int, default=2000, help="requests per page kind")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args(argv)
    instance = Path(args.instance or tempfile.mkdtemp(prefix="parley-load-"))
    report: dict = {}
    if not args.no_seed:
        report["seed"] = forum_bench.prepare(instance, args.database_url, args.threads,
                                             args.posts)
    threads = thread_count(instance, args.database_url)
    port = free_port()
    log_path = instance / "gunicorn.log"
    log = log_path.open("w")
    server = start_gunicorn(instance, args.database_url, port, args.workers, log)
    try:
        wait_ready(port, server, log_path)
        rng = random.Random(3)
        lists = max(1, threads // 20)
        kinds = {
            "thread_page": [f"/t/{rng.randint(1, threads)}" for _ in range(args.requests)],
            "thread_list": [f"/threads?page={rng.randint(1, lists)}" for _ in range(args.requests)],
        }
        for name, paths in kinds.items():
            warm = load(port, paths[: max(args.clients * 2, args.requests // 20)], args.clients)
            report[f"{name}_warmup_seconds"] = warm["seconds"]
            report[name] = load(port, paths, args.clients)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        report["server_log_tail"] = log_path.read_text().splitlines()[-20:]
        if not args.instance:
            shutil.rmtree(instance, ignore_errors=True)
    report.update(workers=args.workers, threads_in_database=threads,
                  database=(args.database_url or "sqlite").split("://")[0].split("+")[0],
                  load_average_after=os.getloadavg(), cpus=os.cpu_count())
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
