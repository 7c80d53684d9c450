"""Bad input gets a 4xx, never a 500, the same on SQLite and PostgreSQL: ids past the
database's integer, NUL bytes, lone surrogates, absurd nesting; a database that cannot answer
gets a 503 with Retry-After; the audit CSV runs no spreadsheet formula."""
from __future__ import annotations

import contextlib
import csv
import io

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from forum import services
from forum.extensions import db
from forum.models import Post, Role
from moderation import audit
from tests.conftest import login

API = "/api/v1"
HUGE_IDS = [2**31, 2**63]  # past PostgreSQL integer; past SQLite's 64-bit integer


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {services.create_api_token(user, actor=None, name='t')[1]}"}


def _json_error(response, status: int = 400) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.is_json
    return response.get_json()["error"]["message"]


# -- ids ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("big", HUGE_IDS)
@pytest.mark.parametrize("path", ["/t/{}", "/p/{}", "/a/{}", API + "/threads/{}"])
def test_id_past_integer_range_is_404_anonymous(client, path, big):
    response = client.get(path.format(big))
    assert response.status_code == 404


@pytest.mark.parametrize("big", HUGE_IDS)
def test_flag_on_huge_post_id_is_json_404(client, factory, big):
    response = client.post(f"{API}/posts/{big}/flags", headers=_auth(factory.user()),
                           json={"reason": "spam"})
    _json_error(response, 404)


def test_huge_quote_id_in_query_string_is_ignored(client, factory):
    thread = factory.thread(title="Router keeps dropping wifi")
    login(client, thread.author)
    assert client.get(f"/t/{thread.id}?quote={2**63}").status_code == 200


def test_huge_category_id_in_json_body_is_400(client, factory):
    factory.category("Routers")
    response = client.post(f"{API}/threads", headers=_auth(factory.user()), json={
        "title": "How do I reset my router?", "body": "It blinks red.", "category": 2**63})
    _json_error(response)


# -- JSON bodies -------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, words", [
    ('{"title": "How do I reset \\ud800 my router?", "body": "It blinks red."}', "surrogate"),
    ('{"title": "How do I reset my router?", "body": "It blinks\\u0000 red."}', "NUL"),
    ("[" * 100_000 + "]" * 100_000, "nested"),
    ('{"title": "How do I reset my router?", "body": ' + "[" * 50 + "]" * 50 + "}",
     "nested"),
])
def test_json_body_the_databases_cannot_store_is_400(client, factory, raw, words):
    factory.category("Routers")
    response = client.post(f"{API}/threads", headers={
        **_auth(factory.user()), "Content-Type": "application/json"}, data=raw)
    assert words in _json_error(response)


def test_nul_in_api_query_string_is_400(client, factory):
    response = client.get(f"{API}/search?q=router%00wifi", headers=_auth(factory.user()))
    assert "NUL" in _json_error(response)


# -- forms ---------------------------------------------------------------------------------------
def test_nul_in_reply_form_is_stripped_and_said(client, factory):
    thread = factory.thread(title="Router keeps dropping wifi")
    member = factory.user()
    login(client, member)
    response = client.post(f"/t/{thread.id}/reply", data={
        "body": "Try channel\x00 eleven instead.", "client_token": "nul-test"},
        follow_redirects=True)
    assert response.status_code == 200
    assert "NUL characters were removed" in response.get_data(as_text=True)
    body = db.session.scalar(select(Post.body_source).where(Post.author_id == member.id))
    assert body == "Try channel eleven instead."


# -- database down -------------------------------------------------------------------------------
@contextlib.contextmanager
def _database_down():
    """Every statement fails as a dropped connection does, until the block ends."""
    def refuse(conn, cursor, statement, *args):
        raise OperationalError(statement, {}, ConnectionRefusedError("connection refused"))

    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)


@pytest.mark.parametrize("path, is_json", [("/", False), (API + "/categories", True)])
def test_database_down_is_503_with_retry_after_then_recovers(client, factory, path, is_json):
    factory.thread(title="Router keeps dropping wifi")
    with _database_down():
        response = client.get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    if is_json:
        assert response.get_json()["error"]["code"] == "unavailable"
    else:
        assert "back in a moment" in response.get_data(as_text=True)
    assert client.get(path).status_code == 200  # no restart needed


def test_database_down_for_signed_in_member_still_gets_friendly_page(client, factory):
    login(client, factory.user())
    with _database_down():
        response = client.get("/")
    assert response.status_code == 503
    assert "back in a moment" in response.get_data(as_text=True)


# -- audit CSV -----------------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)",
                                    "\tcmd", "\rcmd"])
def test_audit_csv_neutralises_formulas(app, factory, reason):
    admin = factory.user(role=Role.ADMIN)
    audit.record(audit.AuditAction.FLAG, actor=admin, target_type="post", target_id=1,
                 reason=reason, text_snapshot=reason)
    db.session.flush()
    (row,) = list(csv.DictReader(io.StringIO(audit.to_csv(audit.events()))))
    assert row["reason"] == "'" + reason
    assert row["text_snapshot"] == "'" + reason
