"""The moderation pages through the test client: who may open what, flagging, the queue and
its decisions, sanctions, appeals, rules, transparency, the audit log, blocked domains and
private follow-ups.

Nothing depends on a borderline classifier score: content is created with screening off and
put in the queue by members' flags, and "held automatically" items come from a stand-in
engine that holds everything under R2.
"""
from __future__ import annotations

import contextlib
import dataclasses
import re
from unittest import mock

import pytest
from sqlalchemy import func, select

from forum import services
from forum.extensions import db
from forum.models import Notification, NotificationKind, Post, PostStatus, Role, utcnow
from moderation import engine, views
from moderation import services as moderation
from moderation.models import (
    Appeal,
    AppealStatus,
    AuditEvent,
    BadDomain,
    Flag,
    PrivateConversation,
    PrivateMessage,
    ReviewItem,
    ReviewSource,
    ReviewStatus,
    RuleSetVersion,
    Sanction,
    SanctionKind,
)
from moderation.runtime import current_rules
from tests.conftest import PASSWORD, count_queries, login

CLEAN = ("Thanks, that worked for me as well. I held the reset button for thirty seconds, "
         "waited for the lights to settle and then set the wireless name again.")
CONFLICT = "Another moderator has claimed or decided this item."


# -- helpers -----------------------------------------------------------------------------------
@contextlib.contextmanager
def screening_off(app):
    """Create set-up content as if moderation were off (same database, same app)."""
    app.config["MODERATION_ENABLED"] = False
    try:
        yield
    finally:
        app.config["MODERATION_ENABLED"] = True


def _hold_everything(submission, author, **_):
    hit = engine.RuleHit("R2", "spam.classifier", 0.8, engine.Action.HOLD, "Advertising.")
    return engine.Verdict(action=engine.Action.HOLD, hits=(hit,), scores={"spam.classifier": 0.8},
                          title=submission.title, body=submission.body,
                          explanation="Held for review under R2: it looks like advertising.")


def published_reply(app, factory, author=None, body=CLEAN, thread=None):
    """A published reply, posted with screening off."""
    with screening_off(app):
        thread = thread or factory.thread(body=CLEAN)
        return factory.reply(thread, author or factory.user(), body=body)


def flagged_item(app, factory, *, author=None, reason="spam", body=CLEAN, thread=None):
    """A published post flagged once by a member: a FLAGS item in the queue."""
    post = published_reply(app, factory, author, body, thread)
    moderation.flag_post(post, actor=factory.user(), reason=reason)
    return db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))


def held_item(app, factory, *, author=None, body="Visit my shop for great deals on cables."):
    """A reply the (stand-in) engine held automatically: an AUTOMATIC item."""
    with screening_off(app):
        thread = factory.thread(body=CLEAN)
    with mock.patch.object(engine, "screen", _hold_everything):
        post = services.reply(thread, author=author or factory.user(), body=body)
    return db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))


