"""Extension points on the forum's pages: features built on the forum (the support
workspace, the knowledge base, moderation) add HTML to a thread, a post, a thread list or the
menus without the forum importing them.

A feature registers a function for a point at start-up (``hooks.register(app, point, fn)``).
Templates call ``hook(point, *args)``, which joins what every function returns (HTML, or None
for nothing), and ``hook_batch(point, items)`` for lists, where each function gets every item
at once (one query a page, not one a row) and returns {item id: HTML}. Whoever registers a
function checks its own permissions: the forum shows what it is given.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, current_app
from markupsafe import Markup

KEY = "parley.hooks"

POINTS = frozenset({
    "thread_banner",       # (thread) notices under a thread's title (locked, continues privately)
    "thread_sidebar",      # (thread) cards in a thread's sidebar (assignee, target, notes)
    "post_tools",          # (post) actions at the foot of a post (move to a private case)
    "reply_tools",         # (thread) beside the reply form (saved replies)
    "thread_list_extras",  # (threads) batch: {thread id: HTML} shown in each list row
    "menu_links",          # () links in the signed-in user's menu
    "profile_extras",      # (user) on a member's profile page
    "reply_prefill",       # (thread) plain text to start the reply box with (a saved reply)
})


def register(app: Flask, point: str, function: Callable) -> None:
    """Add a function to an extension point of this app."""
    if point not in POINTS:
        raise ValueError(f"unknown extension point {point!r}; known: {sorted(POINTS)}")
    app.extensions.setdefault(KEY, {}).setdefault(point, []).append(function)


def _functions(point: str) -> list[Callable]:
    return current_app.extensions.get(KEY, {}).get(point, [])


def hook(point: str, *args) -> Markup:
    """Every registered function's HTML for this point, joined (empty when none)."""
    parts = [part for function in _functions(point) if (part := function(*args))]
    return Markup("\n").join(Markup(part) for part in parts)


def first_text(point: str, *args) -> str:
    """The first non-empty plain text a registered function returns (empty when none)."""
    for function in _functions(point):
        text = function(*args)
        if text:
            return str(text)
    return ""


def hook_batch(point: str, items: Iterable) -> dict[int, Markup]:
    """{item id: HTML} from every registered function for a list of items."""
    items = list(items)
    found: dict[int, list[Markup]] = {}
    if not items:
        return {}
    for function in _functions(point):
        for key, part in (function(items) or {}).items():
            if part:
                found.setdefault(key, []).append(Markup(part))
    return {key: Markup(" ").join(parts) for key, parts in found.items()}


def init_app(app: Flask) -> None:
    """Make hook() and hook_batch() available to every template."""
    app.add_template_global(hook, "hook")
    app.add_template_global(hook_batch, "hook_batch")
