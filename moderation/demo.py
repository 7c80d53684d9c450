"""Moderation in the demo community (`flask forum seed-demo`, which `make run` runs on first
start): three submissions go through the real posting service and the real engine, so a
newcomer's first look shows each kind of outcome.

- Dan pastes his card number into a reply: the number is removed from the public post, which
  says so, and a private conversation with support opens.
- A new account posts a money-making spam reply with a link: the engine rejects it, citing
  the rule, and the rejection is in the audit log.
- Dan flags Tom's angry (but genuine) complaint as abuse: the flag waits in the review queue,
  where a moderator keeps the post up, because criticism is not abuse.
"""
from __future__ import annotations

import secrets

from sqlalchemy import select

from forum import services as forum_services
from forum.extensions import db
from forum.models import Post
from moderation import services
from moderation.models import FlagReason

PRIVATE_DATA_THREAD = "Do I get money back for days without service in an outage?"
SPAM_THREAD = "Best place for a Wi-Fi booster disc in a three-storey house?"
CRITICISM_THREAD = "Your billing is a joke: charged twice and nobody answers"

PRIVATE_DATA_REPLY = (
    "Still no compensation on my bill. The card I pay with is 4111 1111 1111 1111, can "
    "someone check it went through?"
)
SPAM_REPLY = (
    "Make $500 a day working from home!!! No experience needed, click here "
    "http://easy-cash.example/join and message me on WhatsApp now"
)


def on_demo_seeded(sender, *, people: dict, threads: dict, **_extra) -> str:
    """Post the three examples; the summary phrase for seed-demo."""
    dan = people.get("dan.k")
    needed = (PRIVATE_DATA_THREAD, SPAM_THREAD, CRITICISM_THREAD)
    if not sender.config["MODERATION_ENABLED"]:
        return ""  # unscreened, the examples would simply be published
    if dan is None or any(title not in threads for title in needed):
        return ""
    forum_services.reply(threads[PRIVATE_DATA_THREAD], author=dan, body=PRIVATE_DATA_REPLY)
    spammer = forum_services.register_user(
        "quickcash", "quickcash@example.com", secrets.token_urlsafe(18),
        display_name="Quick Cash",
    )
    forum_services.reply(threads[SPAM_THREAD], author=spammer, body=SPAM_REPLY)
    complaint = db.session.scalar(select(Post).where(
        Post.thread_id == threads[CRITICISM_THREAD].id, Post.number == 1))
    services.flag_post(complaint, actor=dan, reason=FlagReason.ABUSE,
                       text="This is really rude about the company.")
    return "3 moderation examples (a card number removed, a spam reply rejected, a flag to review)"
