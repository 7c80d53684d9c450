"""Sanctions bind everywhere (votes, flags, accepted answers, profiles, tokens), flags weigh by
trust and accuracy, protected criticism is never hidden by flags alone, flaggers hear the
outcome, and a member's trust summary is computed from trust.py and the engine's limits."""
from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import permissions, services
from forum.extensions import db
from forum.models import ApiToken, Notification, PostStatus, Role, User, Vote, utcnow
from forum.restrictions import RestrictionKind
from moderation import queries
from moderation import services as moderation
from moderation.engine import trust
from moderation.models import Flag, FlagOutcome, MemberStanding, ReviewStatus, SanctionKind
from moderation.runtime import current_config

CLEAN = ("Thanks, that worked for me as well. I held the reset button for thirty seconds, "
         "waited for the lights to settle and then set the wireless name again.")
COMPLAINT = ("Your billing is a joke. I was charged twice for March and nobody answers "
             "the phone. I'm seriously thinking about leaving.")
BINDING = [SanctionKind.MUTE, SanctionKind.SUSPENSION, SanctionKind.BAN]


@contextlib.contextmanager
def screening_off(app):
    """Create set-up content as if moderation were off."""
    app.config["MODERATION_ENABLED"] = False
    try:
        yield
    finally:
        app.config["MODERATION_ENABLED"] = True


@pytest.fixture
def moderator(factory):
    """A moderator."""
    return factory.user("mod", role=Role.MODERATOR)


def _sanction(member, kind, moderator, days=3):
    return moderation.sanction(member, kind, actor=moderator, rule="R1",
                               reason="Repeated insults.",
                               days=days if kind is not SanctionKind.BAN else None)


def _reply(app, factory, author=None, body=CLEAN, thread=None):
    with screening_off(app):
        thread = thread or factory.thread(body=CLEAN)
        return factory.reply(thread, author or factory.user(), body=body)


def _messages(user) -> list[str]:
    return list(db.session.scalars(select(Notification.message)
                                   .where(Notification.user_id == user.id)))


# -- what binds ------------------------------------------------------------------------------
def test_active_restriction_ban_outranks_a_later_mute(app, factory, moderator):
    member = factory.user()
    _sanction(member, SanctionKind.BAN, moderator)
    _sanction(member, SanctionKind.MUTE, moderator)
    assert moderation.active_restriction(member).kind is SanctionKind.BAN
    assert permissions.restriction(member).signs_out


def test_restriction_names_rule_title_reason_end_and_appeal_link(app, factory, moderator):
    member = factory.user()
    row = _sanction(member, SanctionKind.SUSPENSION, moderator, days=7)
    found = permissions.restriction(member)
    assert found.kind is RestrictionKind.SUSPENSION and found.error_code == "account_suspended"
    assert (found.rule_code, found.rule_title) == ("R1", "Be respectful")
    assert found.reason == "Repeated insults." and found.ends_at == row.ends_at
    assert moderation.sanction_for_appeal_token(found.appeal_url.rsplit("/", 1)[1]) == row


@pytest.mark.parametrize("kind", BINDING)
def test_vote_by_sanctioned_member_refused_and_nothing_stored(app, factory, moderator, kind):
    voter, post = factory.user(), _reply(app, factory)
    _sanction(voter, kind, moderator)
    with pytest.raises(services.AccountRestricted) as err:
        services.vote_helpful(post, actor=voter)
    assert err.value.status == 403 and "R1" in err.value.message
    assert db.session.scalar(select(func.count(Vote.id))) == 0


@pytest.mark.parametrize("kind", BINDING)
def test_accept_by_sanctioned_asker_refused(app, factory, moderator, kind):
    asker = factory.user()
    with screening_off(app):
        thread = factory.thread(asker, body=CLEAN)
    answer = _reply(app, factory, thread=thread)
    _sanction(asker, kind, moderator)
    with pytest.raises(services.AccountRestricted):
        services.accept_answer(answer, actor=asker)
    db.session.refresh(thread)
    assert thread.accepted_post_id is None


@pytest.mark.parametrize("kind", BINDING)
def test_profile_edit_by_sanctioned_member_refused_and_unchanged(app, factory, moderator, kind):
    member = factory.user(display_name="Plain")
    _sanction(member, kind, moderator)
    with pytest.raises(services.AccountRestricted, match="display name or bio"):
        services.update_profile(member, actor=member, display_name="Cheap Pills",
                                bio="https://spam.example", email=member.email)
    db.session.rollback()
    assert (db.session.get(User, member.id).display_name, member.bio) == ("Plain", "")
    services.update_profile(member, actor=member, display_name="Plain", bio="",
                            email="fixed@example.com")  # the private email may be corrected
    assert db.session.get(User, member.id).email == "fixed@example.com"


@pytest.mark.parametrize("kind", BINDING)
def test_token_creation_for_sanctioned_member_refused(app, factory, moderator, kind):
    member = factory.user()
    _sanction(member, kind, moderator)
    with pytest.raises(services.AccountRestricted, match="API tokens"):
        services.create_api_token(member, actor=member, name="crm")
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


@pytest.mark.parametrize("kind", BINDING)
def test_flag_by_sanctioned_member_refused_and_not_counted(app, factory, moderator, kind):
    flagger, post = factory.user(), _reply(app, factory)
    _sanction(flagger, kind, moderator)
    with pytest.raises(services.AccountRestricted, match="flag posts"):
        moderation.flag_post(post, actor=flagger, reason="spam")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Flag.id))) == 0
    assert not permissions.can_flag(flagger, post)


