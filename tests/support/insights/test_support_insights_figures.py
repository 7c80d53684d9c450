"""The insights figures on a hand-built community are exactly right (see conftest.py).

Week 0 (Mar 2-8): first responses 10, 30, 90 min (+1 unanswered); solved after 120, 300.
Week 1 (Mar 9-15): first responses 20, 180 (+1 closed unanswered); solved after 60.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from forum.extensions import db
from support.insights import queries, report
from support.insights.window import Window

UTC_ZONE = ZoneInfo("UTC")
START, END = date(2026, 3, 2), date(2026, 3, 15)


def _window(category_id=None, tz=UTC_ZONE) -> Window:
    return Window(START, END, tz, category_id)


def _responses(window: Window):
    return queries.responses(window, queries.category_names())


def test_median_and_p90_known_lists_nearest_rank():
    assert queries.median([10, 30, 90]) == 30
    assert queries.median([20, 180]) == 100
    assert queries.p90([10, 30, 90]) == 90
    assert queries.p90(list(range(1, 11))) == 9
    assert queries.p90(list(range(1, 12))) == 10
    assert queries.median([]) is None and queries.p90([]) is None


def test_responses_two_weeks_exact_medians_and_p90(community):
    found = _responses(_window())
    first, second = (w.as_dict() for w in found.weeks)
    assert [first["label"], second["label"]] == ["2026-03-02", "2026-03-09"]
    assert (first["asked"], first["answered"]) == (4, 3)
    assert (first["first_response_median"], first["first_response_p90"]) == (30, 90)
    assert (first["resolution_median"], first["resolution_p90"]) == (210, 300)
    assert (first["first_staff_response_median"], first["first_staff_response_p90"]) == (50, 90)
    assert (second["asked"], second["answered"]) == (3, 2)
    assert (second["first_response_median"], second["first_response_p90"]) == (100, 180)
    assert (second["resolution_median"], second["resolution_p90"]) == (60, 60)


def test_responses_within_target_and_solved_shares(community):
    found = _responses(_window())
    first, second = (w.as_dict() for w in found.weeks)
    total = found.total.as_dict()
    assert (first["within_target"], first["within_target_share"]) == (2, 0.5)
    assert (second["within_target"], second["within_target_share"]) == (1, 0.333)
    assert (total["asked"], total["within_target"], total["within_target_share"]) == (7, 3, 0.429)
    assert (total["first_response_median"], total["first_response_p90"]) == (30, 180)
    assert (total["solved"], total["solved_share"]) == (3, 0.429)


def test_responses_per_category_split_and_filter(community):
    by_name = {c.label: c.as_dict() for c in _responses(_window()).categories}
    assert by_name["Billing"]["asked"] == 4
    assert (by_name["Billing"]["first_response_median"], by_name["Billing"]["first_response_p90"]) \
        == (25, 180)
    assert by_name["Wifi"]["asked"] == 3
    assert by_name["Wifi"]["resolution_median"] == 300
    only_wifi = _responses(_window(community.b.id)).total.as_dict()
    assert (only_wifi["asked"], only_wifi["first_response_median"]) == (3, 90)


def test_responses_target_setting_changes_within_target(app, community):
    app.config["RESPONSE_TARGET_MINUTES"] = 20
    total = _responses(_window()).total.as_dict()
    assert total["within_target"] == 2  # 10 and 20 minutes


def test_responses_heatmap_cells_by_weekday_and_hour(community):
    heat = _responses(_window()).heatmap
    expected = {(0, 9): 1, (1, 10): 1, (2, 9): 1, (3, 14): 1, (1, 9): 1, (2, 23): 1, (4, 8): 1}
    found = {(d, h): n for d, row in enumerate(heat) for h, n in enumerate(row) if n}
    assert found == expected


def test_responses_heatmap_in_support_timezone_shifts_cells(community):
    # Tuesday 05:00 in New York holds 2026-03-03 10:30 UTC (standard time, -5) and
    # 2026-03-10 09:45 UTC (daylight time since Mar 8, -4); 2026-03-02 09:00 UTC is Monday 04:00.
    heat = _responses(_window(tz=ZoneInfo("America/New_York"))).heatmap
    assert heat[1][5] == 2 and heat[0][4] == 1
    assert heat[1][9] == 0 and heat[0][9] == 0


def test_backlog_each_day_counts_waiting_at_day_end(community):
    daily = dict(queries.backlog(_window()))
    assert daily["2026-03-02"] == 1  # asked in February, first reply on Mar 3
    assert daily["2026-03-03"] == 0
    assert daily["2026-03-04"] == 0
    assert [daily[f"2026-03-{d:02d}"] for d in range(5, 16)] == \
        [1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 1]


def test_backlog_category_filter_counts_only_that_category(community):
    daily = dict(queries.backlog(_window(community.a.id)))
    assert daily["2026-03-02"] == 0 and daily["2026-03-11"] == 1 and daily["2026-03-12"] == 0


def test_insights_weeks_carry_backlog_at_week_end(community):
    data = report.insights(_window(), now=datetime(2026, 3, 16, 12, 0))
    assert [w["backlog"] for w in data["weeks"]] == [1, 1]
    assert data["totals"]["backlog"] == 1
    assert data["heatmap"]["counts"][4][8] == 1


def test_accept_answer_sets_solved_at_and_unaccept_clears_it(factory):
    from forum import services
    asker = factory.user()
    thread = factory.thread(asker)
    reply = factory.reply(thread)
    other = factory.reply(thread)
    services.accept_answer(reply, actor=asker)
    solved_at = thread.solved_at
    assert solved_at is not None
    services.accept_answer(other, actor=asker)  # switching answers: still solved since then
    assert thread.solved_at == solved_at
    services.unaccept_answer(thread, actor=asker)
    db.session.refresh(thread)
    assert thread.solved_at is None and thread.accepted_post_id is None
