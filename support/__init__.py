"""The support team's workspace: triage and response targets, thread tools for staff,
private cases, webhooks and insights. Built on the forum (and its moderation rules); the
forum never imports it. Each feature is a subpackage with its own init_app."""
from __future__ import annotations

import importlib

# Registered in this order; each names a subpackage of support with init_app(app).
FEATURES: tuple[str, ...] = ("cases", "webhooks", "insights", "triage", "tools")


def init_app(app) -> None:
    """Register every support feature with the app."""
    for name in FEATURES:
        importlib.import_module(f"support.{name}").init_app(app)
    from forum import signals
    from support import demo

    signals.demo_seeded.connect(demo.on_demo_seeded)
