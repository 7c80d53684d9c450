"""Moderation: published community rules, enforced fairly, learned from moderators."""


def init_app(app) -> None:
    """Register moderation with the app: the posting screener, runtime state, pages, CLI."""
    from moderation import models  # noqa: F401  (tables join the metadata)
    from moderation.runtime import Runtime
    from moderation.services import ModerationScreener

    app.extensions["parley.moderation"] = Runtime(
        app.config["MODERATION_MODEL_DIR"], app.config.get("MODERATION_COLD_START_DIR")
    )
    app.extensions["parley.screener"] = ModerationScreener()
