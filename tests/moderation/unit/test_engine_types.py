"""Inputs and outputs of the engine as plain dataclasses."""
from datetime import UTC, datetime, timedelta, timezone

import pytest

from moderation.engine import Action, AuthorFacts, Kind, RuleHit, Submission, Verdict
from moderation.engine.types import as_utc


def test_submission_without_links_derives_them_from_title_and_body():
    sub = Submission("see http://a.example.com/x and www.b.org", title="visit cheap.xyz")
    assert set(sub.links) == {"http://a.example.com/x", "www.b.org", "cheap.xyz"}


def test_a_missing_space_after_a_full_stop_is_not_a_domain():
    assert Submission("Great service.Love it. Thanks.Me too").links == ()
    assert Submission("free spins at luckyspin777.bet or cheap.love").links == (
        "luckyspin777.bet", "cheap.love")


def test_submission_with_links_keeps_the_given_ones():
    assert Submission("http://a.com", links=("x.com",)).links == ("x.com",)


def test_submission_kind_string_becomes_enum():
    assert Submission("hi", kind="edit").kind is Kind.EDIT


def test_submission_text_joins_title_and_body():
    assert Submission("body", title="title").text == "title\nbody"


def test_author_facts_trust_level_out_of_range_raises():
    with pytest.raises(ValueError):
        AuthorFacts(trust_level=5)


def test_author_facts_first_post_of_level_zero_is_new():
    assert AuthorFacts(trust_level=0, post_count=0).is_new
    assert not AuthorFacts(trust_level=0, post_count=1).is_new


def test_action_severity_orders_publish_to_reject():
    order = sorted(Action, key=lambda a: a.severity)
    assert order == [Action.PUBLISH, Action.PUBLISH_REDACTED, Action.HOLD, Action.REJECT]
    assert Action.PUBLISH_REDACTED.published and not Action.HOLD.published


def test_as_utc_naive_and_aware_values_become_utc():
    naive = datetime(2026, 1, 1, 12, 0)
    aware = datetime(2026, 1, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    assert as_utc(naive) == as_utc(aware) == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_verdict_rules_are_unique_and_in_numeric_order():
    hits = tuple(RuleHit(code, "c", 1.0, Action.HOLD, "") for code in ("R10", "R2", "R2"))
    verdict = Verdict(Action.HOLD, hits, {}, "", "", "")
    assert verdict.rules == ["R2", "R10"]
    assert verdict.to_dict()["rules"] == ["R2", "R10"]
