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
