"""Signals the forum sends so features built on it can listen without the forum importing
them (the knowledge base logs searches and adds help articles to the results page).

Receivers get the app as sender; they must not raise for the person searching.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: The search page ran a query: kwargs query (SearchQuery, already cleaned) and result
#: (SearchPage). Sent once per results page, only when the query had words to search for.
search_ran = _signals.signal("parley.search-ran")
