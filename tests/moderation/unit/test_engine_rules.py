"""The published rule set as data, and one screening test per default rule."""
import json
from datetime import UTC, datetime, timedelta

import pytest
from engine_helpers import FakeModel

from moderation.engine import (
    DEFAULT_RULES,
    Action,
    AuthorFacts,
    EngineConfig,
    FloodIndex,
    RecentSubmission,
    RuleSet,
    Submission,
    ThreadContext,
    default_rules,
    screen,
)
from moderation.engine.rules import CHECKS


def test_default_rules_have_codes_r1_to_r7_with_public_text():
    assert [r.code for r in DEFAULT_RULES.rules] == [f"R{i}" for i in range(1, 8)]
    for rule in DEFAULT_RULES.rules:
        assert rule.title and rule.summary and rule.explanation and rule.example


def test_default_rules_only_name_known_checks():
    for rule in DEFAULT_RULES.rules:
        assert all(e.check in CHECKS for e in rule.enforced_by)


def test_rule_set_round_trip_through_json_is_equal():
    raw = json.loads(json.dumps(DEFAULT_RULES.to_dict()))
    assert RuleSet.from_dict(raw) == DEFAULT_RULES


@pytest.mark.parametrize("change, message", [
    (lambda r: r["rules"][0]["enforced_by"].append({"check": "nope", "action": "hold"}),
     "unknown check"),
    (lambda r: r["rules"][0]["enforced_by"].append({"check": "abuse.attack",
                                                    "action": "publish_redacted"}),
     "cannot redact"),
    (lambda r: r["rules"][0]["enforced_by"].append({"check": "abuse.attack", "action": "hold",
                                                    "overrides": ["spam.links"]}),
     "protective"),
    (lambda r: r["rules"][0]["enforced_by"].append({"check": "abuse.attack", "action": "hold",
                                                    "min_score": 2}), "between 0 and 1"),
    (lambda r: r["rules"][1].update(code="R1"), "duplicate"),
    (lambda r: r["rules"][1].update(title=""), "code and a title"),
    (lambda r: r["rules"][0]["enforced_by"].append({"check": "abuse.attack", "action": "ban"}),
     "unknown action"),
])
def test_rule_set_from_dict_invalid_raises_with_reason(change, message):
    raw = default_rules().to_dict()
    change(raw)
    with pytest.raises(ValueError, match=message):
        RuleSet.from_dict(raw)


def test_rule_set_from_dict_not_a_dict_raises():
    with pytest.raises(ValueError):
        RuleSet.from_dict({"rules": "R1"})


def test_rule_for_flag_reason_points_to_the_rule():
    assert DEFAULT_RULES.rule_for_flag("off_topic").code == "R5"
    assert DEFAULT_RULES.rule_for_flag("private_data").code == "R4"
    assert DEFAULT_RULES.rule_for_flag("nonsense") is None


def test_profanity_policy_on_masks_swearing_and_bumps_version(member):
    rules = DEFAULT_RULES.with_profanity_policy(Action.PUBLISH_REDACTED)
    verdict = screen(Submission("This damn router again."), member, rules=rules)
    assert rules.version == DEFAULT_RULES.version + 1
    assert verdict.action is Action.PUBLISH_REDACTED
    assert verdict.body == "This d*** router again."


def test_profanity_policy_off_by_default_publishes_swearing(member):
    verdict = screen(Submission("This damn router again."), member)
    assert verdict.action is Action.PUBLISH and verdict.body == "This damn router again."


def test_profanity_policy_none_removes_the_enforcement():
    rules = DEFAULT_RULES.with_profanity_policy(Action.HOLD).with_profanity_policy(None)
    assert "abuse.profanity" not in rules.by_check


# ---------------------------------------------------------------- one test per rule


def test_rule_r1_personal_attack_is_rejected_with_explanation(member):
    verdict = screen(Submission("You are an idiot."), member)
    assert verdict.action is Action.REJECT and verdict.rules == ["R1"]
    assert "R1 (Be respectful)" in verdict.explanation
    assert "edit" in verdict.explanation


def test_rule_r2_spam_classifier_score_holds_then_rejects(member):
    held = screen(Submission("hello"), member, model=FakeModel(spam=0.8))
    rejected = screen(Submission("hello"), member, model=FakeModel(spam=0.99))
    assert held.action is Action.HOLD and held.rules == ["R2"]
    assert rejected.action is Action.REJECT


def test_rule_r2_bad_domain_link_is_rejected(member):
    config = EngineConfig(bad_domains=frozenset({"spam.example"}))
    verdict = screen(Submission("see https://shop.spam.example/deal"), member, config=config)
    assert verdict.action is Action.REJECT and verdict.rules == ["R2"]


def test_rule_r2_posting_faster_than_level_allows_is_held(newcomer):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    recent = tuple(RecentSubmission(f"post {i}", now - timedelta(minutes=i)) for i in range(3))
    author = AuthorFacts(trust_level=0, post_count=3, recent_submissions=recent)
    verdict = screen(Submission("another one", submitted_at=now), author)
    assert verdict.action is Action.HOLD and "spam.rate" in verdict.scores


def test_rule_r3_scam_pitch_advises_asking_in_own_words_not_removing_a_phone_number(member):
    verdict = screen(Submission("I need your help to transfer $25,000,000 out of the country, "
                                "you will receive 30%."), member, model=FakeModel())
    assert [(h.rule, h.check) for h in verdict.hits] == [("R3", "scam.pitch")]
    assert "own words" in verdict.explanation and "phone number" not in verdict.explanation


