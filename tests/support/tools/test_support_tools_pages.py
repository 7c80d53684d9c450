"""Functional tests for the thread tools' pages: the staff panel (notes, tags, lock), saved
replies and their picker, the tag list; refused to customers and the signed-out."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum import queries
from forum.extensions import db
from forum.models import Role, ThreadTag
from support.tools import services as tools
from support.tools.models import SavedReply, ThreadNote
from tests.conftest import login


def _html(response) -> str:
    return response.get_data(as_text=True)


def _textarea(html: str) -> str:
    return re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', html, re.S).group(1)


# -- the staff panel ----------------------------------------------------------------------------
def test_thread_page_staff_sees_panel_with_note_author_and_time(client, staff, thread):
    tools.add_note(thread, actor=staff, body="Customer is on *firmware 2.1*")
    login(client, staff)
    html = _html(client.get(f"/t/{thread.id}"))

    assert "data-staff-panel" in html and "<em>firmware 2.1</em>" in html
    assert "Amy Agent" in html and "<time" in html


def test_thread_page_staff_note_box_does_not_clash_with_reply_box(client, staff, thread):
    login(client, staff)
    html = _html(client.get(f"/t/{thread.id}"))

    assert html.count('id="body"') == 1 and 'id="note-body"' in html


def test_thread_page_customer_sees_no_staff_panel(client, customer, thread):
    login(client, customer)
    html = _html(client.get(f"/t/{thread.id}"))

    assert "data-staff-panel" not in html and "Internal notes" not in html


def test_note_add_form_posts_note_and_redirects_to_notes(client, staff, thread):
    login(client, staff)
    response = client.post(f"/staff/threads/{thread.id}/notes",
                           data={"note-body": "Refund approved"})

    assert response.status_code == 303 and response.headers["Location"].endswith("#staff-notes")
    assert db.session.scalar(select(ThreadNote.body_source)) == "Refund approved"


def test_note_add_too_long_keeps_text_and_says_why(client, staff, thread):
    login(client, staff)
    response = client.post(f"/staff/threads/{thread.id}/notes",
                           data={"note-body": "x" * 10_001})

    assert response.status_code == 400
    assert "x" * 10_001 in _html(response) and "10000" in _html(response)


def test_note_edit_own_changes_text_other_staff_gets_403(client, staff, moderator, thread):
    note = tools.add_note(thread, actor=staff, body="first words")
    login(client, moderator)
    assert client.post(f"/staff/notes/{note.id}/edit", data={"note-body": "x"}).status_code == 403
    client.post("/logout")
    login(client, staff)
    assert "first words" in _html(client.get(f"/staff/notes/{note.id}/edit"))
    saved = client.post(f"/staff/notes/{note.id}/edit", data={"note-body": "better"})
    assert saved.status_code == 303
    db.session.refresh(note)
    assert note.body_source == "better"


def test_note_delete_own_removes_it(client, staff, thread):
    note = tools.add_note(thread, actor=staff, body="temporary")
    login(client, staff)

    assert client.post(f"/staff/notes/{note.id}/delete").status_code == 303
    assert db.session.scalar(select(ThreadNote.id)) is None


# -- locking ------------------------------------------------------------------------------------
def test_lock_form_locks_and_thread_shows_public_notice_without_reply_box(
        client, staff, thread, factory):
    login(client, staff)
    response = client.post(f"/staff/threads/{thread.id}/lock",
                           data={"rule": "R1", "reason": "Personal attacks in the replies"})
    assert response.status_code == 303
    client.post("/logout")
    login(client, factory.user())
    html = _html(client.get(f"/t/{thread.id}"))

    assert ("Locked by Amy Agent (Support team) under rule R1: Personal attacks in the replies;"
            " no new replies") in html
    assert "Add your answer" not in html
    assert client.post(f"/t/{thread.id}/reply", data={"body": "still here"}).status_code in (
        400, 403)


def test_lock_form_without_rule_keeps_reason_and_says_why(client, staff, thread):
    login(client, staff)
    response = client.post(f"/staff/threads/{thread.id}/lock",
                           data={"rule": "", "reason": "Going in circles"})

    assert response.status_code == 400
    assert "Going in circles" in _html(response) and "Choose the rule" in _html(response)


def test_lock_form_offers_only_current_non_protective_rules(client, staff, thread):
    login(client, staff)
    html = _html(client.get(f"/t/{thread.id}"))
    options = re.findall(r'<option value="(R\d+)"', html)

    assert "R1" in options and "R7" not in options


def test_reopen_form_opens_replies_again(client, staff, thread):
    tools.lock_thread(thread, actor=staff, rule_code="R1", reason="Cooling off")
    login(client, staff)
    assert client.post(f"/staff/threads/{thread.id}/reopen").status_code == 303

    assert "Add your answer" in _html(client.get(f"/t/{thread.id}"))


# -- saved replies ------------------------------------------------------------------------------
def test_saved_replies_page_lists_documents_placeholders_and_flags_unknown(client, staff):
    tools.create_saved_reply(actor=staff, title="Greeting", body="Hi {customer_name} {oops}")
    login(client, staff)
    html = _html(client.get("/staff/saved-replies"))

    assert "Greeting" in html and "{thread_url}" in html and "{link:rules}" in html
    assert "data-unknown-placeholders" in html and "{oops}" in html


def test_saved_reply_create_edit_delete_through_forms(client, staff):
    login(client, staff)
    assert client.post("/staff/saved-replies",
                       data={"title": "Reset", "body": "Hold it."}).status_code == 303
    row = db.session.scalar(select(SavedReply))
    assert client.post(f"/staff/saved-replies/{row.id}/edit",
                       data={"title": "Reset router", "body": "Hold it 10 s."}).status_code == 303
    db.session.refresh(row)
    assert (row.title, row.body) == ("Reset router", "Hold it 10 s.")
    assert client.post(f"/staff/saved-replies/{row.id}/delete").status_code == 303
    assert db.session.scalar(select(SavedReply.id)) is None


def test_saved_reply_create_duplicate_title_keeps_text(client, staff):
    tools.create_saved_reply(actor=staff, title="Reset", body="One")
    login(client, staff)
    response = client.post("/staff/saved-replies", data={"title": "Reset", "body": "Typed body"})

    assert response.status_code == 409 or response.status_code == 400
    assert "Typed body" in _html(response) and "already has that title" in _html(response)


def test_saved_reply_fill_returns_filled_body_and_unknowns(client, staff, thread):
    row = tools.create_saved_reply(actor=staff, title="Hi",
                                   body="Hi {customer_name}, {agent_name} here. {nope}")
    login(client, staff)
    data = client.get(f"/staff/saved-replies/{row.id}/fill?thread={thread.id}").get_json()

    assert data == {"body": "Hi Cara, Amy Agent here. {nope}", "unknown": ["{nope}"]}


def test_saved_reply_fill_without_thread_is_400_json(client, staff):
    row = tools.create_saved_reply(actor=staff, title="Hi", body="Hi")
    login(client, staff)
    response = client.get(f"/staff/saved-replies/{row.id}/fill")

    assert response.status_code == 400 and response.get_json()["error"]["code"]


def test_thread_page_staff_picker_and_no_js_prefill(client, staff, thread):
    row = tools.create_saved_reply(actor=staff, title="Greeting", body="Hello {customer_name}!")
    login(client, staff)
    html = _html(client.get(f"/t/{thread.id}"))
    assert "data-saved-replies" in html and "js/saved-replies.js" in html
    assert f"/staff/saved-replies/{row.id}/fill?thread={thread.id}" in html
    assert f"saved={row.id}" in html  # the no-JS link

    prefilled = _html(client.get(f"/t/{thread.id}?saved={row.id}"))
    assert _textarea(prefilled).strip() == "Hello Cara!"


def test_thread_page_no_js_prefill_flags_unknown_placeholders(client, staff, thread):
    row = tools.create_saved_reply(actor=staff, title="Typo", body="Hello {custmer_name}!")
    login(client, staff)
    html = _html(client.get(f"/t/{thread.id}?saved={row.id}"))

    assert _textarea(html).strip() == "Hello {custmer_name}!"
    assert "Unknown placeholders were left as typed" in html


def test_thread_page_saved_param_ignored_for_customer(client, staff, customer, thread):
    row = tools.create_saved_reply(actor=staff, title="Internal", body="Secret macro text")
    login(client, customer)
    html = _html(client.get(f"/t/{thread.id}?saved={row.id}"))

    assert "Secret macro text" not in html and "data-saved-replies" not in html


def test_saved_replies_script_is_served_locally(client):
    response = client.get("/static/js/saved-replies.js")

    assert response.status_code == 200 and b"fill" in response.data
    response.close()


# -- tags ---------------------------------------------------------------------------------------
def test_tags_page_create_rename_delete(client, staff):
    login(client, staff)
    assert client.post("/staff/tags", data={"name": "Outage"}).status_code == 303
    tag = queries.tag_by_slug("outage")
    assert client.post(f"/staff/tags/{tag.id}/rename",
                       data={f"tag{tag.id}-name": "Big outage"}).status_code == 303
    assert queries.tag_by_slug("big-outage") is not None
    assert "Big outage" in _html(client.get("/staff/tags"))
    assert client.post(f"/staff/tags/{tag.id}/delete").status_code == 303
    assert queries.all_tags() == []


def test_tags_page_rename_clash_shows_error_keeping_name(client, staff):
    tools.create_tag(actor=staff, name="Billing")
    other = tools.create_tag(actor=staff, name="Outage")
    login(client, staff)
    response = client.post(f"/staff/tags/{other.id}/rename",
                           data={f"tag{other.id}-name": "billing"})

    assert response.status_code in (400, 409)
    assert 'value="billing"' in _html(response) and "already exists" in _html(response)


def test_thread_panel_adds_and_removes_tag(client, staff, thread):
    tag = tools.create_tag(actor=staff, name="Billing")
    login(client, staff)
    added = client.post(f"/staff/threads/{thread.id}/tags", data={"tag": str(tag.id)})
    assert added.status_code == 303
    assert db.session.scalar(select(ThreadTag.tag_id)) == tag.id
    assert client.post(f"/staff/threads/{thread.id}/tags/{tag.id}/delete").status_code == 303
    assert db.session.scalar(select(ThreadTag.tag_id)) is None


def test_menu_links_staff_only(client, staff, customer):
    login(client, staff)
    assert "/staff/saved-replies" in _html(client.get("/"))
    client.post("/logout")
    login(client, customer)
    assert "/staff/saved-replies" not in _html(client.get("/"))


# -- refusals -----------------------------------------------------------------------------------
ROUTES = [
    ("get", "/staff/saved-replies"), ("post", "/staff/saved-replies"),
    ("get", "/staff/saved-replies/{reply}/edit"), ("post", "/staff/saved-replies/{reply}/edit"),
    ("post", "/staff/saved-replies/{reply}/delete"),
    ("get", "/staff/saved-replies/{reply}/fill?thread={thread}"),
    ("get", "/staff/tags"), ("post", "/staff/tags"), ("post", "/staff/tags/{tag}/rename"),
    ("post", "/staff/tags/{tag}/delete"), ("post", "/staff/threads/{thread}/tags"),
    ("post", "/staff/threads/{thread}/tags/{tag}/delete"),
    ("post", "/staff/threads/{thread}/notes"), ("get", "/staff/notes/{note}/edit"),
    ("post", "/staff/notes/{note}/edit"), ("post", "/staff/notes/{note}/delete"),
    ("post", "/staff/threads/{thread}/lock"), ("post", "/staff/threads/{thread}/reopen"),
]


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_staff_routes_refused_to_customer_and_anonymous(client, factory, staff, thread, who):
    ids = {"reply": tools.create_saved_reply(actor=staff, title="T", body="Macro body").id,
           "tag": tools.create_tag(actor=staff, name="Billing").id,
           "note": tools.add_note(thread, actor=staff, body="Private note body").id,
           "thread": thread.id}
    if who == "customer":
        login(client, factory.user("someone", role=Role.CUSTOMER))
    for method, path in ROUTES:
        response = getattr(client, method)(path.format(**ids),
                                           data={"body": "x", "note-body": "x", "name": "x",
                                                 "title": "x",
                                                 "rule": "R1", "reason": "x", "tag": "1"})
        assert response.status_code == 403, (method, path, response.status_code)
        assert "Private note body" not in _html(response)
        assert "Macro body" not in _html(response)
    assert db.session.scalar(select(ThreadNote.body_source)) == "Private note body"
    assert thread.locked_at is None


def test_customer_view_lists_internal_notes_on_their_threads(client, staff, customer, thread,
                                                             factory):
    from support.tools import services as tool_services
    from tests.conftest import login

    tool_services.add_note(thread, actor=staff, body="Line test booked, ticket QX-4471.")
    other = factory.thread(factory.user("someone_else"), title="Another member's question")
    tool_services.add_note(other, actor=staff, body="Unrelated note ZZ-9.")
    login(client, staff)
    page = client.get(f"/staff/customers/{customer.username}").get_data(as_text=True)
    assert "Internal notes on their threads" in page and "QX-4471" in page
    assert "ZZ-9" not in page
