"""Trust levels 0-4 (after Discourse): earned by time, posts, accepted answers and a clean record.

0 new, 1 basic, 2 member, 3 regular, 4 leader (granted by hand only). Levels 1 and 2 are kept
once earned; level 3 must keep meeting its requirements; any level falls with upheld
violations. The engine reads the level to set link limits, posting rate and how strictly a
first post is scored; the forum stores the level and calls `next_level` when facts change.
"""
from __future__ import annotations

from dataclasses import dataclass, field

NEW, BASIC, MEMBER, REGULAR, LEADER = range(5)
NAMES = {NEW: "new", BASIC: "basic", MEMBER: "member", REGULAR: "regular", LEADER: "leader"}


@dataclass(frozen=True)
class Requirement:
    """What a member needs for one level; clean_days means no upheld violation for that long."""

    min_days: float = 0
    min_posts: int = 0
    min_accepted_answers: int = 0
    clean_days: float = 0


@dataclass(frozen=True)
class TrustConfig:
    """Thresholds per level, and how far an upheld violation demotes."""

    requirements: dict[int, Requirement] = field(default_factory=lambda: {
        BASIC: Requirement(min_days=1, min_posts=3, clean_days=7),
        MEMBER: Requirement(min_days=15, min_posts=20, clean_days=30),
        REGULAR: Requirement(min_days=60, min_posts=50, min_accepted_answers=5, clean_days=180),
    })
    demotion_per_violation: int = 1
    floor_after_violation: int = NEW

    @classmethod
    def from_dict(cls, raw: dict) -> TrustConfig:
        """Build from a dict such as {"requirements": {"1": {"min_days": 1, ...}}}."""
        reqs = {int(level): Requirement(**values)
                for level, values in raw.get("requirements", {}).items()}
        if set(reqs) - {BASIC, MEMBER, REGULAR}:
            raise ValueError("only levels 1-3 are earned automatically; 4 is granted by hand")
        base = cls()
        return cls(requirements={**base.requirements, **reqs},
                   demotion_per_violation=int(raw.get("demotion_per_violation", 1)),
                   floor_after_violation=int(raw.get("floor_after_violation", NEW)))


@dataclass(frozen=True)
class TrustStats:
    """The facts trust is computed from."""

    account_age_days: float
    post_count: int
    accepted_answers: int = 0
    days_since_violation: float | None = None  # None: never had an upheld violation


def meets(stats: TrustStats, requirement: Requirement) -> bool:
    """True when the stats satisfy one level's requirement."""
    clean = stats.days_since_violation is None or stats.days_since_violation >= (
        requirement.clean_days)
    return (stats.account_age_days >= requirement.min_days
            and stats.post_count >= requirement.min_posts
            and stats.accepted_answers >= requirement.min_accepted_answers and clean)


def earned_level(stats: TrustStats, config: TrustConfig = TrustConfig()) -> int:
    """The highest automatic level (0-3) the stats qualify for, levels taken in order."""
    level = NEW
    for candidate in (BASIC, MEMBER, REGULAR):
        if not meets(stats, config.requirements[candidate]):
            break
        level = candidate
    return level


def next_level(current: int, stats: TrustStats, config: TrustConfig = TrustConfig()) -> int:
    """The level a member should have now: promote when earned, lose 3 when no longer met."""
    earned = earned_level(stats, config)
    if current == LEADER:
        return LEADER
    if current == REGULAR and earned < REGULAR:
        return max(earned, MEMBER)
    return max(current, earned)


def after_violation(current: int, config: TrustConfig = TrustConfig()) -> int:
    """The level after a moderator upholds a violation (leaders included)."""
    return max(config.floor_after_violation, current - config.demotion_per_violation)


def promotion_due(current: int, stats: TrustStats, config: TrustConfig = TrustConfig()) -> bool:
    """True when the member has earned a higher level than they hold."""
    return next_level(current, stats, config) > current
