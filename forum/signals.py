"""Signals the forum sends so features built on it can listen without the forum importing
them (the knowledge base logs searches, adds help articles to the results page and writes
the demo community's help articles).

Receivers get the app as sender; they must not raise for the person searching.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: The search page ran a query: kwargs query (SearchQuery, already cleaned) and result
#: (SearchPage). Sent once per results page, only when the query had words to search for.
search_ran = _signals.signal("parley.search-ran")

#: The demo community was just created (`flask forum seed-demo`): kwargs people (username ->
#: User), categories (name -> Category) and threads (title -> Thread). A receiver adds its own
#: demo content through its services and returns a short phrase for the summary line
#: ("3 help articles"), or "" when it added nothing.
demo_seeded = _signals.signal("parley.demo-seeded")

#: A post just became public (a new thread's question, a reply, or a held reply approved):
#: kwarg post. Sent inside the use case, before its commit, so a receiver may add rows (a
#: notification) to the same transaction; it must not commit.
post_published = _signals.signal("parley.post-published")
