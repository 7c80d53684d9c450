"""`flask support due`: warn assignees of targets about to be missed (run it every few
minutes from cron or a timer; it tells each assignee once per thread and target)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from support.triage import services


@click.command("due")
def due() -> None:
    """Notify assignees of threads close to (or past) a response target."""
    sent = services.warn_due()
    click.echo(f"Sent {sent} due-soon warning{'s' if sent != 1 else ''}.")


def register(app) -> None:
    """Add `due` to the shared `support` command group (made here if no feature made it)."""
    group = app.cli.commands.get("support")
    if group is None:
        group = AppGroup("support", help="The support team's workspace.")
        app.cli.add_command(group)
    group.add_command(due)
