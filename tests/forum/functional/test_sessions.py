"""Sessions end when they should: a session cookie or remember-me cookie copied before a
logout, password change or reset, role change, ban or "sign out everywhere" stops working."""
from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from forum import services
from forum.models import Role
from moderation import services as moderation
from moderation.models import SanctionKind
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "a fresh and quite long passphrase 42"
MEMBERS_ONLY = "/settings"


@pytest.fixture
def alice(factory):
    return factory.user("alice")


def _signed_in_client(app, user):
    """A browser signed in with "remember me" on; returns it and its two cookies."""
    browser = app.test_client()
    response = browser.post("/login", data={"login": user.username,
                                           "password": PASSWORD,
                                           "remember": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    session = browser.get_cookie("session")
    remember = browser.get_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    assert session is not None and remember is not None
    return browser, session.value, remember.value


def _replay(app, name: str, value: str):
    """A fresh browser holding only the copied cookie, asking for a members-only page."""
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief.get(MEMBERS_ONLY)


def _assert_both_work(app, session, remember):
    remember_name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    assert _replay(app, "session", session).status_code == 200
    assert _replay(app, remember_name, remember).status_code == 200


def _assert_both_dead(app, session, remember):
    remember_name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    for name, value in (("session", session), (remember_name, remember)):
        response = _replay(app, name, value)
        assert response.status_code == 302, name
        assert "/login" in response.headers["Location"], name


def test_logout_ends_every_copy_of_the_cookies(app, alice):
    browser, session, remember = _signed_in_client(app, alice)
    _assert_both_work(app, session, remember)
    assert browser.post("/logout").status_code == 303
    _assert_both_dead(app, session, remember)


def test_logout_in_one_browser_ends_the_others(app, alice):
    _first, session, remember = _signed_in_client(app, alice)
    second, _s, _r = _signed_in_client(app, alice)
    assert second.post("/logout").status_code == 303
    _assert_both_dead(app, session, remember)


def test_password_change_ends_other_sessions_and_keeps_this_one(app, alice):
    _other, session, remember = _signed_in_client(app, alice)
    browser, _s, _r = _signed_in_client(app, alice)
    response = browser.post("/settings/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 303
    _assert_both_dead(app, session, remember)
    assert browser.get(MEMBERS_ONLY).status_code == 200  # signed in afresh here
    fresh = browser.get_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    assert _replay(app, fresh.key, fresh.value).status_code == 200  # remember me kept


def _mails(app) -> list[str]:
    outbox = Path(app.config["OUTBOX_DIR"])
    files = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    return [message_from_bytes(f.read_bytes(), policy=policy.default).get_content()
            for f in files]


def test_password_reset_ends_every_session(app, alice):
    _browser, session, remember = _signed_in_client(app, alice)
    other = app.test_client()
    other.post("/forgot", data={"email": "alice@example.com"})
    path = re.search(r"(/reset/\S+)", _mails(app)[0]).group(1)
    assert other.post(path, data={"password": NEW_PASSWORD}).status_code == 303
    _assert_both_dead(app, session, remember)


def test_role_change_on_the_people_page_ends_sessions(app, factory, alice):
    admin = factory.user("root", role=Role.ADMIN)
    _browser, session, remember = _signed_in_client(app, alice)
    staff_browser = app.test_client()
    login(staff_browser, admin)
    response = staff_browser.post(f"/admin/users/{alice.id}/role", data={"role": "staff"})
    assert response.status_code == 303
    _assert_both_dead(app, session, remember)


def test_same_role_again_keeps_sessions(app, alice):
    _browser, session, remember = _signed_in_client(app, alice)
    services.set_role(alice, Role.CUSTOMER, actor=None)
    _assert_both_work(app, session, remember)


@pytest.mark.parametrize("kind", [SanctionKind.BAN, SanctionKind.SUSPENSION])
def test_ban_or_suspension_ends_sessions_even_once_lifted(app, factory, alice, kind):
    moderator = factory.user("mod", role=Role.MODERATOR)
    _browser, session, remember = _signed_in_client(app, alice)
    row = moderation.sanction(alice, kind, actor=moderator, rule="R1",
                              reason="Repeated insults towards other members.",
                              days=None if kind is SanctionKind.BAN else 3)
    moderation.lift_sanction(row, actor=moderator, reason="Appeal upheld.")
    _assert_both_dead(app, session, remember)


def test_mute_keeps_sessions(app, factory, alice):
    moderator = factory.user("mod", role=Role.MODERATOR)
    _browser, session, remember = _signed_in_client(app, alice)
    moderation.sanction(alice, SanctionKind.MUTE, actor=moderator, rule="R1",
                        reason="Repeated insults towards other members.", days=1)
    _assert_both_work(app, session, remember)


def test_nuked_spammer_sessions_end(app, factory, alice):
    moderator = factory.user("mod", role=Role.MODERATOR)
    _browser, session, remember = _signed_in_client(app, alice)
    moderation.nuke_spammer(alice, actor=moderator, rule="R2")
    moderation.lift_sanction(moderation.active_restriction(alice), actor=moderator,
                             reason="Not spam after all.")
    _assert_both_dead(app, session, remember)


def test_sign_out_everywhere_from_settings(app, alice):
    _other, session, remember = _signed_in_client(app, alice)
    browser, own_session, own_remember = _signed_in_client(app, alice)
    page = browser.get("/settings").get_data(as_text=True)
    assert 'action="/settings/sign-out-everywhere"' in page
    response = browser.post("/settings/sign-out-everywhere", follow_redirects=True)
    assert response.status_code == 200
    assert "signed out on every device" in response.get_data(as_text=True)
    assert browser.get(MEMBERS_ONLY).status_code == 302  # this browser too
    _assert_both_dead(app, session, remember)
    _assert_both_dead(app, own_session, own_remember)


def test_sign_out_everywhere_needs_csrf(make_app, factory):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = factory.user("carol")
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    browser.post("/login", data={"login": user.username, "csrf_token": token,
                                 "password": PASSWORD})
    assert browser.post("/settings/sign-out-everywhere").status_code == 400
    assert browser.get(MEMBERS_ONLY).status_code == 200


def test_api_tokens_survive_sign_out_everywhere(app, alice):
    _token, raw = services.create_api_token(alice, actor=alice, name="ci")
    services.sign_out_everywhere(alice)
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200


# -- headers ---------------------------------------------------------------------------------
def test_pages_with_secrets_are_no_store(app, alice):
    browser, _s, _r = _signed_in_client(app, alice)
    assert browser.get("/settings").headers.get("Cache-Control") == "no-store"
    created = browser.post("/settings/tokens", data={"name": "ci"})
    assert created.status_code == 200 and created.headers.get("Cache-Control") == "no-store"
    anonymous = app.test_client()
    assert anonymous.get("/forgot").headers.get("Cache-Control") == "no-store"
    assert anonymous.get("/reset/forged").headers.get("Cache-Control") == "no-store"


def test_ordinary_pages_are_not_no_store(client):
    assert client.get("/").headers.get("Cache-Control") != "no-store"


def test_hsts_only_when_cookies_are_secure(make_app, factory):
    plain = make_app()
    assert "Strict-Transport-Security" not in plain.test_client().get("/login").headers
    secure = make_app(SECURE_COOKIES=True)
    response = secure.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
