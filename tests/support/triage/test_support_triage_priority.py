"""The inbox's priority scorer: tone words, time against target, reasons (pure)."""
from __future__ import annotations

import pytest

from support.triage.priority import Facts, duration, score, tone


@pytest.mark.parametrize("text, found", [
    ("The whole service is down again since this morning", ["down"]),
    ("Please cancel my subscription and refund me", ["cancel", "refund"]),
    ("This is the third time I write, my lawyer will hear of it", ["lawyer", "third time"]),
    ("Still not fixed after a week", ["still not fixed"]),
    ("I will file a chargeback", ["chargeback"]),
    ("Is there an outage in Leeds?", ["outage"]),
    ("Legal action is next", ["legal"]),
])
def test_tone_urgent_words_found(text, found):
    assert tone(text) == found


@pytest.mark.parametrize("text", [
    "How do I download the app?", "Scroll down to the settings page", "Thanks, that worked!",
    "Which cable goes where?"])
def test_tone_calm_or_unrelated_text_finds_nothing(text):
    assert tone(text) == []


def test_score_past_target_outranks_first_time_poster():
    late = score(Facts(minutes_left=-30, target_minutes=60))
    new = score(Facts(minutes_left=300, first_time_poster=True))
    assert late.score > new.score
    assert late.overdue and late.reasons == ["past first response target by 30 min"]


def test_score_close_to_target_says_how_long_is_left():
    result = score(Facts(minutes_left=10, target_minutes=60))
    assert result.close and not result.overdue
    assert result.reasons == ["first response due in 10 min"]


def test_score_plenty_of_time_adds_nothing():
    result = score(Facts(minutes_left=50, target_minutes=60))
    assert result.score == 0 and result.reasons == []


def test_score_every_reason_listed_in_order():
    result = score(Facts(minutes_left=-5, target_minutes=60, first_time_poster=True,
                         text="Refund please, the app is down", followers=4,
                         accepted_answers=2, helpful_votes=3, open_flags=2))
    assert result.reasons == [
        "past first response target by 5 min", "first-time poster",
        "urgent tone: down, refund",
        "reach: 4 followers, 2 accepted answers, 3 helpful votes", "2 open flags"]


def test_score_tone_and_flags_are_capped():
    loud = score(Facts(minutes_left=None, text="outage down again cancel refund lawyer "
                       "chargeback urgent", open_flags=10))
    assert loud.score == 30 + 15


def test_score_small_reach_is_not_a_reason():
    assert score(Facts(minutes_left=None, followers=2, helpful_votes=3)).reasons == []


def test_score_high_reach_weighs_more_than_some():
    some = score(Facts(minutes_left=None, helpful_votes=12))
    high = score(Facts(minutes_left=None, helpful_votes=60))
    assert 0 < some.score < high.score


def test_score_resolution_target_named_in_reason():
    result = score(Facts(minutes_left=-90, target_minutes=1440, target_name="resolution"))
    assert result.reasons == ["past resolution target by 1 h 30 min"]


@pytest.mark.parametrize("minutes, words", [(5, "5 min"), (-90, "1 h 30 min"), (120, "2 h"),
                                            (1500, "1 d 1 h"), (2880, "2 d")])
def test_duration_short_words(minutes, words):
    assert duration(minutes) == words


def test_tone_every_pattern_has_plain_trigger_words():
    from support.triage.priority import _TRIGGERS, URGENT_PATTERNS

    assert set(_TRIGGERS) == {label for label, _ in URGENT_PATTERNS}


def test_tone_upper_case_text_still_found():
    assert tone("OUTAGE AGAIN, I WILL SUE") == ["outage", "legal"]


def test_score_given_tone_words_used_instead_of_text():
    result = score(Facts(minutes_left=None, text="all calm here", tone_words=("refund",)))
    assert result.reasons == ["urgent tone: refund"]
