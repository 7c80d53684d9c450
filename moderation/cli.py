"""flask --app wsgi moderation dry-run | evaluate | train."""
from __future__ import annotations

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

ROOT = Path(__file__).resolve().parent.parent
HAND_WRITTEN_SETS = ROOT / "tests" / "unit" / "moderation" / "data"

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
    for result in dryrun.run(sys.stdin, rules=rules, model=model, config=config):
        click.echo(json.dumps(result, ensure_ascii=False))


@group.command("evaluate")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Public data folder (default: $PARLEY_DATA_DIR, else "
                                 "../shared/data beside the checkout).")
@click.option("--retrain", is_flag=True, help="Train a fresh model on the train splits instead "
                                                "of evaluating the live one.")
def evaluate(data_dir: Path | None, retrain: bool) -> None:
    """Print precision and recall per check on the public data's test splits, as JSON."""
    rules, config = _live_settings()
    kwargs = {"model": None if retrain else runtime().model(), "rules": rules, "config": config}
    if HAND_WRITTEN_SETS.is_dir():
        kwargs["sets_dir"] = HAND_WRITTEN_SETS
    source = data_dir or evaluation.datasets.default_data_dir()
    click.echo(json.dumps(evaluation.evaluate(source, **kwargs), indent=2))


@group.command("train")
def train() -> None:
    """Retrain the classifier on the shipped data plus every moderator decision."""
    from moderation import services

    bundle = services.train(actor=None)
    click.echo(json.dumps({"version": bundle.version, **bundle.describe()}))
