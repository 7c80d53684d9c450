"""Sanctions through the pages and the API: suspended and banned members are signed out and
cannot sign in (they see the sanction and the appeal link), their tokens stop working;
muted members cannot vote, flag, accept, edit their profile or create tokens; lifting
restores everything; members see their own trust level."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from forum import services
from forum.extensions import db
from forum.models import ApiToken, Role, User, Vote
from moderation import services as moderation
from moderation.engine import trust
from moderation.models import Appeal, Flag, SanctionKind
from moderation.runtime import current_config
from tests.conftest import PASSWORD, login


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def moderator(factory):
    """A moderator who issues the sanctions."""
    return factory.user("mod", role=Role.MODERATOR)


@pytest.fixture
def member(factory):
    """The member who gets sanctioned."""
    return factory.user("carol", display_name="Carol")


def _sanction(member, kind, moderator, days=3):
    return moderation.sanction(member, kind, actor=moderator, rule="R1",
                               reason="Repeated insults towards other members.",
                               days=None if kind is SanctionKind.BAN else days)


def _sign_in(client, user):
    return client.post("/login", data={"login": user.username, "password": PASSWORD})


def _appeal_link(html: str) -> str:
    return re.search(r'href="(/sanctioned/[^"]+)"', html).group(1)


# -- signing in and out ------------------------------------------------------------------------
def test_login_banned_member_refused_with_sanction_rule_end_and_appeal_link(client, member,
                                                                            moderator):
    _sanction(member, SanctionKind.BAN, moderator)
    response = _sign_in(client, member)
    html = _html(response)
    assert response.status_code == 403
    assert "banned" in html and "R1" in html and "Be respectful" in html
    assert "Repeated insults towards other members." in html and "permanent" in html
    assert _appeal_link(html)
    assert client.get("/settings").status_code == 302  # not signed in


def test_login_suspended_member_sees_end_date(client, member, moderator):
    row = _sanction(member, SanctionKind.SUSPENSION, moderator, days=7)
    html = _html(_sign_in(client, member))
    assert "suspended" in html and row.ends_at.strftime("%Y-%m-%d %H:%M") in html


def test_session_stops_working_after_ban_and_shows_sanction(client, member, moderator):
    login(client, member)
    assert client.get("/settings").status_code == 200
    _sanction(member, SanctionKind.BAN, moderator)
    response = client.get("/settings")
    assert response.status_code == 303 and "/sanctioned/" in response.headers["Location"]
    page = _html(client.get(response.headers["Location"]))
    assert "Your account is banned" in page and "Repeated insults" in page
    assert "Appeal this decision" in page and "signed out" in page
    assert client.get("/settings").status_code == 302  # signed out for good


def test_appeal_from_signed_link_records_appeal(client, member, moderator):
    row = _sanction(member, SanctionKind.SUSPENSION, moderator)
    link = _appeal_link(_html(_sign_in(client, member)))
    response = client.post(link, data={"text": "It was a misunderstanding."})
    assert response.status_code == 303
    appeal = db.session.scalar(select(Appeal))
    assert appeal.sanction_id == row.id and appeal.user_id == member.id
    assert "Your appeal is" in _html(client.get(link))
    assert client.get(link[:-3] + "xyz").status_code == 404  # a forged link shows nothing


def test_lift_sanction_lets_member_sign_in_again(client, member, moderator):
    row = _sanction(member, SanctionKind.BAN, moderator)
    assert _sign_in(client, member).status_code == 403
    moderation.lift_sanction(row, actor=moderator, reason="Overturned.")
    assert _sign_in(client, member).status_code == 303
    assert client.get("/settings").status_code == 200


# -- API tokens --------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "code"), [(SanctionKind.SUSPENSION, "account_suspended"),
                                            (SanctionKind.BAN, "account_banned")])
def test_api_token_refused_after_sanction(client, member, moderator, kind, code):
    _token, raw = services.create_api_token(member, actor=member)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    _sanction(member, kind, moderator)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == code and "R1" in error["message"]


def test_api_flag_by_muted_member_refused_with_json(client, factory, member, moderator):
    _token, raw = services.create_api_token(member, actor=member)
    post = factory.reply(factory.thread())
    _sanction(member, SanctionKind.MUTE, moderator)
    response = client.post(f"/api/v1/posts/{post.id}/flags", json={"reason": "spam"},
                           headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "account_muted"
    assert db.session.scalar(select(func.count(Flag.id))) == 0


# -- a muted member, signed in -----------------------------------------------------------------
@pytest.fixture
def muted(client, member, moderator):
    """The member, signed in, then muted."""
    login(client, member)
    _sanction(member, SanctionKind.MUTE, moderator)
    return member


def test_vote_by_muted_member_refused_with_message(client, factory, muted):
    post = factory.reply(factory.thread())
    response = client.post(f"/p/{post.id}/vote", follow_redirects=True)
    assert "You cannot vote while your account is muted" in _html(response)
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_accept_by_muted_asker_refused_with_message(client, factory, muted):
    thread = factory.thread(muted)
    answer = factory.reply(thread)
    response = client.post(f"/p/{answer.id}/accept", follow_redirects=True)
    assert "You cannot accept answers while your account is muted" in _html(response)
    db.session.refresh(thread)
    assert thread.accepted_post_id is None


def test_flag_by_muted_member_refused_keeping_text(client, factory, muted):
    post = factory.reply(factory.thread())
    response = client.post(f"/p/{post.id}/flag",
                           data={"reason": "other", "text": "words I typed"})
    html = _html(response)
    assert response.status_code == 403
    assert "You cannot flag posts while your account is muted" in html
    assert "words I typed" in html
    assert db.session.scalar(select(func.count(Flag.id))) == 0


def test_profile_edit_by_muted_member_refused_keeping_text(client, muted):
    response = client.post("/settings/profile", data={
        "display_name": "Cheap Pills", "email": muted.email, "bio": "Visit spam.example now"})
    html = _html(response)
    assert response.status_code == 403
    assert "display name or bio" in html and "Visit spam.example now" in html
    assert 'value="Cheap Pills"' in html
    db.session.expire_all()
    user = db.session.get(User, muted.id)
    assert (user.display_name, user.bio) == ("Carol", "")


def test_token_creation_by_muted_member_refused(client, muted):
    response = client.post("/settings/tokens", data={"name": "crm"})
    assert response.status_code == 403
    assert "You cannot create API tokens while your account is muted" in _html(response)
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_thread_page_for_muted_member_shows_sanction_and_no_vote_or_flag(client, factory,
                                                                        muted):
    thread = factory.thread()
    factory.reply(thread)
    html = _html(client.get(f"/t/{thread.id}"))
    assert "Your account is muted" in html and "Be respectful" in html
    assert "/flag" not in html and "/vote" not in html


def test_lift_mute_restores_voting(client, factory, muted, moderator):
    post = factory.reply(factory.thread())
    row = moderation.active_restriction(muted)
    assert client.post(f"/p/{post.id}/vote").status_code == 303
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    moderation.lift_sanction(row, actor=moderator, reason="Served.")
    client.post(f"/p/{post.id}/vote")
    assert db.session.scalar(select(func.count(Vote.id))) == 1


# -- trust level -------------------------------------------------------------------------------
def test_settings_shows_own_trust_level_allowances_and_next_requirements(client, member):
    login(client, member)
    html = _html(client.get("/settings"))
    config, needs = current_config(), trust.TrustConfig().requirements[trust.BASIC]
    assert "Trust level 0 (new)" in html
    assert f"Up to {config.link_limits[0]} links per post" in html
    assert (f"Up to {config.rate_limits[0]} posts per {config.rate_window_seconds // 60} "
            "minutes") in html
    assert "Next: trust level 1 (basic)" in html
    days = "day" if needs.min_days == 1 else "days"
    assert f"{needs.min_posts} posts" in html
    assert f"{needs.min_days} {days} since you joined" in html
    assert "you have never been sanctioned, done" in html and "1 days" not in html
    assert f"Up to {config.link_limits[1]} links per post" in html


def test_own_profile_links_trust_level_other_profiles_do_not(client, factory, member):
    login(client, member)
    assert "Trust level 0 (new)" in _html(client.get(f"/u/{member.username}"))
    other = factory.user("dave")
    assert "Trust level" not in _html(client.get(f"/u/{other.username}"))
