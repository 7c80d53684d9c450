"""GET /api/v1/metrics: staff tokens get the dashboard's numbers; others are refused; bad
periods get a 400 that says why."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from forum import services
from forum.models import Role
from support.insights import report
from support.insights.window import Window


def _token(user) -> dict:
    return {"Authorization": f"Bearer {services.create_api_token(user, actor=None, name='t')[1]}"}


def test_metrics_staff_token_same_numbers_as_dashboard(client, factory, community):
    headers = _token(factory.user(role=Role.STAFF))
    response = client.get("/api/v1/metrics?from=2026-03-02&to=2026-03-15", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    expected = report.insights(Window(date(2026, 3, 2), date(2026, 3, 15), ZoneInfo("UTC")))
    assert body == expected
    assert body["totals"]["first_response_median"] == 30
    assert [w["first_response_p90"] for w in body["weeks"]] == [90, 180]
    assert body["backlog"][0] == {"day": "2026-03-02", "waiting": 1}


def test_metrics_category_filter(client, factory, community):
    headers = _token(factory.user(role=Role.ADMIN))
    body = client.get(f"/api/v1/metrics?from=2026-03-02&to=2026-03-15&category="
                      f"{community.b.id}", headers=headers).get_json()
    assert body["totals"]["asked"] == 3 and body["window"]["category"] == "Wifi"


def test_metrics_customer_token_forbidden(client, factory, community):
    response = client.get("/api/v1/metrics", headers=_token(factory.user()))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert "totals" not in response.get_json()


def test_metrics_without_token_unauthorized(client):
    response = client.get("/api/v1/metrics")
    assert response.status_code == 401 and "totals" not in response.get_json()


def test_metrics_bad_periods_400_with_message(client, factory):
    headers = _token(factory.user(role=Role.STAFF))
    cases = {
        "from=03/02/2026": ("from", "is not a date"),
        "from=2026-03-10&to=2026-03-01": ("to", "on or after"),
        "from=2025-01-01&to=2026-03-01": ("from", "at most 366 days"),
        "category=abc": ("category", "No such category"),
    }
    for query, (field, words) in cases.items():
        response = client.get(f"/api/v1/metrics?{query}", headers=headers)
        error = response.get_json()["error"]
        assert response.status_code == 400, query
        assert error["field"] == field and words in error["message"], query


def test_metrics_documented_in_openapi(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/metrics"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to", "category"}
    assert {"200", "400", "401", "403"} <= set(operation["responses"])


def test_metrics_api_and_dashboard_show_the_same_totals(client, factory, community):
    from tests.conftest import login
    staff = factory.user(role=Role.STAFF)
    body = client.get("/api/v1/metrics?from=2026-03-02&to=2026-03-15",
                      headers=_token(staff)).get_json()
    login(client, staff)
    html = client.get("/staff/insights/?from=2026-03-02&to=2026-03-15").get_data(as_text=True)
    totals = body["totals"]
    assert f'id="stat-asked">{totals["asked"]}<' in html
    assert f'id="stat-backlog">{totals["backlog"]}<' in html
    assert f'id="stat-first-median">{totals["first_response_median"]:g} min<' in html
    assert f'id="stat-within">{100 * totals["within_target_share"]:.1f}%<' in html
