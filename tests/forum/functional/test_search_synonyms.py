"""The staff's search synonym list at /staff/synonyms: staff only, errors keep the text."""
import re

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Role, SearchSynonym
from tests.conftest import PASSWORD, login


def _groups() -> list[str]:
    return [g.terms for g in db.session.scalars(select(SearchSynonym).order_by(SearchSynonym.id))]


def test_synonyms_staff_adds_group_and_search_uses_it(client, factory):
    factory.thread(title="Router restarts itself at night", body="Every day since Monday.")
    login(client, factory.user(role=Role.STAFF))

    response = client.post("/staff/synonyms", data={"terms": "Hub, router , gateway"})

    assert response.status_code == 303
    assert _groups() == ["hub,router,gateway"]
    page = client.get("/staff/synonyms").get_data(as_text=True)
    assert "treats hub, router, gateway as one word" in page
    results = client.get("/search?q=hub+restarts").get_data(as_text=True)
    assert "<mark>Router</mark> <mark>restarts</mark> itself at night" in results


def test_synonyms_bad_group_is_refused_and_keeps_what_was_typed(client, factory):
    login(client, factory.user(role=Role.STAFF))

    response = client.post("/staff/synonyms", data={"terms": "home internet, broadband"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "more than one word" in page
    assert 'value="home internet, broadband"' in page
    assert _groups() == []


def test_synonyms_edit_and_remove_group(client, factory):
    login(client, factory.user(role=Role.MODERATOR))
    client.post("/staff/synonyms", data={"terms": "bill, invoice"})
    group_id = db.session.scalar(select(SearchSynonym.id))

    client.post(f"/staff/synonyms/{group_id}", data={"terms": "bill, invoice, statement"})
    assert _groups() == ["bill,invoice,statement"]
    assert client.post(f"/staff/synonyms/{group_id}/delete").status_code == 303
    assert db.session.scalar(select(func.count(SearchSynonym.id))) == 0
    assert client.post(f"/staff/synonyms/{group_id}/delete").status_code == 404


def test_synonyms_forbidden_to_customers_and_anonymous(client, factory):
    assert client.get("/staff/synonyms").status_code == 302
    login(client, factory.user())
    assert client.get("/staff/synonyms").status_code == 403
    assert client.post("/staff/synonyms", data={"terms": "a1, b1"}).status_code == 403
    assert _groups() == []


def test_synonyms_forms_need_csrf_token(make_app, factory):
    factory.user("stella", role=Role.STAFF)
    guarded = make_app(WTF_CSRF_ENABLED=True)
    with guarded.app_context():
        client = guarded.test_client()
        token = _token(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"login": "stella", "password": PASSWORD, "csrf_token": token})
        page = client.get("/staff/synonyms").get_data(as_text=True)
        assert client.post("/staff/synonyms", data={"terms": "bill, invoice"}).status_code == 400
        assert _groups() == []
        ok = client.post("/staff/synonyms", data={"terms": "bill, invoice",
                                                  "csrf_token": _token(page)})
        assert ok.status_code == 303 and _groups() == ["bill,invoice"]


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
