"""Triage pages: the inbox (filters, reasons, paging, query count), targets, taking and
assigning from the thread page; customers and anonymous visitors see none of it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Role
from support.triage import services
from support.triage.models import Assignment, CategoryTarget
from support.triage.queries import _AUTHOR_CACHE as AUTHOR_CACHE
from tests.conftest import count_queries, login


# -- permissions -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/staff/inbox", "/staff/inbox/targets"])
def test_triage_pages_customer_and_anonymous_forbidden(client, factory, customer, path):
    assert client.get(path).status_code == 403
    login(client, customer)
    assert client.get(path).status_code == 403


def test_triage_posts_customer_forbidden_and_nothing_changes(client, ask, customer, staff):
    thread = ask()
    login(client, customer)
    assert client.post(f"/staff/threads/{thread.id}/take").status_code == 403
    assert client.post(f"/staff/threads/{thread.id}/assign",
                       data={"assignee": str(staff.id)}).status_code == 403
    assert client.post(f"/staff/inbox/targets/{thread.category_id}",
                       data={f"c{thread.category_id}-first_response": "5"}).status_code == 403
    assert db.session.scalar(select(Assignment)) is None
    assert db.session.scalar(select(CategoryTarget)) is None


def test_thread_page_customer_and_anonymous_see_no_assignee_or_due(client, ask, staff,
                                                                   customer):
    thread = ask(minutes_ago=120, author=customer)
    services.take(thread, actor=staff)
    for signed_in in (False, True):
        if signed_in:
            login(client, customer)
        page = client.get(f"/t/{thread.id}").get_data(as_text=True)
        assert "Sam Support" not in page and "triage-panel" not in page
        assert "overdue" not in page.lower() and "Staff inbox" not in page
        listing = client.get("/threads").get_data(as_text=True)
        assert "assigned:" not in listing and "chip-assigned" not in listing


# -- the inbox ---------------------------------------------------------------------------------
def test_inbox_staff_sees_threads_sorted_with_reasons(client, ask, staff):
    ask(minutes_ago=5, title="How do I change my avatar?")
    ask(minutes_ago=90, title="Where is the router manual?")
    ask(minutes_ago=5, title="Refund me, the service is down")
    login(client, staff)
    page = client.get("/staff/inbox").get_data(as_text=True)
    order = [page.index(t) for t in ("Where is the router manual?",
                                     "Refund me, the service is down",
                                     "How do I change my avatar?")]
    assert order == sorted(order)
    assert "past first response target by 30 min" in page
    assert "urgent tone: down, refund" in page and "first-time poster" in page


def test_inbox_filters_overdue_mine_unassigned(client, ask, staff):
    late = ask(minutes_ago=90, title="An overdue question here")
    mine = ask(title="A question I took myself")
    ask(title="A fresh unassigned question")
    services.take(mine, actor=staff)
    login(client, staff)
    overdue = client.get("/staff/inbox?overdue=1").get_data(as_text=True)
    assert late.title in overdue and mine.title not in overdue
    own = client.get("/staff/inbox?mine=1").get_data(as_text=True)
    assert mine.title in own and late.title not in own
    loose = client.get("/staff/inbox?assignee=none").get_data(as_text=True)
    assert mine.title not in loose and "A fresh unassigned question" in loose
    person = client.get(f"/staff/inbox?assignee={staff.id}").get_data(as_text=True)
    assert mine.title in person and late.title not in person


def test_inbox_filter_category_and_junk_args_ignored(client, ask, staff, factory):
    billing = factory.category("Billing")
    ask(title="Billing question number one", category=billing)
    ask(title="Other question number two")
    login(client, staff)
    page = client.get(f"/staff/inbox?category={billing.id}").get_data(as_text=True)
    assert "Billing question number one" in page and "Other question number two" not in page
    junk = client.get("/staff/inbox?assignee=%3Cx%3E&category=abc&page=-4")
    assert junk.status_code == 200 and "Other question number two" in junk.get_data(
        as_text=True)


def test_inbox_paginated_and_page_queries_do_not_grow_with_rows(make_app, factory_for,
                                                                 login_staff):
    app, client = login_staff(THREADS_PER_PAGE=3)
    make = factory_for(app)
    for n in range(2):
        make(n)
    client.get("/staff/inbox")  # warm: the header's once-a-minute counts are fresh
    app.extensions.pop(AUTHOR_CACHE, None)  # the authors' facts are read in both counts
    with count_queries() as few:
        assert client.get("/staff/inbox").status_code == 200
    for n in range(2, 9):
        make(n)
    client.get("/staff/inbox")
    app.extensions.pop(AUTHOR_CACHE, None)
    with count_queries() as many:
        page = client.get("/staff/inbox").get_data(as_text=True)
    assert len(many) == len(few)
    assert 'rel="next"' in page and page.count('class="inbox-row') == 3
    second = client.get("/staff/inbox?page=3").get_data(as_text=True)
    assert second.count('class="inbox-row') == 3


@pytest.fixture
def login_staff(make_app):
    """An app with settings, its client signed in as staff."""
    from tests.conftest import Factory, _empty_tables

    contexts = []

    def build(**settings):
        app = make_app(**settings)
        context = app.app_context()
        context.push()
        contexts.append(context)
        _empty_tables()
        person = Factory().user("inbox_staff", role=Role.STAFF)
        client = app.test_client()
        login(client, person)
        return app, client

    yield build
    for context in contexts:
        context.pop()


@pytest.fixture
def factory_for():
    """factory_for(app)(n): a waiting question from a new customer, with a follower and a flag
    so every fact the inbox reads has rows."""
    from moderation.models import Flag, FlagReason
    from tests.conftest import Factory

    def bind(app):
        make = Factory()

        def one(n):
            thread = make.thread(title=f"Waiting question number {n}")
            make.reply(thread, author=make.user(), body="Same here, also broken.")
            db.session.add(Flag(post_id=_question_id(thread), user_id=make.user().id,
                                reason=FlagReason.SPAM))
            db.session.commit()
            return thread
        return one
    return bind


def _question_id(thread) -> int:
    from forum.models import Post

    return db.session.scalar(select(Post.id).where(Post.thread_id == thread.id,
                                                   Post.number == 1))


# -- taking and assigning ----------------------------------------------------------------------
def test_thread_page_staff_take_then_assign_shows_assignee_and_log(client, ask, staff,
                                                                   factory):
    other = factory.user("olga", role=Role.STAFF, display_name="Olga Ops")
    thread = ask(minutes_ago=30)
    login(client, staff)
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "triage-panel" in page and "Due in 30 min" in page
    response = client.post(f"/staff/threads/{thread.id}/take")
    assert response.status_code == 303
    client.post(f"/staff/threads/{thread.id}/assign", data={"assignee": str(other.id)})
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert '<dd class="triage-assignee">Olga Ops</dd>' in page
    assert "moved it from Sam Support to Olga Ops" in page
    assert "assigned Sam Support" in page


def test_assign_to_customer_or_junk_refused(client, ask, staff, customer):
    thread = ask()
    login(client, staff)
    for value in (str(customer.id), "abc", "999999"):
        response = client.post(f"/staff/threads/{thread.id}/assign", data={"assignee": value},
                               follow_redirects=True)
        assert "Choose someone on the support team" in response.get_data(as_text=True)
    assert db.session.scalar(select(Assignment)) is None


def test_assign_empty_choice_unassigns(client, ask, staff):
    thread = ask()
    services.take(thread, actor=staff)
    login(client, staff)
    client.post(f"/staff/threads/{thread.id}/assign", data={"assignee": ""})
    assert db.session.get(Assignment, thread.id) is None


def test_take_from_inbox_returns_to_inbox(client, ask, staff):
    thread = ask()
    login(client, staff)
    response = client.post(f"/staff/threads/{thread.id}/take?next=/staff/inbox")
    assert response.headers["Location"].endswith("/staff/inbox")
    page = client.get("/staff/inbox").get_data(as_text=True)
    assert "Sam Support" in page


def test_thread_list_staff_sees_assigned_and_overdue_chips_in_one_query(client, ask, staff):
    threads = [ask(minutes_ago=90, title=f"Late question number {n}") for n in range(4)]
    services.take(threads[0], actor=staff)
    login(client, staff)
    client.get("/threads")
    with count_queries() as statements:
        page = client.get("/threads").get_data(as_text=True)
    assert "assigned: Sam Support" in page and page.count("badge badge-warn\">overdue") == 4
    triage = [s for s in statements if "triage_assignments" in s]
    assert len(triage) == 1


# -- targets page ------------------------------------------------------------------------------
def test_targets_page_saves_override_and_shows_it(client, factory, staff):
    category = factory.category("Outages")
    login(client, staff)
    assert "(default)" in client.get("/staff/inbox/targets").get_data(as_text=True)
    response = client.post(f"/staff/inbox/targets/{category.id}",
                           data={f"c{category.id}-first_response": "15",
                                 f"c{category.id}-resolution": ""})
    assert response.status_code == 303
    row = db.session.get(CategoryTarget, category.id)
    assert (row.first_response_minutes, row.resolution_minutes) == (15, None)
    page = client.get("/staff/inbox/targets").get_data(as_text=True)
    assert "first response 15 min," in page


def test_targets_page_bad_input_kept_with_message(client, factory, staff):
    category = factory.category("Outages")
    login(client, staff)
    response = client.post(f"/staff/inbox/targets/{category.id}",
                           data={f"c{category.id}-first_response": "0",
                                 f"c{category.id}-resolution": "99"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Give whole minutes from 1" in page
    assert 'value="0"' in page and 'value="99"' in page
    assert db.session.get(CategoryTarget, category.id) is None


# -- links -------------------------------------------------------------------------------------
def test_inbox_linked_in_menu_and_staff_desk_for_staff_only(client, staff, customer):
    link = '<a role="menuitem" href="/staff/inbox">Staff inbox</a>'
    login(client, staff)
    assert link in client.get("/threads").get_data(as_text=True)
    assert 'href="/staff/inbox"' in client.get("/staff/").get_data(as_text=True)
    client.post("/logout")
    login(client, customer)
    assert "/staff/inbox" not in client.get("/threads").get_data(as_text=True)


def test_inbox_assign_select_reassigns_and_returns_to_inbox(client, ask, staff, factory):
    other = factory.user("olga", role=Role.STAFF, display_name="Olga Ops")
    thread = ask(title="Assign me from the inbox please")
    login(client, staff)
    page = client.get("/staff/inbox").get_data(as_text=True)
    assert f'id="assign-{thread.id}"' in page and "Olga Ops" in page
    response = client.post(f"/staff/threads/{thread.id}/assign?next=/staff/inbox",
                           data={"assignee": str(other.id)})
    assert response.headers["Location"].endswith("/staff/inbox")
    assert db.session.get(Assignment, thread.id).assignee_id == other.id
