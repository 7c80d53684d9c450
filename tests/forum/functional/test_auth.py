"""Accounts through the pages: register, sign in and out, rate limits, password reset by
mail, and the settings page (profile, password, API tokens)."""
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum import services
from forum.extensions import db
from forum.models import ApiToken, User
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "a brand new long passphrase"


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def alice(factory):
    """A member with the shared test password."""
    return factory.user("alice", display_name="Alice")


def _signed_in_as(client) -> str | None:
    """The username the header shows, or None when signed out."""
    match = re.search(r'<span class="muted">@([\w.-]+)</span>', _html(client.get("/")))
    return match.group(1) if match else None


# -- register ----------------------------------------------------------------------------------
def test_register_valid_form_creates_account_and_signs_in(client):
    response = client.post("/register", data={
        "username": "newbie", "email": "Newbie@Example.com", "password": PASSWORD,
        "display_name": "New Bie",
    })
    assert response.status_code == 303
    user = services.get_user("newbie")
    assert user.email == "newbie@example.com" and user.display_name == "New Bie"
    assert _signed_in_as(client) == "newbie"


def test_register_taken_username_keeps_typed_values_and_shows_error(client, alice):
    response = client.post("/register", data={
        "username": "ALICE", "email": "other@example.com", "password": PASSWORD,
        "display_name": "Another Alice",
    })
    html = _html(response)
    assert response.status_code == 400
    assert "That username is taken" in html
    assert 'value="ALICE"' in html and 'value="other@example.com"' in html
    assert 'value="Another Alice"' in html
    assert db.session.scalar(select(func.count(User.id))) == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("password", "short", "at least 10 characters"),
    ("password", "password123", "too easy to guess"),
    ("email", "not-an-email", "not valid"),
    ("username", "a", "Usernames are 3 to 32"),
])
def test_register_bad_input_shows_clear_error(client, field, value, message):
    data = {"username": "carol", "email": "carol@example.com", "password": PASSWORD}
    data[field] = value
    response = client.post("/register", data=data)
    assert response.status_code == 400
    assert message in _html(response)
    assert services.get_user("carol") is None


# -- sign in and out ---------------------------------------------------------------------------
@pytest.mark.parametrize("login_name", ["alice", "ALICE", "alice@example.com"])
def test_login_by_username_or_email_signs_in(client, alice, login_name):
    response = client.post("/login", data={"login": login_name, "password": PASSWORD})
    assert response.status_code == 303
    assert _signed_in_as(client) == "alice"


def test_login_welcome_has_one_full_stop_after_a_name_ending_in_one(client, factory):
    factory.user("dan", display_name="Dan K.")

    response = client.post("/login", data={"login": "dan", "password": PASSWORD},
                           follow_redirects=True)

    assert "Welcome back, Dan K." in _html(response)
    assert "Dan K.." not in _html(response)


def test_login_wrong_password_says_so_and_keeps_login(client, alice):
    response = client.post("/login", data={"login": "alice", "password": "wrong password!"})
    assert response.status_code == 400
    assert "do not match" in _html(response) and 'value="alice"' in _html(response)
    assert _signed_in_as(client) is None


def test_login_next_goes_back_on_site(client, alice):
    inside = client.post("/login?next=/ask", data={"login": "alice", "password": PASSWORD})
    assert inside.headers["Location"] == "/ask"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/",
                                    "/\\evil.example", "/\t/evil.example", "javascript:x"])
def test_login_next_off_site_goes_home(client, alice, target):
    response = client.post("/login", query_string={"next": target},
                           data={"login": "alice", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_logout_post_signs_out(client, alice):
    login(client, alice)
    assert client.post("/logout").status_code == 303
    assert _signed_in_as(client) is None
    assert client.get("/settings").status_code == 302


def test_logout_by_get_is_not_allowed(client, alice):
    login(client, alice)
    assert client.get("/logout").status_code == 405
    assert _signed_in_as(client) == "alice"


# -- rate limits -------------------------------------------------------------------------------
def _failed_logins(client, login_name: str, times: int) -> list[int]:
    return [client.post("/login", data={"login": login_name, "password": "nope nope nope"})
            .status_code for _ in range(times)]


def test_login_limit_per_account_gives_429_after_limit(make_app, alice):
    limited = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="3 per minute",
                       LOGIN_LIMIT_PER_IP="100 per minute")
    with limited.app_context():
        client = limited.test_client()
        assert _failed_logins(client, "Alice", 3) == [400, 400, 400]
        blocked = client.post("/login", data={"login": "alice ", "password": PASSWORD})
        assert blocked.status_code == 429
        assert "going a little fast" in _html(blocked)
        assert client.get("/login").status_code == 200  # only POSTs count
        assert _failed_logins(client, "bob", 1) == [400]  # other accounts are unaffected


def test_login_limit_per_ip_gives_429_across_accounts(make_app, alice):
    limited = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_IP="3 per minute",
                       LOGIN_LIMIT_PER_ACCOUNT="100 per minute")
    with limited.app_context():
        client = limited.test_client()
        assert _failed_logins(client, "a1", 1) + _failed_logins(client, "a2", 2) == [400] * 3
        assert _failed_logins(client, "a3", 1) == [429]


