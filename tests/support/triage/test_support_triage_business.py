"""Business time: due = start + N business minutes, time left, parsing the hours (pure)."""
from __future__ import annotations

from datetime import datetime

import pytest

from support.triage import business
from support.triage.business import (
    BusinessHoursError,
    add_business_minutes,
    business_minutes_between,
    parse_hours,
    zone,
)

UTC = zone("UTC")
WEEKDAYS = parse_hours("Mon-Fri 09:00-17:00")


def test_add_business_minutes_around_the_clock_is_wall_clock():
    start = datetime(2026, 12, 4, 23, 30)
    assert add_business_minutes(start, 60, None, UTC) == datetime(2026, 12, 5, 0, 30)


def test_add_business_minutes_inside_hours_stays_same_day():
    start = datetime(2026, 12, 2, 10, 0)  # a Wednesday
    assert add_business_minutes(start, 60, WEEKDAYS, UTC) == datetime(2026, 12, 2, 11, 0)


def test_add_business_minutes_friday_evening_rolls_to_monday():
    start = datetime(2026, 12, 4, 16, 30)  # Friday, 30 minutes before closing
    assert add_business_minutes(start, 60, WEEKDAYS, UTC) == datetime(2026, 12, 7, 9, 30)


def test_add_business_minutes_before_opening_starts_at_opening():
    start = datetime(2026, 12, 2, 6, 0)
    assert add_business_minutes(start, 15, WEEKDAYS, UTC) == datetime(2026, 12, 2, 9, 15)


def test_add_business_minutes_weekend_question_due_monday():
    start = datetime(2026, 12, 5, 12, 0)  # Saturday
    assert add_business_minutes(start, 60, WEEKDAYS, UTC) == datetime(2026, 12, 7, 10, 0)


def test_add_business_minutes_time_zone_shifts_the_window():
    # 09:00-17:00 in New York is 14:00-22:00 UTC in December
    new_york = zone("America/New_York")
    start = datetime(2026, 12, 2, 13, 0)
    assert add_business_minutes(start, 30, WEEKDAYS, new_york) == datetime(2026, 12, 2, 14, 30)


def test_add_business_minutes_across_daylight_saving_keeps_local_hours():
    london = zone("Europe/London")
    # Friday 27 March 2026 16:00 local (GMT) + 120 business minutes -> Monday 30 March 10:00
    # local, which is 09:00 UTC after the clocks went forward
    start = datetime(2026, 3, 27, 16, 0)
    assert add_business_minutes(start, 120, WEEKDAYS, london) == datetime(2026, 3, 30, 9, 0)


def test_add_business_minutes_many_weeks_matches_walking_day_by_day():
    start = datetime(2026, 12, 2, 10, 0)
    minutes = 5 * 8 * 60 * 10 + 30  # ten working weeks and half an hour
    assert add_business_minutes(start, minutes, WEEKDAYS, UTC) == datetime(2027, 2, 10, 10, 30)


def test_business_minutes_between_skips_nights_and_weekends():
    start, end = datetime(2026, 12, 4, 16, 0), datetime(2026, 12, 7, 10, 0)
    assert business_minutes_between(start, end, WEEKDAYS, UTC) == 120


def test_business_minutes_between_past_due_is_negative():
    due, now = datetime(2026, 12, 2, 10, 0), datetime(2026, 12, 2, 11, 30)
    assert business_minutes_between(now, due, WEEKDAYS, UTC) == -90
    assert business_minutes_between(now, due, None, UTC) == -90


def test_business_minutes_between_inverts_add():
    start = datetime(2026, 12, 3, 15, 10)
    due = add_business_minutes(start, 1440, WEEKDAYS, UTC)
    assert business_minutes_between(start, due, WEEKDAYS, UTC) == pytest.approx(1440)


def test_business_minutes_between_long_span_counts_whole_weeks():
    start, end = datetime(2026, 1, 5, 9, 0), datetime(2026, 3, 2, 9, 0)  # Mondays, 8 weeks
    assert business_minutes_between(start, end, WEEKDAYS, UTC) == 8 * 5 * 8 * 60


def test_parse_hours_text_several_spans_per_week():
    hours = parse_hours("Mon-Fri 09:00-17:00; Sat 10:00-14:00")
    assert hours[0] == [(540, 1020)] and hours[5] == [(600, 840)] and 6 not in hours


def test_parse_hours_json_mapping_with_lunch_break():
    hours = parse_hours('{"mon": ["09:00-12:00", "13:00-17:00"], "Tuesday": "08:00-16:00"}')
    assert hours == {0: [(540, 720), (780, 1020)], 1: [(480, 960)]}


def test_parse_hours_wrapping_day_range_sun_to_thu():
    assert sorted(parse_hours("Sun-Thu 08:00-16:00")) == [0, 1, 2, 3, 6]


@pytest.mark.parametrize("spec", ["", "24/7", None])
def test_parse_hours_empty_or_always_is_none(spec):
    assert parse_hours(spec) is None


@pytest.mark.parametrize("spec, message", [
    ("Mon-Fri 17:00-09:00", "ends before it starts"),
    ("Funday 09:00-17:00", "is not like"),
    ("Mon-Fri 09:00-25:00", "not a time of day"),
    ('{"mon": 9}', "give spans"),
    ("{not json", "not valid JSON"),
    ('{"xyz": "09:00-17:00"}', "is not a day"),
])
def test_parse_hours_bad_spec_says_why(spec, message):
    with pytest.raises(BusinessHoursError, match=message):
        parse_hours(spec)


def test_zone_unknown_name_says_which():
    with pytest.raises(BusinessHoursError, match="Mars/Olympus"):
        zone("Mars/Olympus")


def test_weekly_minutes_counts_open_time():
    assert business.weekly_minutes(WEEKDAYS) == 5 * 8 * 60
