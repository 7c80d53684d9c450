"""Forum and moderation signals turned into webhook events. They arrive after the change has
committed, so each listener queues its deliveries and commits them itself."""
from __future__ import annotations

from forum import signals
from forum.models import PostStatus
from moderation import signals as moderation_signals
from support.webhooks import payloads
from support.webhooks.models import WebhookEvent
from support.webhooks.services import publish


def on_thread_published(_app, *, thread, **_extra) -> None:
    """A question went public: thread.created."""
    publish(WebhookEvent.THREAD_CREATED, payloads.thread_created(thread))


def on_post_published(_app, *, post, **_extra) -> None:
    """A reply went public: post.created (a question's opening post is in thread.created)."""
    if post.number > 1 and post.status is PostStatus.PUBLISHED:
        publish(WebhookEvent.POST_CREATED, payloads.post_created(post))


def on_thread_solved(_app, *, thread, post, **_extra) -> None:
    """An answer was accepted: thread.solved."""
    publish(WebhookEvent.THREAD_SOLVED, payloads.thread_solved(thread, post))


def on_post_held(_app, *, post, **verdict) -> None:
    """Moderation held a post (or an edit): post.held, for the brand's own systems."""
    publish(WebhookEvent.POST_HELD, payloads.verdict(post, **_verdict_fields(verdict)))


def on_post_rejected(_app, *, post, **verdict) -> None:
    """Moderation rejected a post (or an edit): post.rejected."""
    publish(WebhookEvent.POST_REJECTED, payloads.verdict(post, **_verdict_fields(verdict)))


def _verdict_fields(kwargs: dict) -> dict:
    return {name: kwargs.get(name, default) for name, default in (
        ("rules", ()), ("reason", ""), ("text", ""), ("source", "screening"),
        ("actor", None), ("edit", False))}


def connect() -> None:
    """Listen to every signal that is an event (blinker keeps one connection per function)."""
    signals.thread_published.connect(on_thread_published)
    signals.post_published.connect(on_post_published)
    signals.thread_solved.connect(on_thread_solved)
    moderation_signals.post_held.connect(on_post_held)
    moderation_signals.post_rejected.connect(on_post_rejected)
