"""Private cases through the UI: staff's move buttons on a thread, the public stub, the
customer's contact form and case list, the staff queue, close/reopen and the summary."""
from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, Role
from support.cases import queries, services
from tests.conftest import count_queries, login


def _question(thread):
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_thread_page_staff_sees_move_buttons_customer_does_not(client, factory):
    staff = factory.user("agent", role=Role.STAFF)
    thread = factory.thread()
    login(client, factory.user("reader"))
    page = _html(client.get(f"/t/{thread.id}"))
    assert "Move to private case" not in page and "Move thread" not in page
    client.post("/logout")
    login(client, staff)
    page = _html(client.get(f"/t/{thread.id}"))
    assert "Move to private case" in page and "Move thread to a private case" in page


def test_move_post_button_leaves_public_stub(client, factory):
    staff = factory.user("agent", role=Role.STAFF)
    thread = factory.thread(body="Account number zebraquartz here.")
    login(client, staff)
    response = client.post(f"/staff/cases/move/post/{_question(thread).id}")
    assert response.status_code == 303 and "/cases/" in response.headers["Location"]
    client.post("/logout")
    page = _html(client.get(f"/t/{thread.id}"))
    assert "continues privately with our support team" in page
    assert "zebraquartz" not in page
    assert "Open the private case" not in page


def test_move_thread_button_by_customer_is_403_and_changes_nothing(client, factory):
    thread = factory.thread(body="Keep me public.")
    login(client, factory.user("reader"))
    assert client.post(f"/staff/cases/move/thread/{thread.id}").status_code == 403
    assert _question(thread).body_source == "Keep me public."


def test_thread_author_sees_contact_link_and_case_link(client, factory):
    staff = factory.user("agent", role=Role.STAFF)
    thread = factory.thread()
    case = services.move_thread_to_case(thread, actor=staff)
    login(client, thread.author)
    page = _html(client.get(f"/t/{thread.id}"))
    assert f"/cases/{case.id}" in page
    assert f"/cases/new?thread={thread.id}" in page


def test_new_case_form_bad_input_keeps_text(client, factory):
    login(client, factory.user("cust"))
    response = client.post("/cases/new", data={"subject": "a", "body": "My private words"})
    assert response.status_code == 400
    page = _html(response)
    assert "at least 3 characters" in page and "My private words" in page


def test_new_case_form_creates_case_and_redirects(client, factory):
    customer = factory.user("cust")
    thread = factory.thread(author=customer)
    login(client, customer)
    assert f"/cases/new?thread={thread.id}" in _html(client.get(f"/t/{thread.id}"))
    response = client.post("/cases/new", data={"subject": "My bill", "body": "Charged twice",
                                               "thread_id": str(thread.id)})
    assert response.status_code == 303
    case = queries.case_page(customer).items[0].conversation
    assert case.thread_id == thread.id
    page = _html(client.get(response.headers["Location"]))
    assert "Charged twice" in page and "My bill" in page


def test_case_reply_and_unread_shown_in_lists(client, factory):
    staff = factory.user("agent", role=Role.STAFF)
    customer = factory.user("cust")
    case = services.open_case(actor=customer, subject="Refund please", body="Hello.")
    login(client, staff)
    assert 'title="Unread messages">1<' in _html(client.get("/staff/cases"))
    client.get(f"/cases/{case.id}")
    assert 'title="Unread messages"' not in _html(client.get("/staff/cases"))
    assert client.post(f"/cases/{case.id}/messages", data={"body": "We refunded you."}
                       ).status_code == 303
    client.post("/logout")
    login(client, customer)
    assert 'title="Unread messages">1<' in _html(client.get("/cases"))
    assert "We refunded you." in _html(client.get(f"/cases/{case.id}"))


def test_case_reply_empty_is_400_with_message(client, factory):
    customer = factory.user("cust")
    case = services.open_case(actor=customer, subject="Refund please", body="Hello.")
    login(client, customer)
    response = client.post(f"/cases/{case.id}/messages", data={"body": "   "})
    assert response.status_code == 400 and "Please write a message." in _html(response)


