"""flask --app wsgi moderation dry-run | evaluate | train."""
from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from forum.extensions import db
from moderation.engine import dryrun
from moderation.engine import evaluate as evaluation
from moderation.runtime import current_config, current_rules, runtime

group = AppGroup("moderation", help="Screen, evaluate and retrain the moderation engine.")


def _live_settings():
    """The live rules and settings; the shipped defaults when the database is not migrated."""
    try:
        return current_rules(), current_config()
    except SQLAlchemyError:
        db.session.rollback()
        click.echo("note: database not migrated; using the shipped rules", err=True)
        from moderation import engine

        return engine.DEFAULT_RULES, engine.DEFAULT_CONFIG


@group.command("dry-run")
def dry_run() -> None:
    """Screen JSON lines from stdin with the live rules and model; print one verdict a line.

    Input: {"id", "title", "body", "author": {"trust_level", "post_count",
    "account_age_days"}}. Nothing is written to the database.
    """
    rules, config = _live_settings()
    model = runtime().model()
    # undecodable bytes become U+FFFD: a bad line gets its own answer, not a crash
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace") \
        if hasattr(sys.stdin, "buffer") else sys.stdin
    for result in dryrun.run(stdin, rules=rules, model=model, config=config):
        click.echo(json.dumps(result, ensure_ascii=False))


@group.command("evaluate")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Public data folder (default: $PARLEY_DATA_DIR, else "
                                 "../shared/data beside the checkout).")
@click.option("--redteam", type=click.Path(dir_okay=False, path_type=Path),
              default=evaluation.DEFAULT_REDTEAM, show_default=True,
              help="Red-team JSONL; only its split 'test' rows are scored.")
@click.option("--limit", type=int, default=None,
              help="Score only the first N texts of each source (by hash), e.g. for CI.")
@click.option("--cold-start", is_flag=True,
              help="Evaluate the cold-start model instead of the live one.")
@click.option("--baseline-python", default=None,
              help="Interpreter (e.g. another venv's python) to run alt-profanity-check in.")
@click.option("--table", is_flag=True, help="Print the Markdown tables after the JSON.")
def evaluate(data_dir: Path | None, redteam: Path, limit: int | None, cold_start: bool,
             baseline_python: str | None, table: bool) -> None:
    """Per-class shares handled correctly (trust 0 and 1, two baselines), as JSON."""
    model = None if cold_start else runtime().model()
    report = evaluation.evaluate(data_dir, model=model, redteam=redteam, limit=limit,
                                 baseline_python=baseline_python)
    click.echo(json.dumps(report, indent=2))
    if table:
        click.echo(evaluation.markdown_tables(report))


@group.command("train")
def train() -> None:
    """Retrain the classifier on the shipped data plus every moderator decision."""
    from moderation import services

    bundle = services.train(actor=None)
    click.echo(json.dumps({"version": bundle.version, **bundle.describe()}))
