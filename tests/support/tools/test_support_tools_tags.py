"""Tags shown to everyone in lists (one query a page) and on the thread, as a list filter
(/threads?tag=, category pages) and in search (tag:slug, ?tag=) on every backend."""
from __future__ import annotations

import os

import pytest

from forum import queries, search
from forum.extensions import db
from forum.search import SearchQuery
from support.tools import services as tools
from tests.conftest import count_queries, login


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def tagged(factory, staff):
    """Two threads in one category, one tagged Billing; a third elsewhere, also tagged."""
    category = factory.category("Accounts")
    billing = tools.create_tag(actor=staff, name="Billing")
    charged = factory.thread(category=category, title="Charged twice for the router plan",
                             body="My invoice shows the router plan twice.")
    other = factory.thread(category=category, title="Router plan upgrade question",
                           body="Can I upgrade the router plan mid month?")
    elsewhere = factory.thread(title="Router plan refund elsewhere",
                               body="Refund for the router plan please.")
    tools.tag_thread(charged, billing, actor=staff)
    tools.tag_thread(elsewhere, billing, actor=staff)
    return {"tag": billing, "charged": charged, "other": other, "elsewhere": elsewhere,
            "category": category}


# -- lists and the thread page ------------------------------------------------------------------
def test_thread_list_shows_tag_links_on_tagged_rows_to_anonymous(client, tagged):
    html = _html(client.get("/threads"))

    assert html.count('href="/threads?tag=billing"') == 2


def test_thread_list_tag_filter_keeps_only_tagged_threads_and_counts_them(client, tagged):
    html = _html(client.get("/threads?tag=billing"))

    assert tagged["charged"].title in html and tagged["elsewhere"].title in html
    assert tagged["other"].title not in html
    assert "2 questions" in html and "data-tag-filter" in html


def test_category_page_tag_filter_combines_with_category(client, tagged):
    html = _html(client.get(f"/c/{tagged['category'].slug}?tag=billing"))

    assert tagged["charged"].title in html
    assert tagged["other"].title not in html and tagged["elsewhere"].title not in html


def test_thread_list_unknown_tag_is_404(client, tagged):
    assert client.get("/threads?tag=nope").status_code == 404


def test_thread_page_shows_tags_to_everyone(client, tagged):
    html = _html(client.get(f"/t/{tagged['charged'].id}"))

    assert "data-thread-tags" in html and ">Billing</a>" in html
    assert "data-thread-tags" not in _html(client.get(f"/t/{tagged['other'].id}"))


def test_thread_list_tags_cost_one_query_whatever_the_rows(client, factory, staff):
    tag = tools.create_tag(actor=staff, name="Outage")
    few = [factory.thread() for _ in range(2)]
    for thread in few:
        tools.tag_thread(thread, tag, actor=staff)
    client.get("/threads")  # warm up
    with count_queries() as small:
        client.get("/threads")
    many = [factory.thread() for _ in range(12)]
    for thread in many:
        tools.tag_thread(thread, tag, actor=staff)
    with count_queries() as large:
        html = _html(client.get("/threads"))

    assert html.count('href="/threads?tag=outage"') == 14
    assert len(large) == len(small)
    assert sum("thread_tags" in s for s in large) == 1


def test_tags_for_threads_batch_is_one_statement(tagged):
    ids = [tagged["charged"].id, tagged["other"].id, tagged["elsewhere"].id]
    with count_queries() as statements:
        found = queries.tags_for_threads(ids)

    assert len(statements) == 1
    assert {k: [t.slug for t in v] for k, v in found.items()} == {
        tagged["charged"].id: ["billing"], tagged["elsewhere"].id: ["billing"]}


# -- search -------------------------------------------------------------------------------------
def _backends() -> list[str]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return ["whoosh", "postgres"] if url.startswith("postgresql") else ["whoosh"]


@pytest.fixture(params=_backends())
def search_app(request, make_app, app):
    """An app on each search backend the test database allows."""
    application = make_app(SEARCH_BACKEND=request.param)
    with application.app_context():
        yield application
        close = getattr(search.backend(), "close", None)
        if close is not None:
            close()
        db.session.remove()


def _ids(page) -> set[int]:
    return {hit.doc_id for hit in page.hits}


def test_search_thread_ids_filter_keeps_only_tagged_threads(search_app, tagged):
    search.sync(db.session)
    allowed = queries.tagged_thread_ids(tagged["tag"].id)
    everything = search.run(db.session, SearchQuery(text="router plan"))
    tagged_only = search.run(db.session, SearchQuery(text="router plan", thread_ids=allowed))

    assert len(_ids(everything)) == 3
    assert _ids(tagged_only) == {tagged["charged"].id, tagged["elsewhere"].id}
    assert tagged_only.total == 2


def test_search_empty_thread_ids_filter_finds_nothing(search_app, tagged):
    search.sync(db.session)

    assert search.run(db.session, SearchQuery(text="router", thread_ids=frozenset())).hits == []


def test_search_database_fallback_applies_thread_ids_filter(search_app, tagged):
    from forum.search import fallback

    allowed = frozenset({tagged["other"].id})
    found = fallback.search(db.session, SearchQuery(text="router plan", thread_ids=allowed))

    assert _ids(found) == {tagged["other"].id}


def _linked(html: str, thread) -> bool:
    """Whether a search page links to the thread (directly, or through the help centre's
    click counter, ?to=thread:<id>)."""
    return any(link in html for link in (f'href="/t/{thread.id}/', f'href="/t/{thread.id}"',
                                          f'to=thread:{thread.id}"'))


def test_search_page_tag_term_filters_and_keeps_query(client, tagged):
    search.sync(db.session)
    html = _html(client.get("/search?q=router+plan+tag:billing"))

    assert _linked(html, tagged["charged"]) and _linked(html, tagged["elsewhere"])
    assert not _linked(html, tagged["other"])
    assert 'value="router plan tag:billing"' in html


def test_search_page_tag_select_filters(client, tagged):
    search.sync(db.session)
    html = _html(client.get("/search?q=router+plan&tag=billing"))
    unfiltered = _html(client.get("/search?q=router+plan"))

    assert not _linked(html, tagged["other"]) and _linked(html, tagged["charged"])
    assert _linked(unfiltered, tagged["other"])


def test_search_page_unknown_tag_says_so_and_finds_nothing(client, tagged):
    search.sync(db.session)
    html = _html(client.get("/search?q=router+tag:nope"))

    assert "data-unknown-tag" in html and not _linked(html, tagged["charged"])


def test_search_page_tag_term_alone_opens_tag_list(client, tagged):
    response = client.get("/search?q=tag:billing")

    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/threads?tag=billing")


def test_split_tag_separates_first_tag_term():
    from forum.views import split_tag

    assert split_tag("router tag:Billing plan") == ("router plan", "billing")
    assert split_tag("no tags here") == ("no tags here", "")
    assert split_tag("mytag:x") == ("mytag:x", "")


def test_staff_panel_offers_only_tags_not_on_thread(client, staff, tagged):
    tools.create_tag(actor=staff, name="Outage")
    login(client, staff)
    html = _html(client.get(f"/t/{tagged['charged'].id}"))
    panel = html[html.index("data-staff-panel"):]

    assert ">Outage</option>" in panel and ">Billing</option>" not in panel
