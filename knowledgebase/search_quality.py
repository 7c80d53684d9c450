"""Search quality on the hand-written forum sets: does the search box find the question a
customer's words are about? Lexical alone against lexical fused with vectors, on either backend.

    .venv/bin/python -m knowledgebase.search_quality [--split test] [--backend whoosh]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Every forum question (both brands, both splits) becomes a thread through the importer, as a
real community's history would; each search-box query of the chosen split (forum_queries_*)
is run through forum.search.run as the search page runs it, and a hit is a thread of the
query's paraphrase group. Prints JSON. The test split is reported, never tuned on.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from knowledgebase.evaluate import HAND_WRITTEN


def load_rows(pattern: str, folder: Path = HAND_WRITTEN) -> list[dict]:
    """Every JSON line of the files matching pattern."""
    rows = []
    for path in sorted(folder.glob(pattern)):
        rows += [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return rows


def hits_at(queries: list[dict], group_of: dict[int, str], *, k: tuple[int, ...] = (1, 5)
            ) -> dict:
    """Run each query through the search facade (inside an app context): hit@k and the
    precision of the first five results (results of the query's own group). A query may
    name its own thread ("own"), which is left out of its results."""
    from forum import search
    from forum.extensions import db

    found = dict.fromkeys(k, 0)
    relevant = shown = 0
    for row in queries:
        page = search.run(db.session, search.SearchQuery(
            text=row["query"], per_page=max(k) + 1, doc_types=("thread",)))
        groups = [group_of.get(hit.doc_id) for hit in page.hits
                  if hit.doc_id != row.get("own")][:max(k)]
        for n in k:
            found[n] += row["group"] in groups[:n]
        relevant += sum(g == row["group"] for g in groups[:5])
        shown += len(groups[:5])
    total = max(1, len(queries))
    out = {f"hit@{n}": round(found[n] / total, 3) for n in k}
    out["precision@5"] = round(relevant / max(1, shown), 3)
    out["queries"] = len(queries)
    return out


def sibling_queries(group_of: dict[int, str], questions: dict[int, dict], split: str
                    ) -> list[dict]:
    """Each title of a question that has a paraphrase, as a query for its siblings."""
    sizes: dict[str, int] = {}
    for group in group_of.values():
        sizes[group] = sizes.get(group, 0) + 1
    return [{"query": questions[tid]["title"], "group": group, "own": tid}
            for tid, group in group_of.items()
            if sizes[group] > 1 and questions[tid]["split"] == split]


def populate(questions: list[dict]) -> dict[int, str]:
    """Import the questions as threads; thread id -> its question row."""
    from sqlalchemy import select

    from forum import importing, search
    from forum.extensions import db
    from forum.models import Thread

    lines = [json.dumps({"title": q["title"], "body": q.get("body") or q["title"],
                         "category": "Questions"}) for q in questions]
    report = importing.import_lines(lines)
    search.reindex(db.session)
    bad = {number for number, _reason in report.errors}
    kept = [q for number, q in enumerate(questions, start=1) if number not in bad]
    ids = db.session.execute(select(Thread.id).order_by(Thread.id)).scalars().all()
    return dict(zip(ids, kept, strict=True))


def measure(split: str, *, backend: str = "whoosh", database_url: str | None = None) -> dict:
    """Both rankings on one backend, in a throwaway instance."""
    from flask_migrate import upgrade

    from forum.app import create_app
    from forum.extensions import db
    from forum.search import fusion
    from knowledgebase import suggestions

    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'parley.db'}"
        app = create_app({"INSTANCE_PATH": folder, "SQLALCHEMY_DATABASE_URI": url,
                          "SEARCH_BACKEND": backend, "SECRET_KEY": "evaluation",
                          "MODERATION_ENABLED": False, "KB_INDEX_BACKGROUND": False,
                          "SEARCH_INDEX_DIR": str(Path(folder) / "search_index")})
        with app.app_context():
            _fresh_schema(db, upgrade)
            threads = populate(load_rows("forum_questions_*.jsonl"))
            group_of = {tid: q["group"] or q["id"] for tid, q in threads.items()}
            suggestions.warm(rebuild=True)
            sets = {"search_box": [q for q in load_rows("forum_queries_*.jsonl")
                                   if q["split"] == split],
                    "titles": sibling_queries(group_of, threads, split)}
            provider = app.extensions.pop(fusion.EXTENSION)
            out = {f"lexical_{name}": hits_at(rows, group_of) for name, rows in sets.items()}
            app.extensions[fusion.EXTENSION] = provider
            out.update({f"hybrid_{name}": hits_at(rows, group_of) for name, rows in sets.items()})
            db.session.remove()
            db.engine.dispose()
    return {"split": split, "backend": backend, "threads": len(group_of), **out}


def _fresh_schema(db, upgrade) -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade()


def main(argv: list[str] | None = None) -> int:
    """Print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=("valid", "test"))
    parser.add_argument("--backend", default="whoosh", choices=("whoosh", "postgres"))
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    json.dump(measure(args.split, backend=args.backend, database_url=args.database_url),
              sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
