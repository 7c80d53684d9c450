"""The staff desk: waiting questions and response measures, for staff only."""
from datetime import timedelta

from forum import services
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