def test_lift_sanction_restores_votes_flags_tokens_and_profile(app, factory, moderator):
    member, post = factory.user(), _reply(app, factory)
    row = _sanction(member, SanctionKind.SUSPENSION, moderator)
    assert not permissions.can_vote(member, post)
    moderation.lift_sanction(row, actor=moderator, reason="Apologised.")
    services.vote_helpful(post, actor=member)
    moderation.flag_post(post, actor=member, reason="off_topic")
    services.create_api_token(member, actor=member)
    services.update_profile(member, actor=member, display_name="Back", bio="",
                            email=member.email)
    assert post.helpful_count == 1 and member.display_name == "Back"


def test_sanction_end_passing_restores_voting(app, factory, moderator):
    member, post = factory.user(), _reply(app, factory)
    row = _sanction(member, SanctionKind.MUTE, moderator)
    assert not permissions.can_vote(member, post)
    row.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert permissions.can_vote(member, post)
    services.vote_helpful(post, actor=member)
    assert post.helpful_count == 1


# -- flags -----------------------------------------------------------------------------------
def test_flag_weight_new_lighter_than_trusted_accurate_lighter_than_staff(app, factory,
                                                                          moderator):
    newcomer, veteran = factory.user(), factory.user()
    row = moderation.standing(veteran)
    row.trust_level, row.flags_upheld = 3, 8
    db.session.commit()
    new, trusted = moderation.flag_weight(newcomer), moderation.flag_weight(veteran)
    assert new == 0.5
    assert new < trusted < moderation.flag_weight(moderator)


def test_three_new_accounts_cannot_hide_a_post(app, factory):
    post = _reply(app, factory)
    for _ in range(3):
        moderation.flag_post(post, actor=factory.user(), reason="spam")
    assert post.status is PostStatus.PUBLISHED


def test_protected_criticism_queued_but_never_hidden_by_heavy_flags(app, factory, moderator):
    post = _reply(app, factory, body=COMPLAINT)
    staff = [moderator, factory.user("sam", role=Role.STAFF), factory.user("ada", role=Role.STAFF)]
    for flagger in staff:
        moderation.flag_post(post, actor=flagger, reason="abuse")
    item = moderation._pending_item(post)
    assert item.flag_weight >= app.config["FLAG_HIDE_THRESHOLD"] * 3
    assert item.scores["abuse.brand_criticism"] >= 0.5
    assert item.status is ReviewStatus.PENDING and post.status is PostStatus.PUBLISHED
    ordinary = _reply(app, factory)  # the same flags hide a post that is not criticism
    moderation.flag_post(ordinary, actor=moderator, reason="spam")
    assert ordinary.status is PostStatus.HELD


def test_approve_tells_flagger_flag_not_upheld_naming_rule(app, factory, moderator):
    flagger, post = factory.user(), _reply(app, factory)
    moderation.flag_post(post, actor=flagger, reason="spam")
    moderation.approve(moderation._pending_item(post), actor=moderator)
    (message,) = _messages(flagger)
    assert "not upheld" in message and "R2" in message


def test_reject_tells_flagger_flag_upheld_naming_rule(app, factory, moderator):
    flagger, post = factory.user(), _reply(app, factory)
    moderation.flag_post(post, actor=flagger, reason="abuse")
    moderation.reject(moderation._pending_item(post), actor=moderator, rule="R1",
                      message="Insults.")
    (message,) = _messages(flagger)
    assert "was upheld" in message and "R1 (Be respectful)" in message


def test_edit_and_approve_upholds_flag_and_tells_flagger(app, factory, moderator):
    flagger, post = factory.user(), _reply(app, factory)
    moderation.flag_post(post, actor=flagger, reason="spam")
    moderation.edit_and_approve(moderation._pending_item(post), actor=moderator,
                                body="Thanks, that worked for me as well.")
    flag = db.session.scalar(select(Flag).where(Flag.user_id == flagger.id))
    assert flag.outcome is FlagOutcome.UPHELD
    assert db.session.get(MemberStanding, flagger.id).flags_upheld == 1
    (message,) = _messages(flagger)
    assert "was upheld" in message and "edited" in message and "R2" in message


# -- trust -----------------------------------------------------------------------------------
def test_trust_summary_new_member_from_trust_and_engine_config(app, factory):
    member = factory.user()
    summary = queries.trust_summary(member)
    config, needs = current_config(), trust.TrustConfig().requirements[trust.BASIC]
    assert (summary.current.level, summary.current.name) == (0, "new")
    assert summary.current.links_per_post == config.link_limits[0]
    assert summary.current.posts_per_window == config.rate_limits[0]
    assert summary.current.window_minutes == config.rate_window_seconds // 60
    assert summary.next.level == 1 and summary.next.links_per_post == config.link_limits[1]
    steps = {s.label: s for s in summary.steps}
    assert steps["posts"].needed == needs.min_posts and steps["posts"].have == 0
    joined = "day since you joined" if needs.min_days == 1 else "days since you joined"
    assert steps[joined].needed == needs.min_days
    assert steps["days since your last sanction"].note == "you have never been sanctioned"


def test_trust_summary_regular_member_next_level_granted_by_hand(app, factory):
    member = factory.user()
    row = moderation.standing(member)
    row.trust_level = trust.REGULAR
    member.created_at = utcnow() - timedelta(days=400)
    member.post_count, row.accepted_answers = 100, 10
    db.session.commit()
    summary = queries.trust_summary(member)
    assert summary.current.level == trust.REGULAR
    assert summary.next.level == trust.LEADER and summary.granted_by_hand
    assert summary.steps == ()
