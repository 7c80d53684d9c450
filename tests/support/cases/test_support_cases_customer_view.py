"""The one view of a customer: staff and moderators only, every section filled from real
records, sections other features register, response times, constant query count."""
from __future__ import annotations

from datetime import timedelta

from markupsafe import Markup
from sqlalchemy import select

from forum import services as forum_services
from forum.extensions import db
from forum.models import Post, Role
from moderation import services as moderation
from moderation.models import FlagReason, SanctionKind
from support.cases import customer, services
from tests.conftest import count_queries, login


def _question(thread):
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_customer_view_customer_and_anonymous_get_403(client, factory):
    member = factory.user("member")
    assert client.get(f"/staff/customers/{member.username}").status_code == 403
    login(client, factory.user("nosy"))
    response = client.get(f"/staff/customers/{member.username}")
    assert response.status_code == 403 and member.email not in _html(response)


def test_customer_view_unknown_member_is_404(client, factory):
    login(client, factory.user("agent", role=Role.STAFF))
    assert client.get("/staff/customers/nobody_here").status_code == 404


def test_customer_view_shows_every_section(client, factory):
    staff = factory.user("agent", role=Role.STAFF)
    mod = factory.user("mod", role=Role.MODERATOR)
    member = factory.user("member")
    thread = factory.thread(author=member, title="Printer will not print at all")
    helper_thread = factory.thread(title="Where is the reset button")
    answer = factory.reply(helper_thread, author=member, body="Behind the panel.")
    forum_services.accept_answer(answer, actor=helper_thread.author)
    flagged = factory.reply(thread, author=factory.user("rude"), body="You are silly.")
    moderation.flag_post(flagged, actor=member, reason=FlagReason.ABUSE)
    moderation.flag_post(_question(thread), actor=factory.user("flagger"),
                         reason=FlagReason.SPAM)
    moderation.sanction(member, SanctionKind.WARNING, actor=mod, rule="R1",
                        reason="Warned for tone.")
    services.open_case(actor=member, subject="Private billing", body="Hi.")
    login(client, mod)
    html = _html(client.get(f"/staff/customers/{member.username}"))
    for expected in ("Printer will not print at all", "Behind the panel.", "Where is the reset",
                     "Warned for tone.", "Private billing", "abuse", "spam", member.email):
        assert expected in html, expected
    client.post("/logout")
    login(client, staff)
    assert client.get(f"/staff/customers/{member.username}").status_code == 200


def test_customer_view_renders_registered_sections(app, client, factory):
    factory.user("member")
    customer.register_section(app, lambda user: Markup(f"<p>Notes about {user.username}</p>"))
    customer.register_section(app, lambda user: None)
    login(client, factory.user("agent", role=Role.STAFF))
    assert "Notes about member" in _html(client.get("/staff/customers/member"))
    assert app.extensions[customer.SECTIONS_KEY]


def test_customer_view_response_times_median_and_waiting(app, factory):
    staff = factory.user("agent", role=Role.STAFF)
    member = factory.user("member")
    for minutes in (10, 30, 50):
        thread = factory.thread(author=member)
        thread.first_staff_reply_at = thread.created_at + timedelta(minutes=minutes)
    factory.thread(author=member)  # still waiting
    db.session.commit()
    with app.test_request_context():
        view = customer.customer_view(member, viewer=staff)
    assert view.responses.median == 30
    assert view.responses.waiting == 1
    assert len(view.responses.last) == 4


def test_customer_view_query_count_does_not_grow_with_rows(client, factory):
    login(client, factory.user("agent", role=Role.STAFF))
    member = factory.user("member")
    factory.thread(author=member)
    services.open_case(actor=member, subject="First case", body="Hi.")
    with count_queries() as few:
        client.get("/staff/customers/member")
    for n in range(6):
        thread = factory.thread(author=member)
        factory.reply(thread, author=member)
        services.open_case(actor=member, subject=f"Case {n}", body="Hi.")
    with count_queries() as many:
        assert client.get("/staff/customers/member").status_code == 200
    assert len(many) == len(few)


def test_profile_links_to_customer_view_for_staff_only(client, factory):
    member = factory.user("member")
    login(client, factory.user("nosy"))
    assert "/staff/customers/member" not in _html(client.get("/u/member"))
    client.post("/logout")
    login(client, factory.user("agent", role=Role.STAFF))
    assert "/staff/customers/member" in _html(client.get(f"/u/{member.username}"))
