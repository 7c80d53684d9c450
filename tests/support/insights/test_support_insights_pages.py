"""The insights pages: staff only, charts that parse as SVG with a table under each, filters
that keep what was typed, the weekly baseline (HTML, CSV) and a fixed number of queries."""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

from forum import metrics
from forum.extensions import db
from forum.models import Role
from support.insights import report
from support.insights.window import Window
from tests.conftest import count_queries, login

SVG = "{http://www.w3.org/2000/svg}"
RANGE = "?from=2026-03-02&to=2026-03-15"


def _staff(factory, client, role=Role.STAFF):
    user = factory.user(role=role)
    login(client, user)
    return user


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r'<svg [^>]*class="chart".*?</svg>', html, re.S)]


def test_dashboard_anonymous_redirects_to_login(client):
    response = client.get("/staff/insights/")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_dashboard_customer_forbidden_and_no_menu_link(client, factory, community):
    login(client, factory.user())
    for path in ("/staff/insights/", "/staff/insights/weekly", "/staff/insights/weekly.csv"):
        response = client.get(path + RANGE)
        assert response.status_code == 403, path
        assert "First response" not in response.get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "/staff/insights" not in home


def test_dashboard_staff_menu_and_desk_link_to_insights(client, factory):
    _staff(factory, client)
    assert 'href="/staff/insights/"' in client.get("/").get_data(as_text=True)
    assert 'href="/staff/insights/"' in client.get("/staff/").get_data(as_text=True)


