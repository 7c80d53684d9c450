"""Per-process moderation state: the live rule set, engine settings and the classifier.

The model lives in <instance>/models as versioned files, so every worker sees the same
version; each worker reloads when a newer file appears (checked at most every few seconds).
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from forum.extensions import db
from forum.models import Role, User
from moderation import engine
from moderation.engine.model import (
    SHIPPED_MODEL,
    default_model,
    latest_version,
    reload_if_newer,
)
from moderation.models import BadDomain, RuleSetVersion

RELOAD_EVERY_SECONDS = 5.0


class Runtime:
    """What the engine needs, loaded once per process and refreshed when it changes.

    The model is read when the app is created, in a background thread (about half a second
    for the shipped file), so no request pays for it; a request that arrives before it is
    ready waits for that one load rather than starting another.
    """

    def __init__(self, model_dir: str, cold_start: str | None = None, *,
                 background: bool = True):
        self.model_dir = Path(model_dir)
        self.cold_start = Path(cold_start) if cold_start else SHIPPED_MODEL
        self.flood = engine.FloodIndex()
        self._model: engine.ModelBundle | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.loaded = threading.Event()
        if background:
            threading.Thread(target=self.model, name="moderation-model", daemon=True).start()

    def model(self) -> engine.ModelBundle:
        """The newest classifier: a saved (retrained) version first, else the shipped one."""
        with self._lock:
            now = time.monotonic()
            if self._model is None or now - self._checked > RELOAD_EVERY_SECONDS:
                self._checked = now
                latest = reload_if_newer(self._model, self.model_dir)
                self._model = latest or self._model or default_model(self.cold_start)
                self.loaded.set()
            return self._model

    def next_model_version(self) -> int:
        """The version number a newly trained model should take."""
        return max(latest_version(self.model_dir), self.model().version) + 1


def runtime() -> Runtime:
    """The app's moderation runtime."""
    return current_app.extensions["parley.moderation"]


def current_rules() -> engine.RuleSet:
    """The latest published rule set (the shipped defaults until an admin edits them)."""
    row = db.session.scalar(
        select(RuleSetVersion).order_by(RuleSetVersion.version.desc()).limit(1)
    )
    if row is None:
        return engine.DEFAULT_RULES
    return engine.RuleSet.from_dict({**row.rules, "version": row.version})


def current_config() -> engine.EngineConfig:
    """Engine settings: app config, bad domains from the admin list, staff names."""
    cfg = current_app.config
    domains = frozenset(db.session.scalars(select(BadDomain.domain)))
    staff = db.session.execute(
        select(User.username, User.display_name).where(User.role != Role.CUSTOMER)
    ).all()
    names = frozenset(n for row in staff for n in row if n)
    return engine.EngineConfig(
        bad_domains=domains,
        brand_names=frozenset(cfg.get("BRAND_NAMES", ())),
        staff_names=names,
        official_phone_numbers=frozenset(cfg.get("OFFICIAL_PHONE_NUMBERS", ())),
        allowed_domains=frozenset(cfg.get("BRAND_DOMAINS", ())),
    )
