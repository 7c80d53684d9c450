"""flask --app wsgi webhooks deliver: send every due delivery once (cron, or with
WEBHOOKS_BACKGROUND off)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

group = AppGroup("webhooks", help="Outbound webhooks.")


@group.command("deliver")
@click.option("--all", "drain", is_flag=True, help="Keep going until nothing is due.")
def deliver(drain: bool) -> None:
    """Send the deliveries that are due now and print what happened."""
    from support.webhooks import services

    total = services.Run()
    while True:
        run = services.deliver_due()
        total.delivered += run.delivered
        total.retrying += run.retrying
        total.failed += run.failed
        if not drain or run.total < services.BATCH:
            break
    click.echo(f"{total.delivered} delivered, {total.retrying} to retry, {total.failed} failed")