def test_dashboard_staff_charts_parse_with_title_desc_and_table(client, factory, community):
    _staff(factory, client)
    response = client.get("/staff/insights/" + RANGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    charts = _svgs(html)
    assert len(charts) == 9
    for chart in charts:
        assert chart.find(f"{SVG}title").text and chart.find(f"{SVG}desc").text
        assert chart.get("role") == "img"
        assert f'id="{chart.get("id")}-table"' in html
    assert 'id="stat-first-median">30 min<' in html
    assert 'id="stat-first-p90">3.0 h<' in html
    assert 'id="stat-asked">7<' in html


def test_dashboard_admin_and_moderator_allowed(client, factory):
    for role in (Role.ADMIN, Role.MODERATOR):
        _staff(factory, client, role)
        assert client.get("/staff/insights/").status_code == 200
        client.post("/logout")


def test_dashboard_bad_dates_400_keeps_typed_values(client, factory):
    _staff(factory, client)
    response = client.get("/staff/insights/?from=2026-13-01&to=2026-03-15")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is not a date" in html and 'value="2026-13-01"' in html
    response = client.get("/staff/insights/?from=2026-03-15&to=2026-03-01")
    assert response.status_code == 400 and "on or after" in response.get_data(as_text=True)
    response = client.get("/staff/insights/?from=2024-01-01&to=2026-03-01")
    assert response.status_code == 400 and "at most 366 days" in response.get_data(as_text=True)
    response = client.get("/staff/insights/?category=999")
    assert response.status_code == 400 and "No such category" in response.get_data(as_text=True)


def test_dashboard_category_filter_shows_only_that_category(client, factory, community):
    _staff(factory, client)
    html = client.get(f"/staff/insights/{RANGE}&category={community.b.id}").get_data(as_text=True)
    assert 'id="stat-asked">3<' in html and "Wifi only" in html


def test_weekly_report_html_compares_this_week_with_four_before(client, factory, community):
    _staff(factory, client)
    response = client.get("/staff/insights/weekly?to=2026-03-15")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    row = re.search(r'<tr data-key="asked">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    # this week 3 questions; the four weeks before (from Feb 9): 0, 1 (Feb 20), 0 and 4:
    # average 1.25
    assert cells[:3] == ["3", "1.25", "+1.75 (+140%)"]


def test_weekly_report_csv_columns_and_rows(client, factory, community):
    _staff(factory, client)
    response = client.get("/staff/insights/weekly.csv?to=2026-03-15")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == list(report.CSV_COLUMNS)
    by_metric = {r[0]: r for r in rows[1:]}
    assert [label for _, label, _ in report.MAIN_NUMBERS] == [r[0] for r in rows[1:]]
    assert by_metric["Questions asked"][2:6] == ["3", "1.25", "1.75", "1.4"]
    assert by_metric["First response, median"][2] == "100"


def test_weekly_report_bad_date_400_message(client, factory):
    _staff(factory, client)
    response = client.get("/staff/insights/weekly?to=yesterday")
    assert response.status_code == 400
    assert "is not a date" in response.get_data(as_text=True)
    assert client.get("/staff/insights/weekly.csv?to=yesterday").status_code == 400


def _fresh() -> None:
    """Forget the header's overdue count (counted once a minute per process), so every
    measured request counts it alike and only the insights queries can differ."""
    db.session.expire_all()
    metrics._OVERDUE.clear()


def _spread(factory, community, weeks: int, categories: int) -> None:
    """More questions over more weeks and categories, answered and not."""
    start = datetime(2026, 3, 2, 10, 0)
    cats = [factory.category(f"Extra {categories}-{i}") for i in range(categories)]
    for w in range(weeks):
        for i, cat in enumerate(cats):
            community.question(cat, start + timedelta(days=7 * w + i % 7),
                               first=15 * (i + 1), solved=30 if i % 2 else None)


def test_dashboard_query_count_does_not_grow_with_weeks_or_categories(app, client, factory,
                                                                      community):
    app.config["INSIGHTS_CACHE_SECONDS"] = 0  # count every time
    _staff(factory, client)
    long_range = "?from=2026-03-02&to=2026-05-31"
    _fresh()
    with count_queries() as few:
        assert client.get("/staff/insights/" + long_range).status_code == 200
    _spread(factory, community, weeks=12, categories=4)
    _fresh()
    with count_queries() as more:
        html = client.get("/staff/insights/" + long_range).get_data(as_text=True)
    assert "Extra 4-3" in html
    assert len(more) == len(few)
    _fresh()
    with count_queries() as weekly_few:
        client.get("/staff/insights/weekly?to=2026-05-31")
    _spread(factory, community, weeks=5, categories=3)
    _fresh()
    with count_queries() as weekly_more:
        client.get("/staff/insights/weekly?to=2026-05-31")
    assert len(weekly_more) == len(weekly_few)


def test_insights_window_same_numbers_as_page_totals(client, factory, community):
    _staff(factory, client)
    html = client.get("/staff/insights/" + RANGE).get_data(as_text=True)
    from zoneinfo import ZoneInfo
    data = report.insights(Window(datetime(2026, 3, 2).date(), datetime(2026, 3, 15).date(),
                                  ZoneInfo("UTC")))
    assert f'id="stat-backlog">{data["totals"]["backlog"]}<' in html
    assert f'id="stat-asked">{data["totals"]["asked"]}<' in html


def test_dashboard_cache_reuses_figures_until_it_expires(app, client, factory, community):
    app.config["INSIGHTS_CACHE_SECONDS"] = 120
    _staff(factory, client)
    assert 'id="stat-asked">7<' in client.get("/staff/insights/" + RANGE).get_data(as_text=True)
    community.question(community.a, datetime(2026, 3, 14, 9, 0), first=5)
    _fresh()
    with count_queries() as cached:
        html = client.get("/staff/insights/" + RANGE).get_data(as_text=True)
    assert 'id="stat-asked">7<' in html and "counted at" in html
    app.config["INSIGHTS_CACHE_SECONDS"] = 0
    _fresh()
    with count_queries() as counted:
        html = client.get("/staff/insights/" + RANGE).get_data(as_text=True)
    assert 'id="stat-asked">8<' in html
    assert len(cached) < len(counted)