def _fast_poster(now):
    """A new member who has just posted three times: the next post trips spam.rate."""
    recent = tuple(RecentSubmission(f"post {i}", now - timedelta(minutes=i)) for i in range(3))
    return AuthorFacts(trust_level=0, post_count=3, recent_submissions=recent)


def test_rule_r2_rate_hold_advises_slowing_down_not_removing_promotion():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    verdict = screen(Submission("another one", submitted_at=now), _fast_poster(now))
    assert [(h.rule, h.check) for h in verdict.hits] == [("R2", "spam.rate")]
    assert "Slow down" in verdict.explanation
    assert "promotion" not in verdict.explanation and "links" not in verdict.explanation


def test_rule_r1_abuse_also_over_rate_gives_each_rule_advice_that_fits():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    verdict = screen(Submission("What an idiot.", submitted_at=now), _fast_poster(now))
    assert {h.check for h in verdict.hits} == {"abuse.attack", "spam.rate"}
    r1, r2 = verdict.explanation.split("R2 (No spam or advertising):")
    assert DEFAULT_RULES.rule("R1").advice in r1
    assert "Slow down" in r2 and "promotion" not in verdict.explanation


def test_rule_r2_promotion_over_rate_keeps_the_rule_advice():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    text = "Huge discount on cheap watches, shop now https://watches.example/deal"
    verdict = screen(Submission(text, submitted_at=now), _fast_poster(now))
    assert {"spam.promotion", "spam.rate"} <= {h.check for h in verdict.hits}
    assert DEFAULT_RULES.rule("R2").advice in verdict.explanation


def test_rule_r3_fake_helpline_from_member_is_rejected(member):
    text = "Acme customer care helpline toll free +1 888 555 0199, call now 24/7"
    verdict = screen(Submission(text), member)
    assert verdict.action is Action.REJECT and "R3" in verdict.rules
    assert "[phone number removed]" in verdict.body


def test_rule_r4_card_number_is_redacted_and_follow_up_offered(member):
    verdict = screen(Submission("Charged twice on 4111 1111 1111 1111, please help"), member)
    assert verdict.action is Action.PUBLISH_REDACTED and verdict.rules == ["R4"]
    assert verdict.body == "Charged twice on [card number removed], please help"
    assert verdict.offer_private_followup and "privately" in verdict.explanation
    assert "4111" not in json.dumps(verdict.to_dict())


def test_rule_r5_has_no_automatic_check_and_is_enforced_by_flags(member):
    rule = DEFAULT_RULES.rule("R5")
    assert rule.enforced_by == () and rule.flag_reasons == ("off_topic",)
    assert screen(Submission("Anyone watch the football last night?"), member).published


def test_rule_r6_illegal_offer_is_held(member):
    verdict = screen(Submission("Selling cracked firmware and activation keys, DM me"), member)
    assert verdict.action is Action.HOLD and "R6" in verdict.rules


def test_rule_r7_brand_criticism_overrides_abuse_classifier(member):
    verdict = screen(Submission("Your company is a scam."), member, model=FakeModel(abuse=0.99))
    assert verdict.published and verdict.protected_by == ("R7",)
    assert "R7" in verdict.explanation


@pytest.mark.parametrize("text", [
    # a service failing, said without any of the usual negative words
    "The installation was booked for Monday. Nobody came and nobody called.",
    "Your billing portal is a mess, three errors on one invoice.",
    "The app keeps crashing when I open the bill, sort it out.",
    "Shocking service from start to finish.",
])
def test_rule_r7_protects_a_failing_service_described_plainly(member, text):
    verdict = screen(Submission(text), member, model=FakeModel(abuse=0.99))
    assert verdict.published and verdict.protected_by == ("R7",)


@pytest.mark.parametrize("text", [
    "I've had better service from a carrier pigeon than from your broadband.",
    "Your company is run like a circus and I want out of this contract.",
])
def test_the_attack_head_is_not_asked_when_only_the_brands_things_are_addressed(member, text):
    assert screen(Submission(text), member, model=FakeModel(abuse=0.99)).published


def test_rule_r7_does_not_protect_an_attack_on_a_person(member):
    verdict = screen(Submission("Your billing is a joke and you are an idiot."), member,
                     model=FakeModel(abuse=0.99))
    assert verdict.action is Action.REJECT and "R1" in verdict.rules


def test_abuse_classifier_alone_holds_when_no_criticism(member):
    verdict = screen(Submission("those people again"), member, model=FakeModel(abuse=0.95))
    assert verdict.action is Action.HOLD and verdict.rules == ["R1"]


def test_custom_rule_set_reject_on_links_is_applied(member):
    raw = default_rules().to_dict()
    raw["rules"].append({"code": "X1", "title": "No links at all",
                         "enforced_by": [{"check": "spam.links", "action": "reject",
                                          "min_score": 0.5}]})
    rules = RuleSet.from_dict(raw)
    config = EngineConfig(link_limits={1: 0})
    verdict = screen(Submission("http://a.com"), member, rules=rules, config=config)
    assert verdict.action is Action.REJECT and set(verdict.rules) == {"R2", "X1"}


def test_flood_rule_applies_across_threads(member):
    index = FloodIndex()
    text = "Amazing offer on premium routers this week only visit our store for huge discounts"
    verdicts = [screen(Submission(text, thread=ThreadContext(thread_id=i)), member,
                       flood_index=index) for i in range(4)]
    assert verdicts[0].published
    assert verdicts[1].action is Action.HOLD and verdicts[-1].action is Action.REJECT
