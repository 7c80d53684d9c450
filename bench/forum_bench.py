"""Forum benchmark: seed a fresh instance with 10,000 threads / 100,000 posts, build the search
index, then time pages, search and posting in-process and print the figures as JSON.

    .venv/bin/python bench/forum_bench.py                       # SQLite + Whoosh
    .venv/bin/python bench/forum_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/forum_bench.py --threads 1000 --posts 10000   # a quick run

The PostgreSQL database named in --database-url is emptied (schema public dropped) first.
Not part of the test suite: timings never belong in tests.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, insert, select, text, update
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum import rendering, search, services  # noqa: E402
from forum.app import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import (  # noqa: E402
    Category,
    Post,
    PostRevision,
    Role,
    Subscription,
    Thread,
    User,
    Vote,
)

PASSWORD = "bench password 2024"
BIG_THREAD_REPLIES = 200
TARGET_PAGE_MEDIAN_MS = 15.0
TARGET_SEARCH_P95_MS = 50.0

# -- a vocabulary for varied, realistic support questions --------------------------------------
PRODUCTS = [
    "router", "mesh extender", "smart plug", "thermostat", "doorbell camera", "mobile app",
    "web dashboard", "modem", "smart speaker", "light bulb", "hub", "motion sensor",
    "battery pack", "charging dock", "security camera", "smart lock", "air purifier",
    "robot vacuum", "baby monitor", "streaming stick", "soundbar", "smartwatch", "tablet",
    "printer", "headphones", "power bank", "garage opener", "water leak sensor",
]
PROBLEMS = [
    "keeps disconnecting", "will not pair", "shows error {code}", "is very slow",
    "resets itself", "drains the battery", "stopped updating", "loses its settings",
    "blinks orange", "cannot find the network", "rejects my password", "freezes at startup",
    "drops the connection every night", "reports the wrong temperature", "makes a buzzing noise",
    "overheats", "will not turn on", "shows offline", "is missing from the app",
    "ignores the schedule", "sends too many notifications", "has a laggy video stream",
]
EVENTS = [
    "after the latest update", "since yesterday", "after moving house", "on the guest network",
    "on Android 14", "on iOS 17", "after a power cut", "with the new plan", "during video calls",
    "in the garage", "at night", "after changing my email", "when the microwave is on",
    "with two accounts", "after a factory reset", "on the 5 GHz band", "behind a VPN",
]
SETTINGS = [
    "DHCP lease time", "channel width", "band steering", "WPA3 mode", "DNS server", "UPnP",
    "QoS priority", "IPv6", "auto-update window", "eco mode", "night mode", "geofencing",
    "firmware channel", "MTU size", "port forwarding", "parental controls", "guest access",
]
WORDS = (
    "latency bandwidth throughput signal strength interference antenna ethernet cable adapter "
    "voltage warranty replacement refund invoice receipt subscription renewal discount "
    "notification schedule automation scene routine integration voice assistant calendar "
    "battery charger firmware bootloader recovery partition checksum certificate timeout "
    "packet handshake pairing bluetooth zigbee thread matter wifi gateway bridge repeater "
    "installation mounting bracket screw adhesive outdoor indoor weatherproof temperature "
    "humidity sensor calibration accuracy display brightness contrast speaker microphone "
    "volume echo feedback crash log diagnostics support ticket technician appointment "
    "password reset login session cookie browser cache account profile email verification "
    "subnet netmask gateway firewall nat dmz vlan multicast broadcast beacon roaming handoff "
    "backhaul uplink downlink jitter ping traceroute speedtest isp fiber dsl cable coax splitter "
    "powerline poe injector switch hub patch crimp connector usb lightning hdmi optical toslink "
    "pairing code qr barcode serial number model revision hardware batch recall advisory patch "
    "changelog beta rollback downgrade sideload apk testflight permission location background "
    "widget shortcut siri alexa homekit ifttt webhook api token oauth sso saml ldap kerberos "
    "billing proration chargeback paypal invoice vat receipt statement upgrade downgrade trial "
    "cancellation retention loyalty voucher coupon referral shipping courier tracking customs "
    "parcel damaged dent scratch crack rattle hum whine click beep chirp flicker dim glare "
    "thermal throttling fan dust filter hepa pm25 voc co2 allergens pollen odor ionizer ozone "
    "suction brush roller mop dock cliff bumper lidar map zone carpet hardwood tile rug pet hair "
    "lens aperture infrared nightvision motion zone sensitivity clip recording cloud storage sd "
    "card retention encryption privacy mask siren chime doorbell transformer wiring voltage"
).split()
SENTENCES = [
    "My {product} {problem} {event}.",
    "I already tried restarting the {product} and the {product2}, no luck.",
    "The {setting} is set to the default and I have not changed anything else.",
    "Support asked me to check the {setting}, but I cannot find it in the app.",
    "It worked fine for {n} months before this started.",
    "Is there a known issue with the {product} {event}?",
    "Other devices on the same network work without problems.",
    "I see a lot of {word} and {word2} messages in the log.",
    "Has anyone seen the {product} report {word} problems like this?",
    "Try turning off the {setting} and then power cycle the {product}.",
    "This fixed it for me: update the {product} firmware, then re-pair it with the {product2}.",
    "The {word} setting moved in version {version}; look under Settings > Advanced.",
    "Thanks, that solved it! The {setting} was the culprit.",
    "Same here, the {product} {problem} {event} and nothing helps.",
    "You can also reset the {product} by holding the button for {n} seconds.",
    "A replacement under warranty is possible if the {word} check fails.",
    "Our team is looking into the {word} issue with version {version}; thanks for the report.",
    "Check that the {product2} is within range and that {word} is enabled.",
]
EXTRAS = [
    "\n\n```\n[{version}] {word}: error {code} <timeout> after {n}ms\n```",
    "\n\n- Model: {product}\n- Firmware: {version}\n- App: {version2}",
    "\n\nSee [the help article](https://example.com/help/{word}) for the steps.",
    "\n\n> Did you try the {setting}?\n\nYes, **twice**, and `{word}` still fails.",
    "\n\n| Setting | Value |\n| --- | --- |\n| {setting} | {n} |",
    "",
    "",
]
QUERY_STOP = ["how to", "why does my", "the", "my", "fix", "not working"]


def _fill(template: str, rng: random.Random, topic: str | None = None) -> str:
    product = topic if topic and rng.random() < 0.9 else rng.choice(PRODUCTS)
    return template.format(
        product=product, product2=rng.choice(PRODUCTS),
        problem=rng.choice(PROBLEMS).format(code=f"E{rng.randint(100, 999)}"),
        event=rng.choice(EVENTS), setting=rng.choice(SETTINGS), word=rng.choice(WORDS),
        word2=rng.choice(WORDS), n=rng.randint(2, 30), code=f"E{rng.randint(100, 999)}",
        version=f"{rng.randint(1, 5)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}",
        version2=f"{rng.randint(1, 9)}.{rng.randint(0, 30)}",
    )


def make_body(rng: random.Random, topic: str | None = None) -> str:
    """A Markdown post of two to six sentences, mostly about its topic product, sometimes with
    code, a list, a link or a table."""
    sentences = [_fill(rng.choice(SENTENCES), rng, topic) for _ in range(rng.randint(2, 6))]
    return " ".join(sentences) + _fill(rng.choice(EXTRAS), rng, topic)


def make_title(rng: random.Random, product: str) -> str:
    """A question title like people write them."""
    problem = rng.choice(PROBLEMS).format(code=f"E{rng.randint(100, 999)}")
    shape = rng.randint(0, 3)
    if shape == 0:
        return f"{product.capitalize()} {problem} {rng.choice(EVENTS)}"
    if shape == 1:
        return f"Why does my {product} {problem.replace('is ', 'seem ')}?"
    if shape == 2:
        return f"How do I change the {rng.choice(SETTINGS)} on the {product}?"
    return f"{product.capitalize()} {problem} - {rng.choice(WORDS)} related?"


def make_queries(rng: random.Random, count: int) -> list[str]:
    """Varied queries: common and rare words, two and three words, plurals, misses."""
    makers = [
        lambda: rng.choice(PRODUCTS),
        lambda: rng.choice(WORDS),
        lambda: f"{rng.choice(PRODUCTS)} {rng.choice(PROBLEMS).split()[0]}",
        lambda: f"{rng.choice(QUERY_STOP)} {rng.choice(PRODUCTS)} {rng.choice(WORDS)}",
        lambda: rng.choice(SETTINGS),
        lambda: rng.choice(PRODUCTS).split()[-1] + "s",
        lambda: f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(WORDS)}",
        lambda: f"error E{rng.randint(100, 999)}",
        lambda: f"{rng.choice(PRODUCTS)} zxqvw",  # no full match: partial fallback
    ]
    return [rng.choice(makers)() for _ in range(count)]


# -- seeding -----------------------------------------------------------------------------------
def fresh_database(app) -> None:
    """Start from nothing: PostgreSQL's public schema is dropped; SQLite files are new."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()


