"""Response targets for the within-target share: the category's own target when the triage
feature (support.triage) provides one, else the site-wide RESPONSE_TARGET_MINUTES.

support.triage is built alongside; when it exposes `category_target_minutes()` returning
{category id: first-response minutes} (one call, so no query per category), those win for
the categories it names. Nothing else of it is assumed.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable

from flask import current_app

TRIAGE_FUNCTION = "category_target_minutes"


def _triage_targets() -> dict[int, int]:
    try:
        triage = importlib.import_module("support.triage")
    except ImportError:
        return {}
    function = getattr(triage, TRIAGE_FUNCTION, None)
    return dict(function() or {}) if callable(function) else {}


def lookup() -> Callable[[int], int]:
    """A function giving a category's first-response target in minutes."""
    default = int(current_app.config["RESPONSE_TARGET_MINUTES"])
    per_category = _triage_targets()
    return lambda category_id: int(per_category.get(category_id) or default)