def html(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def audit_rows(action: str) -> list[AuditEvent]:
    """Audit rows of one kind, oldest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def notices(user) -> list[str]:
    """A member's moderation notifications, oldest first."""
    return list(db.session.scalars(
        select(Notification.message).where(Notification.user_id == user.id,
                                           Notification.kind == NotificationKind.MODERATION)
        .order_by(Notification.id)))


def signed_in(app, user):
    """A fresh test client signed in as user."""
    client = app.test_client()
    login(client, user)
    return client


@pytest.fixture
def moderator(factory):
    """A moderator."""
    return factory.user("mod_one", role=Role.MODERATOR)


@pytest.fixture
def mod_client(app, moderator):
    """A client signed in as the moderator."""
    return signed_in(app, moderator)


@pytest.fixture
def admin(factory):
    """A community admin."""
    return factory.user("the_admin", role=Role.ADMIN)


# -- who may open what -------------------------------------------------------------------------
MODERATOR_PAGES = ["/moderation/queue", "/moderation/dashboard", "/moderation/appeals",
                   "/moderation/audit"]
ADMIN_PAGES = ["/moderation/audit.csv", "/moderation/domains", "/rules/edit"]


@pytest.mark.parametrize("path", MODERATOR_PAGES + ADMIN_PAGES + ["/moderation/mine",
                                                                  "/private"])
def test_pages_anonymous_redirected_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", MODERATOR_PAGES + ADMIN_PAGES)
def test_pages_customer_forbidden(app, factory, path):
    assert signed_in(app, factory.user()).get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_moderator_forbidden_admin_allowed(app, mod_client, admin, path):
    assert mod_client.get(path).status_code == 403
    assert signed_in(app, admin).get(path).status_code == 200


def test_item_and_member_pages_moderators_only(app, factory, mod_client):
    item = flagged_item(app, factory)
    customer = signed_in(app, factory.user())
    for path in (f"/moderation/items/{item.id}", f"/moderation/users/{item.author_id}"):
        assert customer.get(path).status_code == 403
        assert mod_client.get(path).status_code == 200
    assert mod_client.get("/moderation/items/9999").status_code == 404


@pytest.mark.parametrize("path", MODERATOR_PAGES + ["/moderation/mine", "/private"])
def test_moderator_pages_render(mod_client, path):
    # /private is the support case list now (support.cases): followed, it renders
    assert mod_client.get(path, follow_redirects=True).status_code == 200


@pytest.mark.parametrize("path", ["/rules", "/transparency"])
def test_public_pages_render_for_visitors(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert 'href="/rules"' in html(response) and 'href="/transparency"' in html(response)


def test_header_shows_queue_count_to_moderators_and_desk_to_staff(app, factory, mod_client):
    flagged_item(app, factory)
    assert "Moderation (1)" in html(mod_client.get("/"))
    assert "1 in the review queue" in html(mod_client.get("/"))
    assert "Staff desk" in html(mod_client.get("/"))
    staff_page = html(signed_in(app, factory.user(role=Role.STAFF)).get("/"))
    assert "Staff desk" in staff_page and "Moderation (" not in staff_page
    customer_page = html(signed_in(app, factory.user()).get("/"))
    assert "Moderation (" not in customer_page and "Staff desk" not in customer_page
    assert "My moderation record" in customer_page


# -- flags -------------------------------------------------------------------------------------
def test_flag_post_queues_item_and_redirects_back(app, factory):
    post = published_reply(app, factory)
    flagger = factory.user()
    response = signed_in(app, flagger).post(f"/p/{post.id}/flag",
                                            data={"reason": "spam", "text": "Ad link"})
    assert response.status_code == 303 and response.headers["Location"] == f"/p/{post.id}"
    flag = db.session.scalar(select(Flag))
    assert (flag.user_id, flag.reason.value, flag.text) == (flagger.id, "spam", "Ad link")
    item = db.session.scalar(select(ReviewItem))
    assert item.source is ReviewSource.FLAGS and item.rules == ["R2"]


def test_flag_post_duplicate_shows_friendly_message(app, factory):
    post = published_reply(app, factory)
    client = signed_in(app, factory.user())
    client.post(f"/p/{post.id}/flag", data={"reason": "spam"})
    again = client.post(f"/p/{post.id}/flag", data={"reason": "abuse"}, follow_redirects=True)
    assert again.status_code == 200 and "You have already flagged this post." in html(again)
    assert db.session.scalar(select(func.count(Flag.id))) == 1


def test_flag_post_bad_input_keeps_what_was_typed(app, factory):
    post = published_reply(app, factory)
    client = signed_in(app, factory.user())
    missing = client.post(f"/p/{post.id}/flag", data={"text": "words I typed"})
    assert missing.status_code == 400
    assert "Please choose a reason." in html(missing) and "words I typed" in html(missing)
    other = client.post(f"/p/{post.id}/flag", data={"reason": "other", "text": ""})
    assert other.status_code == 400 and "Please say what is wrong." in html(other)
    assert db.session.scalar(select(func.count(Flag.id))) == 0


def test_flag_post_own_post_refused_and_anonymous_sent_to_sign_in(app, factory, client):
    author = factory.user()
    post = published_reply(app, factory, author)
    own = signed_in(app, author).post(f"/p/{post.id}/flag", data={"reason": "spam"},
                                      follow_redirects=True)
    assert "You cannot flag your own post." in html(own)
    anonymous = client.post(f"/p/{post.id}/flag", data={"reason": "spam"})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert db.session.scalar(select(func.count(Flag.id))) == 0


def test_flag_post_rate_limited_per_member(make_app, app, factory):
    thread = published_reply(app, factory).thread
    posts = [published_reply(app, factory, thread=thread) for _ in range(3)]
    flagger = factory.user()
    limited = make_app(MODERATION_ENABLED=True, RATELIMIT_ENABLED=True, FLAG_LIMIT="2 per hour")
    with limited.app_context():
        client = limited.test_client()
        login(client, flagger)
        codes = [client.post(f"/p/{p.id}/flag", data={"reason": "spam"}).status_code
                 for p in posts]
    assert codes == [303, 303, 429]


def test_flag_control_on_other_peoples_published_posts_only(app, factory, client):
    author = factory.user()
    mine = published_reply(app, factory, author)
    theirs = published_reply(app, factory, thread=mine.thread)
    page = html(signed_in(app, author).get(f"/t/{mine.thread_id}"))
    assert f'action="/p/{theirs.id}/flag"' in page
    assert f'action="/p/{mine.id}/flag"' not in page
    assert 'name="reason" value="private_data"' in page
    assert "/flag" not in html(client.get(f"/t/{mine.thread_id}"))


# -- the queue ---------------------------------------------------------------------------------
def test_queue_shows_items_with_scores_rules_texts_and_trust(app, factory, mod_client):
    held = held_item(app, factory, body="Visit my shop for great deals on cables.")
    flagged = flagged_item(app, factory, reason="abuse", body="Some rude words here.")
    page = html(mod_client.get("/moderation/queue"))
    assert "Held automatically" in page and "Flagged by members" in page
    assert "Visit my shop for great deals on cables." in page
    assert "Some rude words here." in page and "spam.classifier" in page
    assert "Trust 0" in page and ">R1<" in page and ">R2<" in page
    assert f'value="{held.id}" form="bulk-form"' in page
    assert f'value="{flagged.id}" form="bulk-form"' in page


def test_queue_shows_current_text_when_edited_after_screening(app, factory, mod_client):
    item = flagged_item(app, factory, body="Original words of the reply.")
    with screening_off(app):
        services.edit_post(item.post, actor=item.author, body="Edited words of the reply.")
    page = html(mod_client.get("/moderation/queue"))
    assert "Original words of the reply." in page and "Edited words of the reply." in page
    assert "Current text" in page


def test_queue_filters_by_reason_rule_age_and_category(app, factory, mod_client):
    held = held_item(app, factory, body="Held text number one.")
    flagged = flagged_item(app, factory, reason="abuse", body="Flagged text number two.")
    flagged.created_at = utcnow().replace(year=utcnow().year - 1)
    db.session.commit()

    def shown(query: str) -> tuple[bool, bool]:
        page = html(mod_client.get(f"/moderation/queue?{query}"))
        return "Held text number one." in page, "Flagged text number two." in page

    assert shown("") == (True, True)
    assert shown("source=automatic") == (True, False)
    assert shown("source=flags") == (False, True)
    assert shown("rule=R1") == (False, True)
    assert shown("rule=R2") == (True, False)
    assert shown("age=24h") == (False, True)
    assert shown(f"category={held.thread.category_id}") == (True, False)
    assert shown("rule=nonsense&age=forever&source=x") == (True, True)


def test_queue_paginates_with_filters_kept(app, factory, mod_client, monkeypatch):
    monkeypatch.setattr(views, "QUEUE_PER_PAGE", 2)
    for n in range(3):
        flagged_item(app, factory, body=f"Queued post number {n}.")
    first = html(mod_client.get("/moderation/queue?source=flags"))
    second = html(mod_client.get("/moderation/queue?source=flags&page=2"))
    assert "Queued post number 0." in first and "Queued post number 2." not in first
    assert "Queued post number 2." in second
    assert "page=2" in first and "source=flags" in first


def test_queue_query_count_does_not_grow_with_items(app, factory, mod_client):
    flagged_item(app, factory)
    mod_client.get("/moderation/queue")  # the header's counts are cached after the first page
    db.session.expire_all()
    with count_queries() as few:
        mod_client.get("/moderation/queue")
    for _ in range(4):
        flagged_item(app, factory)
    with count_queries() as many:
        mod_client.get("/moderation/queue")
    assert len(many) == len(few)


# -- claims and decisions ----------------------------------------------------------------------
def test_claim_shows_claimer_and_second_moderator_gets_conflict(app, factory, mod_client):
    item = flagged_item(app, factory)
    claimed = mod_client.post(f"/moderation/items/{item.id}/claim", follow_redirects=True)
    assert "Claimed by you" in html(claimed)
    second = signed_in(app, factory.user("mod_two", role=Role.MODERATOR))
    assert "Claimed by mod_one" in html(second.get("/moderation/queue"))
    refused = second.post(f"/moderation/items/{item.id}/approve")
    assert refused.status_code == 409 and CONFLICT in html(refused)
    again = second.post(f"/moderation/items/{item.id}/claim", follow_redirects=True)
    assert CONFLICT in html(again)
    assert item.status is ReviewStatus.PENDING and item.post.status is PostStatus.PUBLISHED


def test_approve_held_post_publishes_and_notifies(app, factory, mod_client, moderator):
    author = factory.user()
    item = held_item(app, factory, author=author)
    response = mod_client.post(f"/moderation/items/{item.id}/approve",
                               data={"note": "Looks fine."})
    assert response.status_code == 303 and response.headers["Location"] == "/moderation/queue"
    assert item.post.status is PostStatus.PUBLISHED and item.thread.reply_count == 1
    assert "approved your post" in notices(author)[-1]
    (row,) = audit_rows("approve")
    assert row.actor_id == moderator.id and row.reason == "Looks fine."
    assert row.text_snapshot == item.post.body_source


def test_reject_changes_status_counters_notifies_and_logs(app, factory, mod_client):
    author = factory.user()
    item = flagged_item(app, factory, author=author)
    thread = item.thread
    assert (thread.reply_count, author.post_count) == (1, 1)
    response = mod_client.post(f"/moderation/items/{item.id}/reject?next=/moderation/queue",
                               data={"rule": "R2", "message": "No ads, please.",
                                     "mode": "reject"})
    assert response.status_code == 303
    assert item.post.status is PostStatus.REJECTED
    assert (thread.reply_count, author.post_count) == (0, 0)
    assert "R2 (No spam or advertising): No ads, please." in notices(author)[-1]
    (row,) = audit_rows("reject")
    assert (row.rule_code, row.text_snapshot, row.reason) == ("R2", CLEAN, "No ads, please.")


def test_reject_without_rule_keeps_message(app, factory, mod_client):
    item = flagged_item(app, factory)
    response = mod_client.post(f"/moderation/items/{item.id}/reject",
                               data={"rule": "", "message": "My careful words", "mode": "reject"})
    assert response.status_code == 400
    assert "Please choose a rule." in html(response) and "My careful words" in html(response)
    assert item.status is ReviewStatus.PENDING


def test_hide_only_hides_without_violation(app, factory, mod_client):
    author = factory.user()
    item = flagged_item(app, factory, author=author, reason="off_topic")
    mod_client.post(f"/moderation/items/{item.id}/reject",
                    data={"rule": "R5", "message": "New thread, please.", "mode": "hide"})
    assert item.post.status is PostStatus.REJECTED and item.decision == "hide"
    assert item.thread.reply_count == 0
    (row,) = audit_rows("hide")
    assert row.rule_code == "R5" and row.text_snapshot == CLEAN and not audit_rows("reject")
    assert "R5 (Stay on topic): New thread, please." in notices(author)[-1]


def test_edit_and_approve_publishes_edited_text(app, factory, mod_client):
    author = factory.user()
    item = held_item(app, factory, author=author, body="Great answer. Buy cables at my shop.")
    response = mod_client.post(f"/moderation/items/{item.id}/edit",
                               data={"body": "Great answer.", "note": "Removed the ad."})
    assert response.status_code == 303
    assert item.post.status is PostStatus.PUBLISHED and item.post.body_source == "Great answer."
    assert item.thread.reply_count == 1 and author.post_count == 1
    (row,) = audit_rows("edit_approve")
    assert row.before == {"body": "Great answer. Buy cables at my shop."}
    assert row.text_snapshot == "Great answer. Buy cables at my shop."
    assert "approved your post" in notices(author)[-1]


def test_item_page_prefills_edit_box_and_offers_every_action(app, factory, mod_client):
    item = held_item(app, factory, body="Text to be *fixed*.")
    page = html(mod_client.get(f"/moderation/items/{item.id}"))
    assert "\nText to be *fixed*.</textarea>" in page
    for action in ("approve", "reject", "edit"):
        assert f'action="/moderation/items/{item.id}/{action}"' in page
    assert 'value="hide"' in page and "Nuke spammer" in page


def test_bulk_approve_reports_successes_and_conflicts(app, factory, mod_client):
    items = [flagged_item(app, factory) for _ in range(3)]
    other = factory.user("mod_two", role=Role.MODERATOR)
    moderation.claim(items[1], actor=other)
    response = mod_client.post("/moderation/queue/bulk", data={
        "items": [i.id for i in items], "action": "approve"}, follow_redirects=True)
    page = html(response)
    assert "Approved 2 of 3 selected items." in page
    assert f"#{items[1].id}: {CONFLICT}" in page
    assert [i.status for i in items] == [ReviewStatus.APPROVED, ReviewStatus.PENDING,
                                         ReviewStatus.APPROVED]


def test_bulk_reject_cites_rule_for_each_item(app, factory, mod_client):
    items = [flagged_item(app, factory) for _ in range(2)]
    mod_client.post("/moderation/queue/bulk", data={
        "items": [i.id for i in items], "action": "reject", "rule": "R2",
        "message": "Advertising."})
    assert all(i.post.status is PostStatus.REJECTED for i in items)
    assert [r.rule_code for r in audit_rows("reject")] == ["R2", "R2"]


def test_bulk_reject_without_rule_or_message_is_refused(app, factory, mod_client):
    item = flagged_item(app, factory)
    response = mod_client.post("/moderation/queue/bulk", data={
        "items": [item.id], "action": "reject", "message": "Kept words"})
    assert response.status_code == 400
    assert "Please choose the rule these decisions enforce." in html(response)
    assert "Kept words" in html(response)
    nothing = mod_client.post("/moderation/queue/bulk", data={"action": "approve"})
    assert nothing.status_code == 400 and "Select at least one item." in html(nothing)
    assert item.status is ReviewStatus.PENDING


# -- history, sanctions, nuke ------------------------------------------------------------------
def test_item_page_shows_author_history_in_one_view(app, factory, mod_client, moderator):
    author = factory.user("history_person")
    earlier = flagged_item(app, factory, author=author, body="An earlier post of theirs.")
    moderation.reject(earlier, actor=moderator, rule="R2", message="Ad.")
    moderation.sanction(author, SanctionKind.WARNING, actor=moderator, rule="R2",
                        reason="Stop advertising.")
    moderation.appeal(actor=author, text="I disagree with this.", item=earlier)
    item = flagged_item(app, factory, author=author, reason="abuse", body="The current post.")
    page = html(mod_client.get(f"/moderation/items/{item.id}"))
    assert "history_person’s history" in page
    assert "An earlier post of theirs." in page and "The current post." in page
    assert "Stop advertising." in page and "I disagree with this." in page
    assert page.count('<span class="badge">spam</span>') >= 1 and "Violations" in page


def test_sanction_form_prefilled_with_ladder_suggestion(app, factory, mod_client, moderator):
    member = factory.user()
    page = html(mod_client.get(f"/moderation/users/{member.id}"))
    assert '<option selected value="warning">' in page
    moderation.sanction(member, SanctionKind.WARNING, actor=moderator, rule="R1", reason="x")
    page = html(mod_client.get(f"/moderation/users/{member.id}"))
    assert '<option selected value="mute">' in page and 'name="days" type="number" value="1"' in (
        page)
    assert "Suggested next step on the ladder: <strong>mute for 1 day" in page


def test_mute_refuses_posting_with_rule_shown(app, factory, mod_client):
    member = factory.user()
    response = mod_client.post(f"/moderation/users/{member.id}/sanction", data={
        "kind": "mute", "rule": "R1", "reason": "Insulting other members.", "days": "2"})
    assert response.status_code == 303
    assert db.session.scalar(select(Sanction.kind)) is SanctionKind.MUTE
    category = factory.category()
    client = signed_in(app, member)
    refused = client.post("/ask", data={"title": "Can I still ask a question here?",
                                        "category": category.id, "body": CLEAN})
    # The refusal shows on the ask form itself, with the rule, and keeps what was typed.
    assert refused.status_code == 400
    assert "mute under R1" in html(refused) and "Insulting other members." in html(refused)
    assert "Can I still ask a question here?" in html(refused)
    assert db.session.scalar(select(func.count(Post.id))) == 0
    assert "mute" in notices(member)[-1] and "R1 (Be respectful)" in notices(member)[-1]


def _violations_shown(page: str) -> int:
    return int(re.search(r"<dt>Violations</dt><dd>(\d+)</dd>", page).group(1))


def test_member_page_counts_suspension_as_a_violation(app, factory, mod_client):
    member = factory.user()
    assert _violations_shown(html(mod_client.get(f"/moderation/users/{member.id}"))) == 0
    response = mod_client.post(f"/moderation/users/{member.id}/sanction", data={
        "kind": "suspension", "rule": "R1", "reason": "Threats in two threads.", "days": "7"})
    assert response.status_code == 303
    page = html(mod_client.get(f"/moderation/users/{member.id}"))
    assert "Suspension" in page and _violations_shown(page) == 1


def test_member_page_counts_rejection_and_sanction_but_not_a_hide(app, factory, mod_client,
                                                                  moderator):
    member = factory.user()
    moderation.reject(flagged_item(app, factory, author=member), actor=moderator, rule="R2",
                      message="No ads.")
    moderation.reject(flagged_item(app, factory, author=member, reason="off_topic"),
                      actor=moderator, rule="R5", message="New thread, please.", hide_only=True)
    moderation.sanction(member, SanctionKind.WARNING, actor=moderator, rule="R2",
                        reason="Advertising.")
    assert _violations_shown(html(mod_client.get(f"/moderation/users/{member.id}"))) == 2


def test_sanction_bad_input_keeps_reason(app, factory, mod_client):
    member = factory.user()
    response = mod_client.post(f"/moderation/users/{member.id}/sanction", data={
        "kind": "suspension", "rule": "R1", "reason": "Threats in two threads.", "days": ""})
    assert response.status_code == 400
    assert "Say for how many days." in html(response)
    assert "Threats in two threads." in html(response)
    assert db.session.scalar(select(func.count(Sanction.id))) == 0


def test_nuke_removes_all_posts_and_bans(app, factory, mod_client):
    spammer = factory.user()
    with screening_off(app):
        thread = factory.thread(spammer, body="Cheap watches here")
        factory.reply(thread, spammer, body="More cheap watches")
    flagged_item(app, factory, author=spammer, body="Even more watches")
    response = mod_client.post(f"/moderation/users/{spammer.id}/nuke",
                               data={"reason": "Watch spam."}, follow_redirects=True)
    assert "Removed 3 posts" in html(response)
    statuses = set(db.session.scalars(select(Post.status).where(Post.author_id == spammer.id)))
    assert statuses == {PostStatus.REJECTED}
    assert moderation.active_restriction(spammer).kind is SanctionKind.BAN
    assert audit_rows("nuke_spammer")[0].reason == "Watch spam."


def test_nuke_staff_refused_clearly(app, factory, mod_client):
    staff = factory.user(role=Role.STAFF)
    response = mod_client.post(f"/moderation/users/{staff.id}/nuke", data={"reason": "x"})
    assert response.status_code == 403 and "Staff accounts cannot be nuked." in html(response)


def test_lift_sanction_lets_member_post_again(app, factory, mod_client, moderator):
    member = factory.user()
    row = moderation.sanction(member, SanctionKind.BAN, actor=moderator, rule="R2",
                              reason="Spam.")
    mod_client.post(f"/moderation/sanctions/{row.id}/lift", data={"reason": "Appealed by mail."})
    assert row.lifted_at is not None and moderation.active_restriction(member) is None
    assert audit_rows("lift_sanction")[0].reason == "Appealed by mail."


# -- appeals -----------------------------------------------------------------------------------
def test_appeal_once_decided_by_other_moderator_logged_and_notified(app, factory, mod_client,
                                                                   moderator):
    author = factory.user()
    item = flagged_item(app, factory, author=author)
    moderation.reject(item, actor=moderator, rule="R2", message="Looks like an ad.")
    member = signed_in(app, author)
    record = html(member.get("/moderation/mine"))
    assert "Looks like an ad." in record and "R2 · No spam or advertising" in record
    assert f'name="target" value="item:{item.id}"' in record
    sent = member.post("/moderation/mine/appeal",
                       data={"target": f"item:{item.id}", "text": "It was a real tip."})
    assert sent.status_code == 303
    twice = member.post("/moderation/mine/appeal",
                        data={"target": f"item:{item.id}", "text": "Again"})
    assert twice.status_code == 409 and "allowed once" in html(twice)
    appeal = db.session.scalar(select(Appeal))
    denied = mod_client.post(f"/moderation/appeals/{appeal.id}/decide",
                             data={"outcome": "overturn", "note": "Mine."})
    assert denied.status_code == 403
    assert "A different moderator must decide this appeal." in html(denied)
    other = signed_in(app, factory.user("mod_two", role=Role.MODERATOR))
    assert "It was a real tip." in html(other.get("/moderation/appeals"))
    done = other.post(f"/moderation/appeals/{appeal.id}/decide",
                      data={"outcome": "overturn", "note": "You are right."})
    assert done.status_code == 303
    assert appeal.status is AppealStatus.OVERTURNED
    assert item.post.status is PostStatus.PUBLISHED
    assert "overturned" in notices(author)[-1]
    assert audit_rows("appeal_decided")[0].after == {"outcome": "overturned"}
    assert "Appeal" in html(member.get("/moderation/mine")) and "overturned" in html(
        member.get("/moderation/mine"))


def test_appeal_of_sanction_without_text_keeps_form(app, factory, moderator):
    member = factory.user()
    row = moderation.sanction(member, SanctionKind.WARNING, actor=moderator, rule="R1",
                              reason="Tone.")
    response = signed_in(app, member).post("/moderation/mine/appeal",
                                           data={"target": f"sanction:{row.id}", "text": ""})
    assert response.status_code == 400 and "Say why the decision should change." in html(
        response)
    assert db.session.scalar(select(func.count(Appeal.id))) == 0


def test_appeal_someone_elses_decision_is_404(app, factory, moderator):
    victim = factory.user()
    row = moderation.sanction(victim, SanctionKind.WARNING, actor=moderator, rule="R1",
                              reason="Tone.")
    response = signed_in(app, factory.user()).post(
        "/moderation/mine/appeal", data={"target": f"sanction:{row.id}", "text": "Unfair"})
    assert response.status_code == 404


def test_decide_appeal_without_outcome_keeps_note(app, factory, mod_client, moderator):
    member = factory.user()
    row = moderation.sanction(member, SanctionKind.WARNING, actor=factory.user(
        role=Role.MODERATOR), rule="R1", reason="Tone.")
    appeal = moderation.appeal(actor=member, text="Why?", sanction_row=row)
    response = mod_client.post(f"/moderation/appeals/{appeal.id}/decide",
                               data={"note": "A thoughtful note"})
    assert response.status_code == 400 and "A thoughtful note" in html(response)
    assert appeal.status is AppealStatus.PENDING


# -- notices on posts and notifications --------------------------------------------------------
def test_held_post_notice_shows_rule_and_explanation_to_author(app, factory, mod_client):
    author = factory.user()
    item = held_item(app, factory, author=author)
    page = html(signed_in(app, author).get(f"/t/{item.thread_id}"))
    assert "Waiting for a moderator" in page and "R2 · No spam or advertising" in page
    assert "it looks like advertising." in page
    assert f'href="/p/{item.post_id}/edit">Edit and resubmit' in page
    moderator_view = html(mod_client.get(f"/t/{item.thread_id}"))
    assert f'href="/moderation/items/{item.id}">Open review item' in moderator_view
    stranger = html(signed_in(app, factory.user()).get(f"/t/{item.thread_id}"))
    assert "Waiting for a moderator" not in stranger and "great deals" not in stranger


def _notice_appeal_form(page: str, item) -> tuple[str, str] | None:
    """(action, form body) of the appeal form the post's notice offers for item, if any."""
    for action, body in re.findall(
            r'<form[^>]*method="post" action="(/moderation/mine/appeal[^"]*)"[^>]*>(.*?)</form>',
            page, re.S):
        if f'name="target" value="item:{item.id}"' in body:
            return action.replace("&amp;", "&"), body
    return None


def test_held_post_notice_offers_appeal_that_reaches_the_appeals_queue(app, factory, mod_client):
    author = factory.user()
    item = held_item(app, factory, author=author)
    client = signed_in(app, author)
    page = html(client.get(f"/t/{item.thread_id}"))
    assert "Waiting for a moderator" in page and "Edit and resubmit" in page
    action, body = _notice_appeal_form(page, item)
    assert 'name="csrf_token"' in body and 'name="text"' in body
    sent = client.post(action, data={"target": f"item:{item.id}",
                                     "text": "It is a real tip about cables."})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/p/{item.post_id}")
    appeal = db.session.scalar(select(Appeal))
    assert appeal.review_item_id == item.id and appeal.status is AppealStatus.PENDING
    queue = html(mod_client.get("/moderation/appeals"))
    assert "It is a real tip about cables." in queue and "Against the hold of" in queue
    after = html(client.get(f"/t/{item.thread_id}"))
    assert _notice_appeal_form(after, item) is None and "Appeal sent" in after
    record = html(client.get("/moderation/mine"))
    assert 'class="appeal-state"' in record and f'value="item:{item.id}"' not in record


def test_held_post_appeal_without_text_keeps_the_form_on_the_record(app, factory):
    author = factory.user()
    item = held_item(app, factory, author=author)
    response = signed_in(app, author).post(
        f"/moderation/mine/appeal?next=/p/{item.post_id}",
        data={"target": f"item:{item.id}", "text": "  "})
    assert response.status_code == 400
    page = html(response)
    assert "Say why the decision should change." in page
    assert f'name="target" value="item:{item.id}"' in page
    assert db.session.scalar(select(func.count(Appeal.id))) == 0


def test_held_post_appeal_refused_without_csrf_token(make_app, factory):
    author = factory.user()
    guarded = make_app(MODERATION_ENABLED=True, WTF_CSRF_ENABLED=True)
    with guarded.app_context():
        item = held_item(guarded, factory, author=author)
        client = guarded.test_client()
        login_page = html(client.get("/login"))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)
        client.post("/login", data={"login": author.username, "password": PASSWORD,
                                    "csrf_token": token.group(1)})
        page = html(client.get(f"/t/{item.thread_id}"))
        action, body = _notice_appeal_form(page, item)
        data = {"target": f"item:{item.id}", "text": "It is a real tip."}
        assert client.post(action, data=data).status_code == 400
        assert db.session.scalar(select(func.count(Appeal.id))) == 0
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
        assert client.post(action, data={**data, "csrf_token": csrf}).status_code == 303
        assert db.session.scalar(select(func.count(Appeal.id))) == 1


def test_rejected_question_notice_offers_appeal(app, factory, moderator):
    author = factory.user()
    with screening_off(app):
        thread = factory.thread(author, body=CLEAN)
    question = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    moderation.flag_post(question, actor=factory.user(), reason="spam")
    item = db.session.scalar(select(ReviewItem))
    moderation.reject(item, actor=moderator, rule="R2", message="Promotional question.")
    page = html(signed_in(app, author).get(f"/t/{thread.id}"))
    assert "Not published" in page and "Promotional question." in page
    assert _notice_appeal_form(page, item) is not None


def test_notifications_page_shows_moderation_message(app, factory, moderator):
    author = factory.user()
    moderation.reject(flagged_item(app, factory, author=author), actor=moderator, rule="R2",
                      message="No ads here.")
    page = html(signed_in(app, author).get("/notifications"))
    assert "Moderation" in page and "No ads here." in page


# -- rules, transparency, audit, domains -------------------------------------------------------
def test_rules_page_lists_rules_and_history_after_edit(app, admin, client):
    page = html(client.get("/rules"))
    for n in range(1, 8):
        assert f'id="rule-R{n}"' in page
    assert "Criticism of the brand is welcome" in page and "shipped with Parley" in page
    admin_client = signed_in(app, admin)
    form = html(admin_client.get("/rules/edit"))
    assert 'name="R5__title"' in form and 'value="Stay on topic"' in form
    data = {f"{r.code}__{name}": getattr(r, name) for r in current_rules().rules
            for name in ("title", "summary", "explanation", "example", "advice")}
    data.update({"R5__title": "Keep threads on topic", "note": "Plainer wording."})
    assert admin_client.post("/rules/edit", data=data).status_code == 303
    page = html(client.get("/rules"))
    assert "Keep threads on topic" in page and "Version 2" in page
    assert "Plainer wording." in page and admin.name in page
    assert db.session.scalar(select(RuleSetVersion.version)) == 2
    assert [r.code for r in current_rules().rules] == [f"R{n}" for n in range(1, 8)]


def test_rules_edit_without_note_or_title_keeps_text(app, admin):
    data = {f"{r.code}__{name}": getattr(r, name) for r in current_rules().rules
            for name in ("title", "summary", "explanation", "example", "advice")}
    data.update({"R3__title": "", "R3__summary": "My new summary text"})
    response = signed_in(app, admin).post("/rules/edit", data=data)
    assert response.status_code == 400
    assert "Every rule needs a title." in html(response)
    assert "Say what changed and why." in html(response)
    assert "My new summary text" in html(response)
    assert db.session.scalar(select(func.count(RuleSetVersion.id))) == 0


def test_transparency_page_counts_actions_per_rule(app, factory, moderator, client):
    for _ in range(2):
        moderation.reject(flagged_item(app, factory), actor=moderator, rule="R2", message="Ad.")
    moderation.sanction(factory.user(), SanctionKind.WARNING, actor=moderator, rule="R1",
                        reason="Tone.")
    page = html(client.get("/transparency"))
    month = utcnow().strftime("%Y-%m")
    row = re.search(rf'<tr><th scope="row">{month}</th>(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r"<td>(?:<strong>)?(\d+)", row)
    assert cells == ["1", "2", "0", "0", "0", "0", "0", "3"]  # R1..R7, total


def test_audit_log_filters_and_exports_csv(app, factory, admin, moderator):
    moderation.reject(flagged_item(app, factory), actor=moderator, rule="R2", message="Ad one.")
    moderation.approve(flagged_item(app, factory), actor=moderator)
    client = signed_in(app, admin)
    page = html(client.get("/moderation/audit?action=reject"))
    assert "Ad one." in page and "Approved on review." not in page
    assert "Approved on review." in html(client.get("/moderation/audit"))
    export = client.get("/moderation/audit.csv?rule=R2")
    assert export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    lines = html(export).strip().splitlines()
    assert lines[0].startswith("id,created_at,actor,action")
    assert len(lines) == 1 + db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.rule_code == "R2"))
    assert any(",reject," in line and "Ad one." in line for line in lines)


