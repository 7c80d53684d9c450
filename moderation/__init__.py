"""Moderation: published community rules, enforced fairly, learned from moderators."""


def init_app(app) -> None:
    """Register moderation with the app: the posting screener, the sanctions the forum's
    permissions ask about, runtime state, pages, CLI."""
    # tables join the metadata; alerts listen for new work for moderators
    from moderation import alerts, models  # noqa: F401
    from moderation.runtime import Runtime
    from moderation.services import ModerationScreener, SanctionRestrictions

    app.extensions["parley.moderation"] = Runtime(
        app.config["MODERATION_MODEL_DIR"], app.config.get("MODERATION_COLD_START_MODEL"),
        background=app.config.get("MODERATION_LOAD_IN_BACKGROUND", True),
    )
    app.extensions["parley.screener"] = ModerationScreener()
    app.extensions["parley.restrictions"] = SanctionRestrictions()

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
