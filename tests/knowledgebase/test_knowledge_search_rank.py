"""One search, answers first: help articles and threads ranked together by text relevance
times the article boost, on Whoosh always and on PostgreSQL when the suite runs there."""
from __future__ import annotations

import os

import pytest

from forum import search
from forum.extensions import db
from forum.search import SearchQuery
from knowledgebase.searchdocs import ARTICLE_BOOST, DOC_TYPE

API = "/api/v1"


def _backends() -> list[str]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return ["whoosh", "postgres"] if url.startswith("postgresql") else ["whoosh"]


@pytest.fixture(params=_backends())
def ranked_app(request, make_app, app):
    """An app on each backend in turn, in its own context over the emptied tables."""
    application = make_app(SEARCH_BACKEND=request.param)
    with application.app_context():
        yield application
        close = getattr(search.backend(), "close", None)
        if close is not None:
            close()
        db.session.remove()


def _hits(text: str, *, match_all: bool = True, per_page: int = 10) -> list[search.SearchHit]:
    """The first page straight from the backend (no fallback to partial matches)."""
    query = search.bounded(SearchQuery(text=text, match_all=match_all, per_page=per_page))
    return search.backend().search(db.session, query).hits


def _order(hits) -> list[tuple[str, int]]:
    return [(hit.doc_type, hit.doc_id) for hit in hits]


def _router_threads(factory, n=3):
    return [factory.thread(title=f"Router reset question number {i}",
                           body="How do I reset my router? The router reset did not work.")
            for i in range(n)]


def _router_article(kb):
    return kb.published(title="How to reset your router",
                        summary="Two steps to reset the router.",
                        body="Hold the reset button for ten seconds, then wait for the lights.")


def test_rank_article_matching_as_well_as_threads_comes_first(ranked_app, factory, kb):
    threads = _router_threads(factory)
    article = _router_article(kb)

    order = _order(_hits("reset router"))

    assert order[0] == (DOC_TYPE, article.id)
    assert {doc_id for _type, doc_id in order[1:]} == {t.id for t in threads}


def test_rank_article_matching_a_little_worse_than_thread_comes_first(ranked_app, factory,
                                                                      kb):
    thread = factory.thread(title="How do I reset my router?",
                            body="The router keeps dropping wifi. Should I reset the router?")
    factory.reply(thread, body="Yes, a router reset usually helps.")
    article = kb.published(title="How to reset your router",
                           body="Find the small pinhole on the back. Hold the pinhole button "
                                "for ten seconds with a paper clip until the lights flash, "
                                "then wait two minutes while it restarts.")

    first, second = _hits("reset router")

    assert (first.doc_type, first.doc_id) == (DOC_TYPE, article.id)
    assert (second.doc_type, second.doc_id) == ("thread", thread.id)
    assert first.score / ARTICLE_BOOST < second.score < first.score  # the boost decided it


def test_rank_article_with_incidental_words_below_matching_thread(ranked_app, factory, kb):
    thread = factory.thread(title="Doorbell battery drains overnight",
                            body="My doorbell battery drains to zero every night since the "
                                 "update; the battery drain is new.")
    article = kb.published(
        title="Choosing where to mount your camera",
        summary="Pick a spot with a clear view and good wifi.",
        body=("Mount the camera at chest height, away from direct sunlight, and check the "
              "wifi signal where it will hang. " * 3
              + "A doorbell chime can sit in any room. "
              + "Keep the hinge clean so the cover closes. " * 3
              + "Rain will drain off the slanted hood. "
              + "Cold weather shortens battery life a little."),
    )

    hits = _hits("doorbell battery drain")

    assert _order(hits) == [("thread", thread.id), (DOC_TYPE, article.id)]


def test_rank_article_matching_one_word_below_thread_matching_all(ranked_app, factory, kb):
    thread = factory.thread(title="Doorbell battery drains overnight",
                            body="The doorbell battery drains overnight, every night.")
    article = kb.published(title="Battery care", summary="Looking after batteries.",
                           body="Charge the battery fully before first use.")

    hits = _hits("doorbell battery drains overnight", match_all=False)

    assert _order(hits) == [("thread", thread.id), (DOC_TYPE, article.id)]


def test_rank_old_article_outranks_many_newer_threads(ranked_app, factory, kb, monkeypatch):
    from forum.search import postgres

    monkeypatch.setattr(postgres, "RANK_CANDIDATES", 2)  # PostgreSQL ranks the newest two
    article = _router_article(kb)
    _router_threads(factory, 4)

    assert _order(_hits("reset router", per_page=2))[0] == (DOC_TYPE, article.id)


@pytest.mark.parametrize("rare_share", [0.0, 2.0])  # never rare / always rare
def test_type_filter_same_results_inside_or_outside_index_scan(ranked_app, factory, kb,
                                                               monkeypatch, rare_share):
    """PostgreSQL filters a rare type inside the index scan and a common one after it (a
    plan choice): either way a filtered search returns exactly that type's matches."""
    from forum.search import postgres

    monkeypatch.setattr(postgres, "RARE_SHARE", rare_share)
    monkeypatch.setattr(postgres, "_TYPE_COUNTS", {})
    threads = _router_threads(factory)
    article = _router_article(kb)

    only_threads = search.run(db.session, SearchQuery(text="reset router",
                                                      doc_types=("thread",)))
    only_articles = search.run(db.session, SearchQuery(text="reset router",
                                                       doc_types=(DOC_TYPE,)))
    partial = search.run(db.session, SearchQuery(text="router zxqvw", doc_types=(DOC_TYPE,)))
    past_end = search.run(db.session, SearchQuery(text="reset router", doc_types=("thread",),
                                                  page=2, per_page=3))

    assert (sorted(h.doc_id for h in only_threads.hits), only_threads.total) == (
        sorted(t.id for t in threads), 3)
    assert {h.doc_type for h in only_threads.hits} == {"thread"}
    assert _order(only_articles.hits) == [(DOC_TYPE, article.id)]
    assert (only_articles.total, partial.total, partial.partial) == (1, 1, True)
    assert _order(partial.hits) == [(DOC_TYPE, article.id)]
    assert (past_end.hits, past_end.total) == ([], 3)


def test_api_search_returns_articles_and_threads_article_first(ranked_app, factory, kb):
    threads = _router_threads(factory)
    article = _router_article(kb)

    body = ranked_app.test_client().get(f"{API}/search?q=reset+router").get_json()

    assert [r["type"] for r in body["results"]] == [DOC_TYPE, "thread", "thread", "thread"]
    assert body["results"][0]["id"] == article.id
    assert body["results"][0]["url"].endswith(f"/help/a/{article.id}")
    assert {r["id"] for r in body["results"][1:]} == {t.id for t in threads}
    assert body["total"] == 4
