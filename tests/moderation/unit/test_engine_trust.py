"""Trust levels: earned in order, kept, lost with violations; leaders are appointed."""
import pytest

from moderation.engine.trust import (
    BASIC,
    LEADER,
    MEMBER,
    NEW,
    REGULAR,
    TrustConfig,
    TrustStats,
    after_violation,
    earned_level,
    next_level,
    promotion_due,
)


def test_earned_level_new_account_is_zero():
    assert earned_level(TrustStats(account_age_days=0, post_count=0)) == NEW


def test_earned_level_rises_with_time_posts_and_answers():
    assert earned_level(TrustStats(2, 3)) == BASIC
    assert earned_level(TrustStats(20, 25)) == MEMBER
    assert earned_level(TrustStats(90, 60, accepted_answers=6)) == REGULAR


def test_earned_level_recent_violation_blocks_higher_levels():
    stats = TrustStats(90, 60, accepted_answers=6, days_since_violation=10)
    assert earned_level(stats) == BASIC


def test_next_level_promotes_and_keeps_basic_and_member():
    assert next_level(NEW, TrustStats(20, 25)) == MEMBER
    assert next_level(MEMBER, TrustStats(20, 2)) == MEMBER
    assert promotion_due(BASIC, TrustStats(20, 25))


def test_next_level_regular_lost_when_requirements_lapse():
    assert next_level(REGULAR, TrustStats(90, 60, accepted_answers=1)) == MEMBER


def test_next_level_leader_is_kept_by_hand():
    assert next_level(LEADER, TrustStats(0, 0)) == LEADER


def test_after_violation_demotes_one_level_down_to_zero():
    assert after_violation(REGULAR) == MEMBER
    assert after_violation(NEW) == NEW
    assert after_violation(LEADER, TrustConfig(demotion_per_violation=2)) == MEMBER


def test_trust_config_from_dict_overrides_thresholds():
    config = TrustConfig.from_dict({"requirements": {"1": {"min_days": 0, "min_posts": 1}}})
    assert earned_level(TrustStats(0, 1), config) == BASIC


def test_trust_config_from_dict_refuses_level_four():
    with pytest.raises(ValueError):
        TrustConfig.from_dict({"requirements": {"4": {"min_posts": 1}}})