def _bulk(model, rows: list[dict], chunk: int = 5000) -> None:
    for start in range(0, len(rows), chunk):
        db.session.execute(insert(model), rows[start : start + chunk])


def _users(rng: random.Random, count: int, start: datetime) -> list[dict]:
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    rows = []
    for i in range(1, count + 1):
        role = Role.STAFF if i % 97 == 0 else Role.CUSTOMER
        rows.append({
            "id": i, "username": f"user{i}", "username_key": f"user{i}",
            "email": f"user{i}@example.com", "password_hash": password_hash,
            "display_name": f"User {i}" if i % 3 else "", "bio": "", "role": role,
            "is_placeholder": False, "created_at": start, "post_count": 0,
        })
    rows[0].update(role=Role.ADMIN, username="benchadmin", username_key="benchadmin",
                   email="benchadmin@example.com")
    return rows


def _reply_counts(rng: random.Random, threads: int, replies: int) -> list[int]:
    """Replies per thread: thread 1 gets exactly 200, the rest a skewed random share."""
    counts = [0] * threads
    counts[0] = min(BIG_THREAD_REPLIES, replies)
    others = threads - 1
    for _ in range(replies - counts[0]):
        counts[1 + int(others * rng.random() ** 1.6)] += 1
    return counts


def seed(app, *, threads: int, posts: int, users: int = 2000, pool: int = 400,
         seed_value: int = 7) -> dict:
    """Bulk-insert users, categories, threads, posts, revisions, follows and votes with every
    counter consistent; bodies come from a pool rendered once with forum.rendering.render,
    split by topic product so that a thread's posts talk about the same thing."""
    rng = random.Random(seed_value)
    now = datetime(2025, 6, 1)
    start = now - timedelta(days=730)
    with app.app_context():
        per_topic = max(1, pool // len(PRODUCTS))
        bodies = {  # a thread stays on its topic: its posts come from that product's share
            product: [(src, rendering.render(src))
                      for src in (make_body(rng, product) for _ in range(per_topic))]
            for product in PRODUCTS
        }
        user_rows = _users(rng, users, start)
        staff_ids = [u["id"] for u in user_rows if u["role"] is not Role.CUSTOMER]
        names = ["Getting started", "Routers & Wi-Fi", "Mobile app", "Billing & plans",
                 "Smart home", "Accounts & login", "Firmware updates", "Feedback & ideas"]
        category_rows = [
            {"id": n, "name": name, "slug": services.slugify(name), "position": n,
             "description": f"Questions about {name.lower()}.", "thread_count": 0,
             "created_at": start}
            for n, name in enumerate(names, start=1)
        ]
        counts = _reply_counts(rng, threads, max(0, posts - threads))
        thread_rows, post_rows, follow_rows, accepted = [], [], [], []
        post_id = 0
        for tid in range(1, threads + 1):
            author = rng.randint(1, users)
            asked = start + timedelta(seconds=rng.randint(0, 730 * 86400 - 86400 * 3))
            cat = rng.randint(1, len(names))
            topic = rng.choice(PRODUCTS)
            category_rows[cat - 1]["thread_count"] += 1
            when, first_staff, repliers = asked, None, {author}
            reply_ids = []
            for number in range(1, counts[tid - 1] + 2):
                post_id += 1
                who = author if number == 1 else rng.randint(1, users)
                if number > 1:
                    when = when + timedelta(minutes=rng.randint(1, 600))
                    if who in staff_ids and first_staff is None:
                        first_staff = when
                    repliers.add(who)
                    reply_ids.append(post_id)
                src, html = rng.choice(bodies[topic])
                post_rows.append({
                    "id": post_id, "thread_id": tid, "number": number, "author_id": who,
                    "body_source": src, "body_html": html, "status": "published",
                    "helpful_count": 0, "revision_count": 1, "client_token": None,
                    "created_at": when, "edited_at": None, "deleted_at": None,
                })
                user_rows[who - 1]["post_count"] += 1
            thread_rows.append({
                "id": tid, "title": make_title(rng, topic), "category_id": cat, "author_id": author,
                "status": "published", "accepted_post_id": None,
                "reply_count": counts[tid - 1], "view_count": rng.randint(0, 5000),
                "created_at": asked, "last_activity_at": when,
                "first_staff_reply_at": first_staff,
            })
            follow_rows.extend({"user_id": u, "thread_id": tid, "created_at": asked}
                               for u in repliers)
            if reply_ids and rng.random() < 0.4:
                accepted.append({"id": tid, "accepted_post_id": rng.choice(reply_ids)})
        votes = _votes(rng, post_rows, users)
        revision_rows = [
            {"post_id": p["id"], "number": 1, "editor_id": p["author_id"],
             "title": thread_rows[p["thread_id"] - 1]["title"] if p["number"] == 1 else None,
             "body_source": p["body_source"], "created_at": p["created_at"]}
            for p in post_rows
        ]
        _bulk(User, user_rows)
        _bulk(Category, category_rows)
        _bulk(Thread, thread_rows)
        _bulk(Post, post_rows)
        _bulk(PostRevision, revision_rows)
        _bulk(Subscription, follow_rows)
        _bulk(Vote, votes)
        _apply_votes(votes)
        if accepted:
            db.session.execute(update(Thread), accepted)
        db.session.commit()
        _fix_sequences()
        return {"users": users, "threads": threads, "posts": post_id,
                "distinct_bodies": per_topic * len(PRODUCTS), "accepted": len(accepted),
                "votes": len(votes)}


def _votes(rng: random.Random, post_rows: list[dict], users: int) -> list[dict]:
    seen, rows = set(), []
    for _ in range(len(post_rows) // 6):
        post = post_rows[rng.randrange(len(post_rows))]
        voter = rng.randint(1, users)
        if voter == post["author_id"] or (voter, post["id"]) in seen:
            continue
        seen.add((voter, post["id"]))
        rows.append({"user_id": voter, "post_id": post["id"], "created_at": post["created_at"]})
    return rows


def _apply_votes(votes: list[dict]) -> None:
    per_post: dict[int, int] = {}
    for v in votes:
        per_post[v["post_id"]] = per_post.get(v["post_id"], 0) + 1
    rows = [{"id": pid, "helpful_count": n} for pid, n in per_post.items()]
    if rows:
        db.session.execute(update(Post), rows)  # ORM bulk UPDATE by primary key


def _fix_sequences() -> None:
    """Explicit ids were inserted: move PostgreSQL's sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("users", "categories", "threads", "posts", "post_revisions",
                  "subscriptions", "votes"):
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        ))
    db.session.commit()


# -- measuring ---------------------------------------------------------------------------------
def _median_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return round(statistics.median(ordered), 2), round(p95, 2)


def summary(samples: list[tuple[float, float]], server_ms: float = 0.0) -> dict:
    """Median, p95 and max of wall-clock milliseconds; median and p95 of this process's CPU
    milliseconds (what a request costs when the machine is shared with other work); and, on
    PostgreSQL, the database server's mean CPU milliseconds per request."""
    wall = [w for w, _ in samples]
    cpu = [c for _, c in samples]
    median, p95 = _median_p95(wall)
    cpu_median, cpu_p95 = _median_p95(cpu)
    out = {"n": len(samples), "median": median, "p95": p95, "max": round(max(wall), 2),
           "cpu_median": cpu_median, "cpu_p95": cpu_p95}
    if SERVER.pids:
        out["db_server_cpu_mean"] = round(server_ms / len(samples), 2)
    return out


def measure(fn, repeat: int, *, warmup: int = 3) -> dict:
    """Call fn(0..repeat-1) after a warm-up and summarise the timings."""
    for i in range(warmup):
        fn(i)
    SERVER.refresh()
    server0 = SERVER.cpu_ms()
    samples = []
    for i in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        fn(i)
        samples.append(((time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000))
    return summary(samples, SERVER.cpu_ms() - server0)


class ServerCpu:
    """CPU time of the PostgreSQL backends serving the bench database, read from /proc
    (10 ms ticks: meaningful as a mean over many requests, not per request)."""

    def __init__(self):
        self.app = None
        self.pids: list[int] = []

    def refresh(self) -> None:
        """Find the backends (the pool may have opened more connections)."""
        if self.app is None:
            return
        with self.app.app_context():
            if db.engine.dialect.name != "postgresql":
                return
            self.pids = list(db.session.scalars(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            )))
            db.session.rollback()

    def cpu_ms(self) -> float:
        """User + system CPU milliseconds of those backends so far."""
        total = 0
        for pid in self.pids:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total * 1000 / os.sysconf("SC_CLK_TCK")


SERVER = ServerCpu()


def get_ok(client, url: str):
    """GET a page; a non-200 answer makes the figure meaningless, so stop."""
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return response


@contextlib.contextmanager
def counting_queries():
    """Count SQL statements in the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        if not re.match(r"\s*(PRAGMA|SAVEPOINT|RELEASE)", statement, re.I):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def measure_pages(app, rng: random.Random, threads: int, requests: int) -> dict:
    """Thread pages, a 200-reply thread's pages and list pages through the test client."""
    client = app.test_client()
    ids = [rng.randint(2, threads) for _ in range(requests)]
    list_pages = max(1, threads // app.config["THREADS_PER_PAGE"])
    big_pages = max(1, -(-BIG_THREAD_REPLIES // app.config["POSTS_PER_PAGE"]))
    out = {
        "thread_page_ms": measure(lambda i: get_ok(client, f"/t/{ids[i]}"), requests),
        "thread_page_200_replies_ms": measure(
            lambda i: get_ok(client, f"/t/1?page={1 + i % big_pages}"), requests),
        "thread_list_ms": measure(
            lambda i: get_ok(client, f"/threads?page={rng.randint(1, list_pages)}"), requests),
        "thread_list_first_page_ms": measure(lambda i: get_ok(client, "/threads"), requests),
    }
    with app.app_context():
        small = db.session.scalar(select(Thread.id).where(Thread.reply_count == 5).limit(1))
    for name, url in (("thread_5_replies", f"/t/{small}"), ("thread_200_replies", "/t/1"),
                      ("thread_200_replies_page_5", "/t/1?page=5"), ("thread_list", "/threads")):
        with app.app_context(), counting_queries() as statements:
            get_ok(client, url)
        out.setdefault("sql_queries_per_page", {})[name] = len(statements)
    return out


def measure_logged_in(app, rng: random.Random, threads: int, requests: int) -> dict:
    """The thread page for a signed-in member (votes, following and unread count added)."""
    client = app.test_client()
    response = client.post("/login", data={"login": "user2", "password": PASSWORD})
    if response.status_code not in (302, 303):
        return {"error": f"login answered {response.status_code}"}
    ids = [rng.randint(2, threads) for _ in range(requests)]
    return {"thread_page_signed_in_ms": measure(
        lambda i: get_ok(client, f"/t/{ids[i]}"), requests)}


def measure_search(app, count: int) -> dict:
    """Search through the page and straight through forum.search.run, each with its own
    queries (a first set only warms caches), so neither run profits from the other."""
    from urllib.parse import quote

    warm, http_queries, direct_queries = (make_queries(random.Random(seed), count)
                                          for seed in (4, 5, 6))
    client = app.test_client()
    totals = []

    def direct(queries: list[str]):
        def one(i: int) -> None:
            with app.app_context():
                page = search.run(db.session, search.SearchQuery(text=queries[i], per_page=10))
                totals.append(page.total)
        return one

    for i in range(count):
        direct(warm)(i)
    http = measure(lambda i: get_ok(client, f"/search?q={quote(http_queries[i])}"), count,
                   warmup=0)
    totals.clear()
    run = measure(direct(direct_queries), count, warmup=0)
    return {"search_http_ms": http, "search_run_ms": run,
            "search_matches_median": statistics.median(totals),
            "search_queries_without_matches": sum(1 for t in totals if t == 0)}


def measure_replies(app, rng: random.Random, threads: int, count: int) -> dict:
    """services.reply end to end: render, sanitise, commit, index (Whoosh drains the outbox)."""
    users_total = 2000

    def post(thread_id: int):
        def one(i: int) -> None:
            with app.app_context():
                thread = db.session.get(Thread, thread_id or rng.randint(2, threads))
                author = db.session.get(User, rng.randint(2, users_total))
                services.reply(thread, author=author, body=make_body(rng, rng.choice(PRODUCTS)))
        return one

    out = {"reply_ms": measure(post(0), count),
           "reply_in_200_reply_thread_ms": measure(post(1), max(5, count // 5))}
    with app.app_context():
        out["search_pending_after_replies"] = search.backend().pending(db.session)
    return out


def bench_app(instance: Path, database_url: str | None):
    """The app under test: production settings except rate limits (one client does it all)."""
    config = {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "bench-secret",
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    if database_url:
        config["SQLALCHEMY_DATABASE_URI"] = database_url
    return create_app(config)


def prepare(instance: Path, database_url: str | None, threads: int, posts: int) -> dict:
    """A fresh instance: migrate, seed, reindex. Returns what it did and how long it took."""
    if instance.exists():
        shutil.rmtree(instance)
    app = bench_app(instance, database_url)
    fresh_database(app)
    t0 = time.perf_counter()
    seeded = seed(app, threads=threads, posts=posts)
    seeded["seed_seconds"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    with app.app_context():
        seeded["indexed_documents"] = search.reindex(db.session)
        seeded["search_backend"] = type(search.backend()).__name__
        seeded["database"] = db.engine.dialect.name
        db.engine.dispose()
    seeded["reindex_seconds"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    seeded["related_kept"] = keep_related(app)
    seeded["related_seconds"] = round(time.perf_counter() - t0, 1)
    settle(app)
    return seeded


def settle(app) -> None:
    """PostgreSQL: what autovacuum soon does after a bulk load. VACUUM sets the visibility
    map, without which every index-only scan (the list pages' ids) still reads the table;
    ANALYZE gives the planner statistics. Also run by --no-seed, since the bench's own
    replies and view counts leave pages not yet vacuumed."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        db.engine.dispose()


def keep_related(app) -> int:
    """What `flask kb related` does after a bulk import: each thread's "Related" list scored
    once and kept, as the first view of every thread would have done in a live community."""
    from knowledgebase import related, suggestions

    kept = 0
    with app.app_context():
        todo = related.missing()
        for start in range(0, len(todo), 2000):
            kept += suggestions.engine().keep_related(todo[start:start + 2000])
            db.session.commit()
        db.engine.dispose()
    return kept


def main(argv: list[str] | None = None) -> dict:
    """Seed, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: SQLite in the instance folder")
    parser.add_argument("--instance", help="instance folder (default: a new temporary one)")
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--replies", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the instance folder")
    parser.add_argument("--no-seed", action="store_true", help="reuse an already seeded instance")
    args = parser.parse_args(argv)
    instance = Path(args.instance or tempfile.mkdtemp(prefix="parley-bench-"))
    try:
        report = {} if args.no_seed else prepare(
            instance, args.database_url, args.threads, args.posts)
        app = bench_app(instance, args.database_url)
        if args.no_seed:
            settle(app)
        SERVER.app = app
        rng = random.Random(11)
        with app.app_context():
            threads = db.session.scalar(select(Thread.id).order_by(Thread.id.desc()).limit(1))
        report["load_average_before"] = os.getloadavg()
        report.update(measure_pages(app, rng, threads, args.requests))
        report.update(measure_logged_in(app, rng, threads, max(20, args.requests // 2)))
        report.update(measure_search(app, args.queries))
        report.update(measure_replies(app, rng, threads, args.replies))
        report["load_average_after"] = os.getloadavg()
        report["cpus"] = os.cpu_count()
        report["targets"] = {
            "pages_median_under_ms": TARGET_PAGE_MEDIAN_MS,
            "search_p95_under_ms": TARGET_SEARCH_P95_MS,
            "thread_page_met": report["thread_page_ms"]["median"] < TARGET_PAGE_MEDIAN_MS,
            "thread_list_met": report["thread_list_ms"]["median"] < TARGET_PAGE_MEDIAN_MS,
            "search_met": max(report["search_http_ms"]["p95"],
                              report["search_run_ms"]["p95"]) < TARGET_SEARCH_P95_MS,
        }
        with app.app_context():
            services.flush_views()  # thread views buffered in memory, before the folder goes
            db.engine.dispose()
    finally:
        if not args.keep and not args.instance:
            shutil.rmtree(instance, ignore_errors=True)
    report["instance"] = str(instance) if (args.keep or args.instance) else None
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
