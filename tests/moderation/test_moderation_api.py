"""The API reports moderation outcomes and takes flags."""
from forum import services

API = "/api/v1"


def _token(user):
    return {"Authorization": f"Bearer {services.create_api_token(user, actor=None)[1]}"}


def test_api_reply_not_published_reports_status_rule_and_explanation(client, factory):
    thread = factory.thread(body="Which plan includes international calls to Spain?")
    author = factory.user()
    response = client.post(f"{API}/threads/{thread.id}/posts", headers=_token(author),
                           json={"body": "You are a pathetic idiot, shut up."})
    assert response.status_code == 201
    data = response.get_json()
    assert data["status"] in ("held", "rejected")
    assert "R1" in data["rules"]
    assert "R1" in data["explanation"]


def test_api_published_thread_has_no_moderation_fields(client, factory):
    author = factory.user()
    response = client.post(f"{API}/threads", headers=_token(author), json={
        "title": "Your billing is a joke and I'm switching",
        "body": "Three months of wrong invoices. Your billing is a joke and I'm switching.",
        "category": factory.category().id})
    data = response.get_json()
    assert data["status"] == "published"
    assert "rules" not in data


def test_api_flag_post_created_then_duplicate_conflicts(client, factory):
    thread = factory.thread(body="Which plan includes international calls to Spain?")
    post = factory.reply(thread, body="The Travel add-on covers Spain for five pounds a month.")
    headers = _token(factory.user())
    first = client.post(f"{API}/posts/{post.id}/flags", headers=headers,
                        json={"reason": "spam", "text": "advert"})
    assert first.status_code == 201
    assert first.get_json()["reason"] == "spam"
    again = client.post(f"{API}/posts/{post.id}/flags", headers=headers, json={"reason": "spam"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"


def test_api_flag_bad_reason_missing_token_unknown_post(client, factory):
    thread = factory.thread(body="Which plan includes international calls to Spain?")
    headers = _token(factory.user())
    bad = client.post(f"{API}/posts/{thread.id}/flags", headers=headers, json={"reason": "meh"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "reason"
    assert client.post(f"{API}/posts/1/flags", json={"reason": "spam"}).status_code == 401
    missing = client.post(f"{API}/posts/99999/flags", headers=headers, json={"reason": "spam"})
    assert missing.status_code == 404