def test_bad_domains_added_and_removed_with_audit(app, admin):
    client = signed_in(app, admin)
    added = client.post("/moderation/domains", data={"domain": "https://www.Spam-Shop.example/x",
                                                     "note": "Fake shop"})
    assert added.status_code == 303
    row = db.session.scalar(select(BadDomain))
    assert row.domain == "spam-shop.example"
    again = client.post("/moderation/domains", data={"domain": "spam-shop.example"})
    assert again.status_code == 409 and "already blocked" in html(again)
    bad = client.post("/moderation/domains", data={"domain": "no spaces allowed"})
    assert bad.status_code == 400 and "no spaces allowed" in html(bad)
    client.post(f"/moderation/domains/{row.id}/remove")
    assert db.session.scalar(select(BadDomain)) is None
    assert [e.action for e in audit_rows("bad_domain_added") + audit_rows(
        "bad_domain_removed")] == ["bad_domain_added", "bad_domain_removed"]


# -- dashboard ---------------------------------------------------------------------------------
def test_dashboard_shows_figures_and_retrains(app, factory, mod_client, moderator):
    upheld, released = held_item(app, factory), held_item(app, factory)
    moderation.reject(upheld, actor=moderator, rule="R2", message="Ad.")
    moderation.approve(released, actor=moderator)
    moderation.reject(flagged_item(app, factory), actor=moderator, rule="R2", message="Ad.")
    flagged_item(app, factory)
    page = html(mod_client.get("/moderation/dashboard"))
    assert 'id="stat-pending">1<' in page and 'id="stat-precision">50%<' in page
    assert 'id="stat-misses">1<' in page and 'id="stat-flags">1 / 0<' in page

    def fast(data_dir=None, *, extra_spam=(), version=1, **_):
        current = moderation.runtime().model()
        return dataclasses.replace(current, version=version,
                                   extra_examples=len(list(extra_spam)))

    expected = moderation.runtime().next_model_version()
    with mock.patch.object(engine, "train_models", fast):
        response = mod_client.post("/moderation/dashboard/retrain", follow_redirects=True)
    assert f"Model version {expected} is trained with 3 moderator decisions" in html(response)
    assert f'id="model-version">version {expected}<' in html(response)
    assert audit_rows("model_trained")[0].actor_id == moderator.id


