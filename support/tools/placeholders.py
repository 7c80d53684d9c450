"""Saved replies' placeholders: {customer_name}, {thread_url}, {link:rules} ... filled per
thread; anything else in braces is left as typed and reported, so staff see it before
sending."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import url_for
from werkzeug.routing import BuildError

from forum.models import Thread, User

PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*(?::[\w-]+)?)\}")

# name -> what it becomes, documented on the saved replies page
DOCUMENTED = (
    ("customer_name", "The asker's display name (or username)."),
    ("customer_username", "The asker's username, e.g. to @mention them."),
    ("thread_title", "The thread's title."),
    ("thread_url", "The full address of the thread."),
    ("agent_name", "Your own display name (whoever inserts the reply)."),
    ("link:rules", "A Markdown link to the community rules."),
    ("link:ask", "A Markdown link to the ask-a-question page."),
    ("link:category", "A Markdown link to the thread's category."),
    ("link:help", "A Markdown link to the help centre."),
    ("link:search", "A Markdown link to community search."),
)

# link name -> (label, endpoint); the category link is built from the thread
_LINKS = {
    "rules": ("Community rules", "moderation_public.rules"),
    "ask": ("Ask a question", "forum.ask"),
    "help": ("Help centre", "knowledgebase.index"),
    "search": ("Search the community", "forum.search_page"),
}


@dataclass(frozen=True)
class Filled:
    """A saved reply's text for one thread, and the placeholders nobody knows."""

    body: str
    unknown: list[str] = field(default_factory=list)


def values_for(thread: Thread, agent: User) -> dict[str, str]:
    """Every known placeholder's text for this thread and agent."""
    from forum.web import thread_url

    values = {
        "customer_name": thread.author.name,
        "customer_username": thread.author.username,
        "thread_title": thread.title,
        "thread_url": thread_url(thread, _external=True),
        "agent_name": agent.name,
        "link:category": _link(thread.category.name, "forum.category",
                               slug=thread.category.slug),
    }
    for name, (label, endpoint) in _LINKS.items():
        link = _link(label, endpoint)
        if link:
            values[f"link:{name}"] = link
    return {name: value for name, value in values.items() if value}


def _link(label: str, endpoint: str, **values) -> str:
    try:
        return f"[{label}]({url_for(endpoint, _external=True, **values)})"
    except BuildError:  # a feature that is not installed: the placeholder stays unknown
        return ""


def fill(text: str, values: dict[str, str]) -> Filled:
    """The text with known placeholders replaced; unknown ones kept as typed, listed once."""
    unknown: list[str] = []

    def replace(match: re.Match) -> str:
        if match.group(1) in values:
            return values[match.group(1)]
        if match.group(0) not in unknown:
            unknown.append(match.group(0))
        return match.group(0)

    return Filled(body=PLACEHOLDER.sub(replace, text), unknown=unknown)


def unknown_in(text: str) -> list[str]:
    """Placeholders in a saved reply that no thread fills (for the list page's warnings)."""
    known = {name for name, _doc in DOCUMENTED}
    return list(dict.fromkeys(m.group(0) for m in PLACEHOLDER.finditer(text)
                              if m.group(1) not in known))
