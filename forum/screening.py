"""The seam between posting and moderation. The forum asks the registered screener about
every submission and publishes, holds or rejects on its answer; it never imports moderation
(the composition root, forum/app.py, registers the real screener)."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import current_app

from forum.models import Post, PostStatus, Thread, User


class SubmissionKind(enum.StrEnum):
    """What is being submitted."""

    NEW_THREAD = "new_thread"
    REPLY = "reply"
    EDIT = "edit"


@dataclass(frozen=True)
class ScreenRequest:
    """A submission as typed, with where it goes."""

    kind: SubmissionKind
    author: User
    title: str
    body: str
    thread: Thread | None = None
    post: Post | None = None


@dataclass
class Screening:
    """The screener's answer. title/body replace what was typed when set: for a published
    submission, the public version (private data removed); for a held or rejected one, what
    the author typed with only card and bank numbers masked. private_followup says private
    details were removed and staff offered a private conversation (a notice beside the post).

    refuse means nothing is stored at all (a muted or suspended author): the service raises
    and the form keeps the text. Otherwise a held or rejected submission is stored, visible
    only to its author and moderators, so it can be fixed and resubmitted.
    """

    status: PostStatus = PostStatus.PUBLISHED
    title: str | None = None
    body: str | None = None
    rules: tuple[str, ...] = ()
    explanation: str = ""
    refuse: bool = False
    private_followup: bool = False
    detail: Any = field(default=None, repr=False)


class Screener(Protocol):
    """What the moderation layer provides."""

    def screen(self, request: ScreenRequest) -> Screening:
        """Decide on a submission before anything is stored."""

    def record(self, request: ScreenRequest, screening: Screening, *, post: Post) -> None:
        """Inside the posting transaction, after the post has an id: queue, audit, follow up."""

    def note(self, post: Post) -> ModerationNote | None:
        """Why a post is held or rejected (rules and explanation), for its author and the API."""

    def redact(self, text: str, *, author: User) -> str:
        """The text as the public may read it. A held or rejected post keeps what its author
        typed (they fix it from there); when it is published, private data goes first."""


@dataclass(frozen=True)
class ModerationNote:
    """The rules a held or rejected post was stopped under, and what the author was told."""

    rules: tuple[str, ...]
    explanation: str


class PublishEverything:
    """The default when no moderation layer is registered."""

    def screen(self, request: ScreenRequest) -> Screening:
        """Publish as typed."""
        return Screening()

    def record(self, request: ScreenRequest, screening: Screening, *, post: Post) -> None:
        """Nothing to record."""

    def note(self, post: Post) -> ModerationNote | None:
        """Nothing is ever held."""
        return None

    def redact(self, text: str, *, author: User) -> str:
        """Nothing to remove."""
        return text


_DEFAULT = PublishEverything()


def screener() -> Screener:
    """The app's screener."""
    return current_app.extensions.get("parley.screener", _DEFAULT)