def test_retrain_forbidden_to_customers(app, factory):
    response = signed_in(app, factory.user()).post("/moderation/dashboard/retrain")
    assert response.status_code == 403 and not audit_rows("model_trained")


# -- private follow-ups ------------------------------------------------------------------------
def _conversation(customer) -> PrivateConversation:
    """A follow-up as the screener opens it after removing private data (built directly)."""
    conversation = PrivateConversation(customer_id=customer.id, subject="Charged twice")
    db.session.add(conversation)
    db.session.flush()
    db.session.add(PrivateMessage(conversation_id=conversation.id, author_id=customer.id,
                                  body_source="Call me on 020 7946 0958",
                                  body_html="<p>Call me on 020 7946 0958</p>"))
    db.session.commit()
    return conversation


def test_private_conversation_only_customer_and_staff(app, factory, client):
    customer, staff = factory.user(), factory.user(role=Role.STAFF)
    conversation = _conversation(customer)
    path = f"/private/{conversation.id}"
    assert client.get(path).status_code == 302
    assert signed_in(app, factory.user()).get(path).status_code == 403
    assert signed_in(app, factory.user()).post(path, data={"body": "hi"}).status_code == 403
    # the conversation is a support case: its old address leads there for those who may read it
    mine = signed_in(app, customer).get(path, follow_redirects=True)
    assert mine.status_code == 200 and "020 7946 0958" in html(mine)
    assert mine.request.path == f"/cases/{conversation.id}"
    assert mine.headers["Cache-Control"] == "no-store"
    staff_client = signed_in(app, staff)
    assert "Charged twice" in html(staff_client.get("/private", follow_redirects=True))
    assert "Charged twice" not in html(signed_in(app, factory.user()).get(
        "/private", follow_redirects=True))
    reply = staff_client.post(path, data={"body": "We refunded the second charge."})
    assert reply.status_code == 303  # answered as a reply in the case
    assert "We refunded the second charge." in html(signed_in(app, customer).get(
        path, follow_redirects=True))
    assert db.session.scalar(select(Notification.id).where(  # the case's own notice
        Notification.user_id == customer.id, Notification.kind == NotificationKind.CASE_REPLY))


