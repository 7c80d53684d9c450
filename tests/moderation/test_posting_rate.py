"""Posting rate through the real posting paths (issue 10): an active helper at trust 2 answers
ten questions in ten minutes and none is held, while a new account's burst still is, at the
limits the engine's settings give each trust level."""
from datetime import timedelta

from sqlalchemy import select

from forum import services
from forum.extensions import db
from forum.models import Post, PostStatus, utcnow
from moderation import services as moderation
from moderation.engine import trust
from moderation.models import ReviewItem
from moderation.runtime import current_config
from tests.conftest import login

ANSWERS = [
    "Unplug the router for thirty seconds, then plug it back in and wait for the green light.",
    "Go to Settings, then Network, and turn off the five gigahertz band; old laptops miss it.",
    "Your bill shows the old plan because the change starts with the next billing cycle.",
    "Try a different cable between the modem and the router; a loose one causes these drops.",
    "The app needs location permission to find the device the first time; turn it off later.",
    "Open the admin page at the address on the label and update the firmware from System.",
    "That error means the line is not activated yet; it usually clears within a day or so.",
    "You can move the appointment from the Orders page; pick a new slot and confirm the code.",
    "Set the channel to automatic and restart; the neighbours were probably on the same one.",
    "Sign out of the app, clear its cache in your phone settings and sign in again, it works.",
]
QUESTIONS = [
    ("Router drops every evening", "Since the update my router drops the connection at night."),
    ("Laptop cannot see the network", "My old laptop does not list our wifi, the phone does."),
    ("Bill still shows the old plan", "I changed plans last week but the bill has the old price."),
    ("Connection cuts out for a minute", "Every hour or so the internet stops for a minute."),
    ("Why does the app want my location?", "Setting up the camera, the app asks for location."),
    ("How do I update the firmware?", "Support told me to update the firmware, where is it?"),
    ("Error 651 after installation", "The engineer left yesterday and now I see error 651."),
    ("Can I move my appointment?", "I cannot be home on Friday for the visit, what now?"),
    ("Slow speeds at night only", "Speed tests are fine in the morning and awful after 8pm."),
    ("App keeps logging me out", "The account app signs me out every time I open it."),
    ("Where is my order?", "Tracking has not changed for four days, is it lost?"),
    ("Parental controls on one device", "Can I set a bedtime for my son's tablet only?"),
]
THANKS = [
    "Thanks, that fixed my modem as well after the storm last night.",
    "Same here with my laptop, the five gigahertz setting was the culprit.",
    "Good to know about the billing cycle, I was worried I had been charged twice.",
    "Swapping the cable helped me too, the old one had a bent pin inside.",
    "I had to allow location once as well, afterwards it kept working without it.",
    "Updating the firmware solved the evening drops in my flat too.",
]


def _earned_member(factory):
    """A member who has earned trust 2 (member) the way trust.py computes it: old enough and
    with enough posts (the counter the posting service keeps), never sanctioned."""
    requirement = trust.TrustConfig().requirements[trust.MEMBER]
    helper = factory.user("helper")
    helper.created_at = utcnow() - timedelta(days=requirement.min_days + 1)
    helper.post_count = requirement.min_posts
    db.session.commit()
    return helper


def _questions(factory, count: int):
    """One question from each of `count` askers (one asker's burst would itself be held)."""
    return [factory.thread(factory.user(), title=title, body=body)
            for title, body in QUESTIONS[:count]]


def test_posting_rate_trust_two_helper_answering_ten_questions_in_ten_minutes_none_held(
        factory):
    helper = _earned_member(factory)
    threads = _questions(factory, len(ANSWERS))
    posts = [services.reply(t, author=helper, body=body)
             for t, body in zip(threads, ANSWERS, strict=True)]
    assert moderation.standing(helper).trust_level == trust.MEMBER  # earned, not assigned
    assert [p.status for p in posts] == [PostStatus.PUBLISHED] * len(ANSWERS)
    assert db.session.scalar(select(ReviewItem)) is None
    assert all(t.reply_count == 1 for t in threads)


def test_posting_rate_trust_two_helper_through_the_web_with_rate_limits_on_none_held(
        make_app, app, factory):
    helper = _earned_member(factory)
    threads = _questions(factory, len(ANSWERS))
    limited = make_app(MODERATION_ENABLED=True, RATELIMIT_ENABLED=True)
    with limited.app_context():
        client = limited.test_client()
        login(client, helper)
        codes = [client.post(f"/t/{t.id}/reply", data={"body": body}).status_code
                 for t, body in zip(threads, ANSWERS, strict=True)]
        statuses = db.session.scalars(
            select(Post.status).where(Post.author_id == helper.id)).all()
    assert codes == [303] * len(ANSWERS)
    assert statuses == [PostStatus.PUBLISHED] * len(ANSWERS)


def test_posting_rate_new_account_post_after_the_limit_in_ten_minutes_is_held(factory):
    config = current_config()
    limit = config.rate_limits[trust.NEW]
    assert limit is not None and config.rate_window_seconds == 600
    threads = _questions(factory, limit + 2)
    newcomer = factory.user("newcomer")
    posts = [services.reply(t, author=newcomer, body=body)
             for t, body in zip(threads, THANKS[:limit + 2], strict=True)]
    assert moderation.standing(newcomer).trust_level == trust.NEW
    assert [p.status for p in posts[:limit]] == [PostStatus.PUBLISHED] * limit
    assert [p.status for p in posts[limit:]] == [PostStatus.HELD] * 2
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == posts[limit].id))
    assert "spam.rate" in item.scores and item.rules == ["R2"]
    assert f"may post {limit}" in item.explanation
