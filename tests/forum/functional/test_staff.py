"""The staff desk: waiting questions and response measures, for staff only."""
from datetime import timedelta

from forum import metrics, services
from forum.models import Role, utcnow
from tests.conftest import login


def test_staff_desk_lists_overdue_question_for_staff(client, factory):
    category = factory.category()
    services.create_thread(author=factory.user(), title="Router keeps dropping at night",
                           body="Since Monday.", category=category,
                           created_at=utcnow() - timedelta(hours=2))
    login(client, factory.user(role=Role.STAFF))
    page = client.get("/staff/").get_data(as_text=True)
    assert "Router keeps dropping at night" in page
    assert "Overdue" in page
    assert "Questions asked" in page


def test_staff_desk_forbidden_to_customers(client, factory):
    login(client, factory.user())
    assert client.get("/staff/").status_code == 403


def test_staff_desk_requires_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_desk_linked_from_account_menu_for_staff_only(client, factory):
    """The header drops the desk link on narrower screens; the account menu keeps it."""
    menu_link = '<a role="menuitem" href="/staff/">Staff desk</a>'
    login(client, factory.user(role=Role.STAFF))
    staff_page = client.get("/threads").get_data(as_text=True)
    client.post("/logout")
    login(client, factory.user())
    customer_page = client.get("/threads").get_data(as_text=True)

    assert menu_link in staff_page and 'class="main-nav is-staff"' in staff_page
    assert menu_link not in customer_page and 'class="main-nav"' in customer_page


def test_header_shows_staff_how_many_questions_are_overdue(client, factory, monkeypatch):
    monkeypatch.setattr(metrics, "_OVERDUE", {})
    category, asker = factory.category(), factory.user()
    for n, hours in enumerate((3, 2, 0.1)):  # two past the 60-minute target, one not yet
        services.create_thread(author=asker, title=f"Waiting question number {n}", body="b",
                               category=category, created_at=utcnow() - timedelta(hours=hours))
    answered = services.create_thread(author=asker, title="Answered question here", body="b",
                                      category=category, created_at=utcnow() - timedelta(hours=5))
    services.reply(answered, author=factory.user(), body="An answer.")

    login(client, factory.user(role=Role.STAFF))
    staff_page = client.get("/threads").get_data(as_text=True)
    client.post("/logout")
    login(client, asker)
    customer_page = client.get("/threads").get_data(as_text=True)

    assert 'class="hide-sm nav-overdue"' in staff_page and "Staff desk (2)</a>" in staff_page
    assert "2 questions have waited longer than the answer target" in staff_page
    assert "Staff desk" not in customer_page and "nav-overdue" not in customer_page


def test_overdue_count_kept_for_a_minute(factory, monkeypatch):
    monkeypatch.setattr(metrics, "_OVERDUE", {})
    now = utcnow()
    category, asker = factory.category(), factory.user()
    services.create_thread(author=asker, title="Old waiting question", body="b",
                           category=category, created_at=now - timedelta(hours=2))
    first = metrics.overdue_count(now=now)
    services.create_thread(author=asker, title="Another old waiting question", body="b",
                           category=category, created_at=now - timedelta(hours=3))

    assert (first, metrics.overdue_count(now=now + timedelta(seconds=30)),
            metrics.overdue_count(now=now + timedelta(seconds=61))) == (1, 1, 2)


# -- what "waiting for a first answer" leaves out ----------------------------------------------
def _old_question(factory, title: str):
    return services.create_thread(author=factory.user(), title=title, body="Since Monday.",
                                  category=factory.category(),
                                  created_at=utcnow() - timedelta(hours=2))


def _waiting_everywhere(client, thread) -> dict[str, bool]:
    """Where a thread shows as waiting: desk, unanswered tab, overdue count, its own page."""
    metrics._OVERDUE.clear()
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    return {
        "desk": thread.title in client.get("/staff/").get_data(as_text=True),
        "unanswered": thread.title in client.get("/threads?tab=unanswered").get_data(
            as_text=True),
        "overdue": metrics.overdue_count() > 0,
        "sidebar": "<dd>Waiting for an answer</dd>" in page,
    }


def test_waiting_lists_open_question_shown_everywhere(client, factory, monkeypatch):
    monkeypatch.setattr(metrics, "_OVERDUE", {})
    thread = _old_question(factory, "Router keeps dropping at night")
    login(client, factory.user(role=Role.STAFF))
    assert _waiting_everywhere(client, thread) == dict.fromkeys(
        ("desk", "unanswered", "overdue", "sidebar"), True)


def test_waiting_lists_duplicate_closed_question_left_out(client, factory, monkeypatch):
    monkeypatch.setattr(metrics, "_OVERDUE", {})
    canonical = factory.thread(title="How do I stop the router dropping?")
    thread = _old_question(factory, "Router keeps dropping at night")
    staff = factory.user(role=Role.STAFF)
    services.close_as_duplicate(thread, actor=staff, kind="thread",
                                url=f"/t/{canonical.id}", title=canonical.title)
    login(client, staff)
    found = _waiting_everywhere(client, thread)
    assert found == dict.fromkeys(("desk", "unanswered", "overdue", "sidebar"), False)
    assert "<dd>Closed as a duplicate</dd>" in client.get(f"/t/{thread.id}").get_data(
        as_text=True)


def test_waiting_lists_question_answered_only_by_its_author_still_waits(client, factory,
                                                                         monkeypatch):
    monkeypatch.setattr(metrics, "_OVERDUE", {})
    thread = _old_question(factory, "Router keeps dropping at night")
    services.reply(thread, author=thread.author, body="Still happening, any ideas?")
    login(client, factory.user(role=Role.STAFF))
    assert all(_waiting_everywhere(client, thread).values())
