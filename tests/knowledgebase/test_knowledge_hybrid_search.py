"""One search that understands customers: the lexical backend fused with question vectors
(forum.search.fusion, fed by knowledgebase.suggestions.neighbours), on Whoosh always and on
PostgreSQL when the suite runs there."""
from __future__ import annotations

import logging
import os

import pytest
from sqlalchemy import select

from forum import search, services
from forum.extensions import db
from forum.models import Post
from forum.search import SearchQuery, fusion
from knowledgebase import suggestions
from knowledgebase.searchdocs import DOC_TYPE


def _backends() -> list[str]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return ["whoosh", "postgres"] if url.startswith("postgresql") else ["whoosh"]


@pytest.fixture(params=_backends())
def hybrid_app(request, make_app, app):
    """An app on each backend in turn, in its own context over the emptied tables."""
    application = make_app(SEARCH_BACKEND=request.param)
    with application.app_context():
        yield application
        close = getattr(search.backend(), "close", None)
        if close is not None:
            close()
        db.session.remove()


def _community(factory):
    """A broadband community: the same question in other words, and unrelated ones."""
    router = factory.category("Router")
    billing = factory.category("Billing")
    threads = {
        "reboot": factory.thread(title="Hub keeps rebooting itself every evening",
                                 body="The lights go off and it starts up again.",
                                 category=router),
        "pay": factory.thread(title="Change the card I pay with",
                              body="New bank card, where do I update it?", category=billing),
        "tv": factory.thread(title="Subtitles stuck on in the TV app",
                             body="Cannot turn them off.", category=router),
    }
    for n in range(6):
        factory.thread(title=f"Parental controls schedule question {n}",
                       body="How do I set bedtime hours for the kids?", category=router)
    suggestions.reset()
    return threads


def _ids(text: str, **filters) -> list[int]:
    page = search.run(db.session, SearchQuery(text=text, doc_types=("thread",), **filters))
    return [hit.doc_id for hit in page.hits]


def test_hybrid_search_finds_a_paraphrase_sharing_no_word(hybrid_app, factory):
    threads = _community(factory)
    query = "router restarts on its own"
    assert threads["reboot"].id not in [h.doc_id for h in search.backend().search(
        db.session, search.bounded(SearchQuery(text=query, match_all=False))).hits]

    assert _ids(query)[:3].count(threads["reboot"].id) == 1


def test_hybrid_search_without_a_provider_is_lexical(hybrid_app, factory):
    threads = _community(factory)
    hybrid_app.extensions.pop(fusion.EXTENSION)

    assert threads["reboot"].id not in _ids("router restarts on its own")


def test_hybrid_search_keeps_the_lexical_best_match_first(hybrid_app, factory):
    threads = _community(factory)

    assert _ids("subtitles")[0] == threads["tv"].id
    assert _ids("bank card")[0] == threads["pay"].id


def test_hybrid_search_applies_filters_to_vector_results(hybrid_app, factory):
    threads = _community(factory)
    billing = threads["pay"].category_id

    found = _ids("router restarts on its own", category_id=billing)

    assert threads["reboot"].id not in found
    assert set(found) <= {threads["pay"].id}


def test_hybrid_search_never_shows_a_deleted_thread(hybrid_app, factory):
    threads = _community(factory)
    suggestions.warm(rebuild=True)  # the vector index still holds the thread
    question = db.session.scalar(select(Post).where(Post.thread_id == threads["reboot"].id))
    services.delete_post(question, actor=question.author)

    assert threads["reboot"].id not in _ids("router restarts on its own")


def test_hybrid_search_survives_a_failing_provider(hybrid_app, factory, caplog):
    threads = _community(factory)

    def broken(*_args, **_kwargs):
        raise RuntimeError("index file unreadable")

    hybrid_app.extensions[fusion.EXTENSION] = broken
    with caplog.at_level(logging.ERROR):
        found = _ids("subtitles")

    assert found == [threads["tv"].id]
    assert "vector search failed" in caplog.text


def test_hybrid_search_puts_an_article_first_among_equals(hybrid_app, factory, kb):
    _community(factory)
    article = kb.published(title="Why your hub restarts by itself",
                           body="Overheating or a firmware update restarts the hub.")
    suggestions.reset()

    page = search.run(db.session, SearchQuery(text="hub restarts", doc_types=(DOC_TYPE,
                                                                              "thread")))

    assert (page.hits[0].doc_type, page.hits[0].doc_id) == (DOC_TYPE, article.id)


def test_hybrid_search_pages_past_the_fused_window_are_lexical(hybrid_app, factory):
    _community(factory)
    query = SearchQuery(text="parental controls", page=fusion.DEPTH // 10 + 1, per_page=10)

    page = search.run(db.session, query)

    assert page.hits == [] and page.total == 6


def test_reciprocal_rank_adds_each_rankings_share():
    scores = fusion.reciprocal_rank([(["a", "b"], 1.0), (["b", "c"], 2.0)], k=1)

    assert scores == {"a": 1 / 2, "b": 1 / 3 + 2 / 2, "c": 2 / 3}
