"""Card and bank numbers are never stored in full: after a member posts one, no text column of
any table holds it (the private channel and moderators' snapshots included); the kind and the
last four digits remain, and phones or e-mails moved to the private channel stay as typed."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from forum import services
from forum.extensions import db
from forum.models import Post, PostStatus, Role
from moderation import services as moderation
from moderation.models import PrivateMessage, ReviewItem, TrainingExample
from tests.conftest import login

CARD = "4111 1111 1111 1111"
IBAN = "GB82 WEST 1234 5698 7654 32"
FULL = [re.compile(r"4111[ -]?1111[ -]?1111[ -]?1111"),
        re.compile(r"GB82[ -]?WEST[ -]?1234[ -]?5698[ -]?7654[ -]?32", re.IGNORECASE)]


@pytest.fixture
def moderator(factory):
    """A moderator."""
    return factory.user("mod_one", role=Role.MODERATOR)


def _text_values():
    """(table.column, value) for every text, string and JSON column of every table."""
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns
                   if isinstance(c.type, (sa.String, sa.Text, sa.JSON))]
        for column in columns:
            for (value,) in db.session.execute(select(column).where(column.is_not(None))):
                yield f"{table.name}.{column.name}", str(value)


def _full_numbers() -> list[str]:
    return [where for where, value in _text_values() if any(p.search(value) for p in FULL)]


def test_posted_card_and_iban_are_stored_in_full_nowhere(app, factory, moderator):
    customer, flagger = factory.user(), factory.user()
    thread = factory.thread(body="How do I get a refund for a double charge on my bill?")
    services.reply(thread, author=customer,
                   body=f"Charged twice on my card {CARD}, refund to {IBAN} please. "
                        "Call me on 020 7946 0958.")
    spam = services.reply(thread, author=factory.user(),
                          body=f"Make $500 a day from home!!! click http://easy-cash.example/join "
                               f"and pay the fee with card {CARD}, message me on WhatsApp now")
    published = services.reply(thread, author=factory.user(), body="Same here, twice in May.")
    moderation.flag_post(published, actor=flagger, reason="other", text=f"He posted {CARD}")
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == published.id))
    moderation.reject(item, actor=moderator, rule="R2", message=f"Do not post {CARD}.")
    moderation.appeal(actor=published.author, text=f"My card is {CARD}, it was mine", item=item)
    moderation.nuke_spammer(spam.author, actor=moderator)
    db.session.commit()

    assert db.session.scalar(select(TrainingExample.id)) is not None
    assert _full_numbers() == []
    private = db.session.scalar(select(PrivateMessage).order_by(PrivateMessage.id).limit(1))
    assert "[card ending 1111]" in private.body_source
    assert "[IBAN ending 5432]" in private.body_source
    assert "020 7946 0958" in private.body_source  # moved to the private channel on purpose


@pytest.mark.parametrize("body", [
    f"I was charged twice this month, my card is {CARD}.",
    f"I was charged twice this month on my card ({CARD}).",
    f"I was charged twice this month, my card is {CARD}... any idea why?",
    f"I was charged twice this month. Please refund to {IBAN}.",
])
def test_number_ending_a_sentence_never_shown_on_the_public_page(app, factory, body):
    author = factory.user()
    thread = factory.thread(body="Why was I charged twice for the same month?")
    web = app.test_client()
    login(web, author)
    assert web.post(f"/t/{thread.id}/reply", data={"body": body}).status_code == 303
    post = db.session.scalar(select(Post).where(Post.author_id == author.id))
    assert post.status is PostStatus.PUBLISHED and post.details_removed
    page = app.test_client().get(f"/t/{thread.id}").get_data(as_text=True)
    assert "charged twice this month" in page
    assert not any(p.search(page) for p in FULL)
    assert _full_numbers() == []


def test_edit_adding_a_card_ending_a_sentence_is_redacted_on_the_public_page(app, factory):
    author = factory.user()
    thread = factory.thread(body="Why was I charged twice for the same month?")
    post = factory.reply(thread, author, body="Same here, I was charged twice in May.")
    services.edit_post(post, actor=author,
                       body=f"Same here, I was charged twice in May on my card {CARD}.")
    assert post.status is PostStatus.PUBLISHED and post.details_removed
    page = app.test_client().get(f"/t/{thread.id}").get_data(as_text=True)
    assert "charged twice in May on my card" in page
    assert not any(p.search(page) for p in FULL) and _full_numbers() == []