def test_posting_limit_per_user_gives_429(make_app, factory, alice):
    thread = factory.thread()
    limited = make_app(RATELIMIT_ENABLED=True, POST_LIMIT="2 per minute")
    with limited.app_context():
        client = limited.test_client()
        login(client, alice)
        codes = [client.post(f"/t/{thread.id}/reply", data={"body": f"reply {n}"}).status_code
                 for n in range(3)]
    assert codes == [303, 303, 429]


# -- password reset ----------------------------------------------------------------------------
def _mails(app) -> list[str]:
    """Bodies of the mails written to the outbox folder, decoded as a mail client would."""
    outbox = Path(app.config["OUTBOX_DIR"])
    files = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    return [message_from_bytes(f.read_bytes(), policy=policy.default).get_content()
            for f in files]


def test_password_reset_end_to_end_by_mail_link(app, client, alice):
    response = client.post("/forgot", data={"email": "ALICE@example.com"})
    assert response.status_code == 200 and "If an account exists" in _html(response)
    (mail,) = _mails(app)
    path = re.search(r"https?://[^/\s]+(/reset/\S+)", mail).group(1)
    assert client.get(path).status_code == 200
    done = client.post(path, data={"password": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/login"
    login(client, alice, NEW_PASSWORD)
    assert _signed_in_as(client) == "alice"
    again = client.get(path)
    assert again.status_code == 400 and "already been used" in _html(again)


def test_password_reset_unknown_email_same_answer_no_mail(app, client):
    response = client.post("/forgot", data={"email": "nobody@example.com"})
    assert "If an account exists" in _html(response)
    assert _mails(app) == []


def test_password_reset_forged_token_explains(client):
    response = client.get("/reset/not-a-real-token")
    assert response.status_code == 400 and "not valid" in _html(response)


def test_password_reset_weak_password_shows_error_beside_field(app, client, alice):
    client.post("/forgot", data={"email": "alice@example.com"})
    path = re.search(r"(/reset/\S+)", _mails(app)[0]).group(1)
    response = client.post(path, data={"password": "short"})
    assert response.status_code == 400 and "at least 10 characters" in _html(response)


# -- settings ----------------------------------------------------------------------------------
def test_settings_profile_update_saves_fields(client, alice):
    login(client, alice)
    response = client.post("/settings/profile", data={
        "display_name": "Alice Wonder", "email": "alice@example.com", "bio": "I like routers."})
    assert response.status_code == 303
    db.session.refresh(alice)
    assert (alice.display_name, alice.bio) == ("Alice Wonder", "I like routers.")
    assert "I like routers." in _html(client.get("/u/alice"))


def test_settings_profile_taken_email_keeps_values(client, factory, alice):
    factory.user("bob")
    login(client, alice)
    response = client.post("/settings/profile", data={
        "display_name": "Changed Name", "email": "bob@example.com", "bio": "My bio."})
    html = _html(response)
    assert response.status_code == 400
    assert "already uses that email" in html and 'value="Changed Name"' in html
    db.session.refresh(alice)
    assert alice.display_name == "Alice"


def test_settings_password_change_wrong_current_shows_error(client, alice):
    login(client, alice)
    response = client.post("/settings/password", data={
        "current_password": "not my password", "new_password": NEW_PASSWORD})
    assert response.status_code == 400 and "current password is not right" in _html(response)


def test_settings_password_change_valid_lets_new_password_in(client, alice):
    login(client, alice)
    client.post("/settings/password",
                data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    client.post("/logout")
    login(client, alice, NEW_PASSWORD)
    assert _signed_in_as(client) == "alice"


def test_settings_password_weak_new_password_error_beside_new_field(client, alice):
    login(client, alice)
    html = _html(client.post("/settings/password",
                             data={"current_password": PASSWORD, "new_password": "short"}))
    assert re.search(r'id="new_password"[^>]*>\s*<ul class="field-errors"', html)


def test_settings_token_create_shows_raw_once_and_revoke_stops_it(client, alice):
    login(client, alice)
    response = client.post("/settings/tokens", data={"name": "CRM"})
    raw = re.search(r'id="new-token">(prl_[\w-]+)<', _html(response)).group(1)
    assert response.headers["Cache-Control"] == "no-store"
    assert services.user_for_token(raw).id == alice.id
    assert raw not in _html(client.get("/settings"))
    token = db.session.scalar(select(ApiToken))
    assert client.post(f"/settings/tokens/{token.id}/revoke").status_code == 303
    assert services.user_for_token(raw) is None


def test_settings_revoke_someone_elses_token_is_forbidden(client, factory, alice):
    token, raw = services.create_api_token(factory.user("bob"), actor=None)
    login(client, alice)
    assert client.post(f"/settings/tokens/{token.id}/revoke").status_code == 403
    assert services.user_for_token(raw) is not None