def test_private_reply_empty_is_refused(app, factory):
    customer = factory.user()
    conversation = _conversation(customer)
    response = signed_in(app, customer).post(f"/private/{conversation.id}", data={"body": ""})
    assert response.status_code == 400 and "Please write a message." in html(response)


# -- CSRF --------------------------------------------------------------------------------------
def _token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def test_csrf_required_on_moderation_forms(make_app, app, factory, moderator):
    item = flagged_item(app, factory)
    guarded = make_app(MODERATION_ENABLED=True, WTF_CSRF_ENABLED=True)
    with guarded.app_context():
        client = guarded.test_client()
        token = _token(html(client.get("/login")))
        client.post("/login", data={"login": moderator.username, "password": PASSWORD,
                                    "csrf_token": token})
        page = html(client.get("/moderation/queue"))
        forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', page, re.S)
        assert len(forms) >= 5 and all('name="csrf_token"' in body for body in forms)
        assert client.post(f"/moderation/items/{item.id}/approve").status_code == 400
        assert client.post(f"/p/{item.post_id}/flag", data={"reason": "spam"}).status_code == 400
        ok = client.post(f"/moderation/items/{item.id}/approve",
                         data={"csrf_token": _token(page)})
        assert ok.status_code == 303
    db.session.refresh(item)  # decided through the other app's session
    assert item.status is ReviewStatus.APPROVED


def test_hostile_text_is_escaped_on_moderation_pages(app, factory, mod_client, admin):
    hostile = "<script>alert('x')</script> <img src=x onerror=alert(2)>"
    post = published_reply(app, factory, body=hostile)
    moderation.flag_post(post, actor=factory.user(), reason="other", text=hostile)
    item = db.session.scalar(select(ReviewItem))
    pages = [mod_client.get("/moderation/queue"), mod_client.get(f"/moderation/items/{item.id}"),
             mod_client.get(f"/moderation/users/{item.author_id}"),
             signed_in(app, admin).get("/moderation/audit")]
    for response in pages:
        assert response.status_code == 200
        assert "<script>alert" not in html(response) and "<img src=x" not in html(response)
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html(response)
