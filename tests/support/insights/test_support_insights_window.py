"""Reading the period: defaults, the support time zone, and the triage feature's targets."""
from __future__ import annotations

import sys
import types
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from support.insights import queries, targets
from support.insights.window import Window, WindowError, parse_window, support_timezone

UTC_ZONE = ZoneInfo("UTC")


def test_parse_window_default_last_eight_weeks_ending_today(app):
    window = parse_window({}, categories=set(), tz=UTC_ZONE, now=datetime(2026, 3, 15, 23, 0))
    assert (window.start, window.end, window.weeks) == (date(2026, 1, 19), date(2026, 3, 15), 8)


def test_parse_window_today_follows_support_timezone(app):
    window = parse_window({}, categories=set(), tz=ZoneInfo("Asia/Tokyo"),
                          now=datetime(2026, 3, 15, 23, 0))
    assert window.end == date(2026, 3, 16)


def test_parse_window_exactly_366_days_allowed_367_refused(app):
    ok = parse_window({"from": "2025-03-01", "to": "2026-03-01"}, categories=set(), tz=UTC_ZONE)
    assert ok.days == 366
    with pytest.raises(WindowError) as refused:
        parse_window({"from": "2025-02-28", "to": "2026-03-01"}, categories=set(), tz=UTC_ZONE)
    assert refused.value.field == "from"


def test_window_weeks_end_on_last_day_first_week_shorter():
    window = Window(date(2026, 3, 1), date(2026, 3, 15), UTC_ZONE)
    assert window.weeks == 3
    assert [window.week_start(i) for i in range(3)] == \
        [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 9)]
    assert window.week_of(date(2026, 3, 1)) == 0 and window.week_of(date(2026, 3, 9)) == 2


def test_support_timezone_unknown_name_falls_back_to_utc(app):
    app.config["SUPPORT_TIMEZONE"] = "Mars/Olympus"
    assert support_timezone().key == "UTC"
    app.config["SUPPORT_TIMEZONE"] = "Europe/Paris"
    assert support_timezone().key == "Europe/Paris"


def test_targets_use_triage_category_targets_when_present(app, community, monkeypatch):
    fake = types.ModuleType("support.triage")
    fake.category_target_minutes = lambda: {community.b.id: 120}
    monkeypatch.setitem(sys.modules, "support.triage", fake)
    assert targets.lookup()(community.b.id) == 120
    assert targets.lookup()(community.a.id) == 60
    window = Window(date(2026, 3, 2), date(2026, 3, 15), UTC_ZONE)
    total = queries.responses(window, queries.category_names()).total.as_dict()
    assert total["within_target"] == 4  # Wifi's 90-minute answer is within its 2 hours
