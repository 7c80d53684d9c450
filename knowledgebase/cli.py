"""Command line: flask --app wsgi kb clusters|index|review|publishers ..."""
from __future__ import annotations

import json
import time

import click
from flask import current_app
from flask.cli import AppGroup

from forum import services as forum_services
from forum.extensions import db
from knowledgebase import clusters, embeddings, queries, related, services, suggestions

kb_cli = AppGroup("kb", help="Knowledge base: repeated questions, suggestions, reviews.")


def register(app) -> None:
    """Attach the kb command group to the app."""
    app.cli.add_command(kb_cli)


@kb_cli.command("clusters")
@click.option("--days", type=click.IntRange(1, 36500), default=None,
              help="Only questions asked in the last N days (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the clusters as JSON.")
def clusters_command(days: int | None, as_json: bool) -> None:
    """Group repeated questions and store the clusters, biggest demand first."""
    started = time.perf_counter()
    found = clusters.compute(days=days)
    elapsed = time.perf_counter() - started
    if as_json:
        click.echo(json.dumps([_cluster_json(c) for c in found], ensure_ascii=False, indent=2))
        click.echo(f"{len(found)} clusters in {elapsed:.1f}s", err=True)
        return
    click.echo(f"{len(found)} clusters of repeated questions ({elapsed:.1f}s):")
    for cluster in found:
        click.echo(f"#{cluster.id:<5} {cluster.size:>4} questions  {cluster.askers:>4} askers  "
                   f"demand {cluster.demand:>7.2f}  {cluster.suggested_title}")


def _cluster_json(cluster) -> dict:
    return {
        "id": cluster.id, "size": cluster.size,
        "threads": [{"id": t.id, "title": t.title} for t in clusters.members(cluster)],
        "suggested_title": cluster.suggested_title, "demand": cluster.demand,
        "askers": cluster.askers, "views": cluster.views,
        "unresolved_share": round(cluster.unresolved_share, 3),
        "failed_searches": cluster.failed_searches,
        "newest_question_at": cluster.newest_at.isoformat() + "Z" if cluster.newest_at else None,
    }


@kb_cli.command("index")
def index_command() -> None:
    """Build the suggestion index now (embedding every question not yet embedded with the
    model in use, and dropping vectors of any other model) and save it where every worker
    loads it. Run it after changing KB_EMBEDDER."""
    started = time.perf_counter()
    removed = embeddings.prune()
    if removed:
        click.echo(f"Dropped {removed} vectors of another embedding model.")
    suggestions.reset()
    count = suggestions.warm(rebuild=True)
    click.echo(f"Suggestion index of {count} questions ready in "
               f"{time.perf_counter() - started:.1f}s.")


@kb_cli.command("review")
def review_command() -> None:
    """List published articles due for review, and why."""
    items = queries.review_queue(
        not_helpful_threshold=current_app.config["KB_NOT_HELPFUL_REVIEW"])
    for item in items:
        click.echo(f"#{item.article.id} {item.article.title}")
        for reason in item.reasons:
            click.echo(f"    - {reason}")
    click.echo(f"{len(items)} articles need a review.", err=True)


@kb_cli.command("publishers")
@click.argument("action", type=click.Choice(["list", "grant", "revoke"]))
@click.argument("username", required=False)
def publishers_command(action: str, username: str | None) -> None:
    """Give or take away a staff member's right to publish articles, or list who has it."""
    if action == "list":
        for user in queries.publishers():
            click.echo(user.username)
        return
    if not username:
        raise click.ClickException("Name the staff member: kb publishers grant USERNAME.")
    user = forum_services.get_user(username)
    if user is None:
        raise click.ClickException(f"No user named {username!r}.")
    try:
        services.grant_publish(user, actor=None, grant=action == "grant")
    except forum_services.ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{user.username} {'may' if action == 'grant' else 'may no longer'} publish.")


@kb_cli.command("related")
@click.option("--all", "everything", is_flag=True,
              help="Score every published thread again, not only those with no kept list.")
def related_command(everything: bool) -> None:
    """Keep each thread's related threads now (after a bulk import), so no thread page has
    to score them while someone waits."""
    started = time.perf_counter()
    todo = related.missing(everything=everything)
    engine, kept = suggestions.engine(), 0
    for start in range(0, len(todo), 2000):
        kept += engine.keep_related(todo[start:start + 2000])
        db.session.commit()
    click.echo(f"Related threads kept for {kept} threads in "
               f"{time.perf_counter() - started:.1f}s.")
