"""The thread list's tabs, page by page: every tab and category lists exactly the threads it
should, in its order, with the right total, and a deep page costs no more queries than the
first."""
from datetime import datetime, timedelta

import pytest

from forum import queries, services
from forum.models import PostStatus
from forum.queries import ThreadFilter
from tests.conftest import count_queries

START = datetime(2025, 1, 1)


@pytest.fixture
def forum(factory):
    """Nine threads in two categories with distinct ask times; some answered, some solved,
    some bumped by a late reply so that 'active' orders differently from 'newest'; one held
    thread that no tab may list."""
    cats = [factory.category("Routers"), factory.category("Billing")]
    asker, helper = factory.user("asker"), factory.user("helper")
    threads = []
    for n in range(9):
        threads.append(services.create_thread(
            author=asker, title=f"Question number {n} about things?", body="Details here.",
            category=cats[n % 2], created_at=START + timedelta(hours=n),
        ))
    for n in (1, 2, 4, 7):  # replied; the early ones are bumped to the top of 'active'
        post = services.reply(threads[n], author=helper, body="Try this.",
                              created_at=START + timedelta(days=1, hours=-n))
        if n in (2, 7):
            services.accept_answer(post, actor=asker)
    held = threads.pop(5)
    services.set_visibility(_question(held), PostStatus.HELD)
    services.commit_changes(held)
    return cats, threads


def _question(thread):
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Post

    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def _expected(threads, tab, category_id):
    chosen = [t for t in threads if category_id is None or t.category_id == category_id]
    if tab is ThreadFilter.UNANSWERED:
        chosen = [t for t in chosen if t.first_reply_at is None and t.closed_at is None
                  and t.canonical_kind is None]
    elif tab is ThreadFilter.SOLVED:
        chosen = [t for t in chosen if t.accepted_post_id is not None]
    key = "last_activity_at" if tab is ThreadFilter.ACTIVE else "created_at"
    return [t.id for t in sorted(chosen, key=lambda t: (getattr(t, key), t.id), reverse=True)]


def _all_pages(tab, category_id, per_page=2):
    ids, page, total = [], 1, None
    while True:
        result = queries.list_threads(filter=tab, category_id=category_id, page=page,
                                      per_page=per_page)
        total = result.total if total is None else total
        assert result.total == total
        ids.extend(t.id for t in result.items)
        if not result.has_next:
            return ids, total, result.pages
        page += 1


@pytest.mark.parametrize("tab", list(ThreadFilter))
@pytest.mark.parametrize("in_category", [False, True])
def test_list_threads_every_page_of_tab_matches_order_and_total(forum, tab, in_category):
    cats, threads = forum
    category_id = cats[0].id if in_category else None
    expected = _expected(threads, tab, category_id)
    ids, total, pages = _all_pages(tab, category_id)
    assert ids == expected
    assert total == len(expected)
    assert pages == max(1, -(-len(expected) // 2))


def test_list_threads_page_past_the_end_is_empty_with_total(forum):
    _, threads = forum
    result = queries.list_threads(page=50, per_page=2)
    assert result.items == [] and result.total == len(threads)


def test_list_threads_deep_page_costs_same_queries_as_first(forum):
    counts = []
    for page in (1, 4):
        with count_queries() as statements:
            result = queries.list_threads(page=page, per_page=2)
            for thread in result.items:  # authors and categories come with the page
                assert thread.author.name and thread.category.name
        counts.append(len(statements))
    assert counts == [1, 1]  # the page, its authors, categories and the total in one
