"""How the knowledge base joins forum pages without the forum importing it: a listener for
the forum's search signal, and template globals the forum's templates call when present."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, g, url_for
from flask_login import current_user

from forum import search
from forum.extensions import db
from forum.models import PostStatus, Thread
from forum.search import SearchHit, SearchPage, SearchQuery
from knowledgebase import permissions, queries, services, suggestions
from knowledgebase.models import Article
from knowledgebase.searchdocs import DOC_TYPE


@dataclass
class SearchPanel:
    """What the search page adds: matching help articles and the search log's click token."""

    token: str | None = None
    articles: list[tuple[Article, SearchHit]] = field(default_factory=list)
    total: int = 0


def on_search_ran(sender, *, query: SearchQuery, result: SearchPage, **_extra) -> None:
    """The first results page of a search: find matching articles and log the search.

    The search page must work even when this fails: the failure is logged, nothing shown.
    """
    if "knowledgebase" not in sender.blueprints or query.page != 1:
        return
    try:
        g.kb_search = _panel(query, result)
    except Exception:  # noqa: BLE001 (the forum's page never fails for the add-on)
        db.session.rollback()  # PostgreSQL refuses every later statement otherwise
        current_app.logger.exception("help articles or search log unavailable")


def _panel(query: SearchQuery, result: SearchPage) -> SearchPanel:
    articles = search.run(db.session, SearchQuery(
        text=query.text, per_page=int(current_app.config["KB_SEARCH_ARTICLES"]),
        category_id=query.category_id, doc_types=(DOC_TYPE,),
    ))
    by_id = {a.id: a for a in queries.articles_by_ids([h.doc_id for h in articles.hits])}
    panel = SearchPanel(articles=[(by_id[h.doc_id], h) for h in articles.hits
                                  if h.doc_id in by_id and by_id[h.doc_id].is_published],
                        total=articles.total)
    panel.token = services.log_search(query.text, result.total + articles.total,
                                      found_article=bool(panel.articles))
    return panel


def kb_search_panel() -> SearchPanel | None:
    """The search page's help-article panel (None outside a logged search)."""
    return g.get("kb_search")


def kb_result_url(doc_type: str, doc_id: int) -> str:
    """A search result's link; through the click counter when the search was logged."""
    panel = g.get("kb_search")
    if panel is not None and panel.token:
        return url_for("knowledgebase.search_click", token=panel.token, to=f"{doc_type}:{doc_id}")
    if doc_type == DOC_TYPE:
        return url_for("knowledgebase.article_by_id", article_id=doc_id)
    return url_for("forum.thread", thread_id=doc_id)


def kb_related(thread: Thread) -> list:
    """'Related' beside a public thread: articles that answer it, then similar threads.

    A failure here must not take the thread page down with it: it is logged and the box
    is left out.
    """
    if thread.status is not PostStatus.PUBLISHED:
        return []
    try:
        return suggestions.related_to_thread(thread, limit=5)
    except Exception:  # noqa: BLE001 (a side box never breaks the page)
        db.session.rollback()  # PostgreSQL refuses every later statement otherwise
        current_app.logger.exception("related questions unavailable")
        return []


def kb_can_close_duplicate() -> bool:
    """Whether the viewer sees the 'Close as duplicate' form."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return permissions.can_close_duplicate(user)


def kb_can_use_workspace() -> bool:
    """Whether the viewer sees the knowledge-base staff link."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return permissions.can_view_reports(user)


def kb_can_publish() -> bool:
    """Whether the viewer sees the publishers' review queue."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return permissions.can_publish(user)


TEMPLATE_GLOBALS = {
    "kb_search_panel": kb_search_panel,
    "kb_result_url": kb_result_url,
    "kb_related": kb_related,
    "kb_can_close_duplicate": kb_can_close_duplicate,
    "kb_can_use_workspace": kb_can_use_workspace,
    "kb_can_publish": kb_can_publish,
}
