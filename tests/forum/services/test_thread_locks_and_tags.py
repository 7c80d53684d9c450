"""The forum's own side of locks and tags, without the support package: a locked thread
refuses replies (permissions.can_reply), tags list, filter and batch-load in fixed queries."""
from __future__ import annotations

import pytest

from forum import permissions, queries, services
from forum.extensions import db
from forum.models import Tag, ThreadTag, utcnow
from forum.queries import ThreadFilter
from tests.conftest import count_queries


def _tag(name: str, *threads) -> Tag:
    tag = Tag(name=name, slug=name.lower())
    db.session.add(tag)
    db.session.flush()
    for thread in threads:
        db.session.add(ThreadTag(tag_id=tag.id, thread_id=thread.id))
    db.session.commit()
    return tag


def test_can_reply_locked_thread_is_refused_to_everyone(factory):
    thread = factory.thread()
    member = factory.user()
    assert permissions.can_reply(member, thread)
    thread.locked_at, thread.locked_rule, thread.locked_reason = utcnow(), "R1", "Heated"
    db.session.commit()

    assert not permissions.can_reply(member, thread)
    assert not permissions.can_reply(thread.author, thread)
    with pytest.raises(services.PermissionDenied):
        services.reply(thread, author=member, body="Can I still add this?")


def test_list_threads_tag_filter_counts_and_keeps_only_tagged(factory):
    category = factory.category()
    tagged = [factory.thread(category=category) for _ in range(3)]
    untagged = factory.thread(category=category)
    tag = _tag("Billing", *tagged[:2])

    page = queries.list_threads(tag_id=tag.id)
    solved = queries.list_threads(filter=ThreadFilter.UNANSWERED, tag_id=tag.id,
                                  category_id=category.id)

    assert {t.id for t in page.items} == {tagged[0].id, tagged[1].id}
    assert page.total == 2 and solved.total == 2
    assert untagged.id not in {t.id for t in page.items}


def test_list_threads_tag_filter_is_one_statement(factory):
    threads = [factory.thread() for _ in range(3)]
    tag_id = _tag("Outage", *threads).id
    with count_queries() as statements:
        page = queries.list_threads(tag_id=tag_id)

    assert len(statements) == 1 and page.total == 3


def test_tags_for_threads_groups_by_thread_sorted_by_name(factory):
    first, second = factory.thread(), factory.thread()
    _tag("Zeta", first)
    _tag("Alpha", first, second)

    found = queries.tags_for_threads([first.id, second.id])

    assert [t.name for t in found[first.id]] == ["Alpha", "Zeta"]
    assert [t.name for t in found[second.id]] == ["Alpha"]
    assert queries.tags_for_threads([]) == {}


def test_tag_by_slug_and_tagged_thread_ids(factory):
    thread = factory.thread()
    tag = _tag("Billing", thread)

    assert queries.tag_by_slug(" BILLING ") == tag
    assert queries.tag_by_slug("nope") is None
    assert queries.tagged_thread_ids(tag.id) == frozenset({thread.id})
