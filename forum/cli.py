"""Command-line tools: flask --app wsgi users|search|forum ..."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from forum import demo, importing, search, services
from forum.extensions import db
from forum.models import Role, User

ROLE_CHOICE = click.Choice([role.value for role in Role], case_sensitive=False)

users_cli = AppGroup("users", help="Create people, give them roles and API tokens.")
search_cli = AppGroup("search", help="Keep the search index in step with the database.")
forum_cli = AppGroup("forum", help="Import questions and load the demo community.")


def register(app) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(users_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(forum_cli)


def _user_or_fail(username: str) -> User:
    """The named user, or a clear error and exit code 1."""
    user = services.get_user(username)
    if user is None:
        raise click.ClickException(f"No user named {username!r}.")
    return user


# -- users -------------------------------------------------------------------------------------
@users_cli.command("create")
@click.argument("username")
@click.option("--email", required=True, help="Their email address.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 10 characters; asked for when not given.")
@click.option("--role", type=ROLE_CHOICE, default=Role.CUSTOMER.value, show_default=True)
@click.option("--display-name", default="", help="The name people see (default: username).")
def create_user(username: str, email: str, password: str, role: str, display_name: str) -> None:
    """Create an account."""
    try:
        user = services.register_user(username, email, password, display_name=display_name,
                                      role=Role(role.lower()))
    except services.ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created {user.username} ({user.role.value}).")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="A label for the token.")
def create_token(username: str, name: str) -> None:
    """Print a new API token for USERNAME (shown once; only its hash is kept)."""
    user = _user_or_fail(username)
    if user.is_placeholder:
        raise click.ClickException(f"{user.username} is a placeholder account and cannot sign in.")
    _token, raw = services.create_api_token(user, actor=None, name=name)
    click.echo(raw)


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLE_CHOICE)
def set_role(username: str, role: str) -> None:
    """Give USERNAME a role: customer, staff, moderator or admin."""
    user = _user_or_fail(username)
    try:
        services.set_role(user, Role(role.lower()), actor=None)
    except services.ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{user.username} is now {user.role.value}.")


@users_cli.command("list")
@click.option("--role", type=ROLE_CHOICE, default=None, help="Only people with this role.")
def list_users(role: str | None) -> None:
    """List accounts: username, role, email, and whether it is an imported placeholder."""
    stmt = select(User).order_by(User.username_key)
    if role:
        stmt = stmt.where(User.role == Role(role.lower()))
    for user in db.session.scalars(stmt):
        flag = "  (placeholder)" if user.is_placeholder else ""
        click.echo(f"{user.username:<32} {user.role.value:<10} {user.email}{flag}")


# -- search ------------------------------------------------------------------------------------
@search_cli.command("reindex")
def reindex() -> None:
    """Rebuild the search index from the database."""
    count = search.reindex(db.session)
    click.echo(f"Indexed {count} documents.")


@search_cli.command("sync")
def sync() -> None:
    """Apply search changes still waiting in the outbox; rebuild an index built under an
    older analysis (what `make run` does at every start)."""
    applied, rebuilt = search.sync(db.session)
    click.echo(f"Applied {applied} pending changes.")
    if rebuilt is not None:
        click.echo(f"The index was built with older word folding: reindexed {rebuilt} "
                   "documents.")


# -- forum -------------------------------------------------------------------------------------
@forum_cli.command("import")
@click.argument("path", metavar="FILE.jsonl", type=click.Path(dir_okay=False))
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 10_000),
              help="Threads written per commit.")
def import_command(path: str, batch_size: int) -> None:
    """Import questions from a JSON Lines file; bad lines are reported and skipped."""
    started = time.perf_counter()
    try:
        report = importing.import_file(path, batch_size=batch_size)
    except OSError as exc:
        raise click.ClickException(f"Cannot read {path}: {exc.strerror or exc}") from exc
    search.backend().sync(db.session)  # index what a busy index lock may have deferred
    elapsed = time.perf_counter() - started
    click.echo(f"threads: {report.threads}")
    click.echo(f"replies: {report.replies}")
    click.echo(f"errors: {len(report.errors)}")
    for line, reason in report.errors:
        click.echo(f"line {line}: {reason}")
    click.echo(f"time: {elapsed:.1f}s", err=True)


@forum_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (but print the login) when the database already has users.")
def seed_demo(if_empty: bool) -> None:
    """Load the demo community into an empty database and print the demo admin login."""
    if demo.has_users():
        if not if_empty:
            raise click.ClickException(
                "The database already has users; seed-demo only fills an empty one "
                "(use --if-empty to skip quietly)."
            )
    else:
        started = time.perf_counter()
        summary = demo.seed(current_app.instance_path)
        click.echo(f"Seeded the demo community: {summary} "
                   f"({time.perf_counter() - started:.1f}s).")
    click.echo(demo.login_line(current_app.instance_path))
