"""Moderation: published community rules, enforced fairly, learned from moderators."""


def init_app(app) -> None:
    """Register moderation with the app: the posting screener, runtime state, pages, CLI."""
    # Importing them is enough: tables join the metadata, alerts listen for new work.
    from moderation import alerts, models  # noqa: F401
    from moderation.runtime import Runtime
    from moderation.services import ModerationScreener

    app.extensions["parley.moderation"] = Runtime(
        app.config["MODERATION_MODEL_DIR"], app.config.get("MODERATION_COLD_START_DIR")
    )
    app.extensions["parley.screener"] = ModerationScreener()

    from moderation import views

    app.register_blueprint(views.bp)
    app.register_blueprint(views.public)

    from forum import api as forum_api
    from moderation import api

    forum_api.extend(app, api.bp, api.contribute_openapi)

    from moderation import cli

    app.cli.add_command(cli.group)

    from forum import signals
    from moderation import demo

    signals.demo_seeded.connect(demo.on_demo_seeded)