def test_customer_closes_own_case_and_cannot_reopen(client, factory):
    customer = factory.user("cust")
    case = services.open_case(actor=customer, subject="Refund please", body="Hello.")
    login(client, customer)
    assert client.post(f"/cases/{case.id}/close").status_code == 303
    assert case.closed_at is not None
    assert client.post(f"/cases/{case.id}/reopen").status_code == 403
    assert case.closed_at is not None


def test_staff_queue_filters_and_summary_on_thread(client, factory):
    staff = factory.user("agent", role=Role.STAFF, display_name="Dana")
    thread = factory.thread()
    case = services.move_post_to_case(_question(thread), actor=staff)
    login(client, staff)
    assert "Refunded" not in _html(client.get("/staff/cases?state=closed"))
    client.post(f"/cases/{case.id}/close")
    assert thread.title in _html(client.get("/staff/cases?state=closed"))
    assert thread.title not in _html(client.get("/staff/cases?state=open"))
    response = client.post(f"/cases/{case.id}/summary", data={"body": "Refunded in full."})
    assert response.status_code == 303
    client.post("/logout")
    page = _html(client.get(f"/t/{thread.id}"))
    assert "Refunded in full." in page and "Dana" in page and "Read support’s summary" in page


def test_staff_queue_for_customer_is_403(client, factory):
    login(client, factory.user("cust"))
    assert client.get("/staff/cases").status_code == 403


def test_menu_links_show_cases_and_queue_for_staff(client, factory):
    login(client, factory.user("agent", role=Role.STAFF))
    page = _html(client.get("/"))
    assert "/staff/cases" in page and "Contact support privately" in page


def test_staff_queue_query_count_does_not_grow_with_rows(client, factory):
    login(client, factory.user("agent", role=Role.STAFF))
    customer = factory.user("cust")
    services.open_case(actor=customer, subject="Case one", body="Hello.")
    with count_queries() as few:
        client.get("/staff/cases")
    for n in range(8):
        services.open_case(actor=factory.user(), subject=f"Case more {n}", body="Hello.")
    with count_queries() as many:
        assert client.get("/staff/cases").status_code == 200
    assert len(many) == len(few)


def test_thread_page_query_count_with_moved_posts_does_not_grow(client, factory):
    staff = factory.user("agent", role=Role.STAFF)
    thread = factory.thread()
    factory.reply(thread)
    login(client, staff)
    with count_queries() as few:
        client.get(f"/t/{thread.id}")
    for _ in range(6):
        factory.reply(thread)
    services.move_thread_to_case(thread, actor=staff)
    with count_queries() as many:
        client.get(f"/t/{thread.id}")
    assert len(many) <= len(few) + 2  # the banner's and sidebar's queries, not one a post


def test_new_case_over_limit_is_429(make_app, factory):
    limited = make_app(RATELIMIT_ENABLED=True, CASE_OPEN_LIMIT="2 per hour")
    with limited.app_context():
        client = limited.test_client()
        login(client, factory.user("cust"))
        codes = [client.post("/cases/new", data={"subject": f"Bill {n}", "body": "Twice."}
                             ).status_code for n in range(3)]
    assert codes == [303, 303, 429]


def test_old_private_pages_are_the_case_pages(client, factory):
    """Moderation's /private pages show the same conversations: they lead to the case pages,
    and a reply posted there is the case's (a closed case refuses it, the read marker moves)."""
    customer, agent = factory.user("casey"), factory.user("agent", role=Role.STAFF)
    case = services.open_case(actor=customer, subject="Refund please",
                              body="Charged twice in March.")
    login(client, agent)
    assert client.get("/private").headers["Location"].endswith("/staff/cases")
    assert client.get(f"/private/{case.id}").headers["Location"].endswith(f"/cases/{case.id}")
    services.close_case(case, actor=agent)
    refused = client.post(f"/private/{case.id}", data={"body": "One more thing."})
    assert refused.status_code == 400 and "closed" in _html(refused).lower()
    assert "One more thing." in _html(refused)  # the text is kept
    client.post("/logout")
    login(client, customer)
    assert client.get("/private").headers["Location"].endswith("/cases")
