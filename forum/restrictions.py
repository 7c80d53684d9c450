"""The seam between the forum and sanctions. The forum asks the registered source "what
restriction applies to this member now?" and answers its permission questions with the
reply; it never imports moderation (the composition root, forum/app.py, registers the real
source). The answer is looked up once per request at most (cached on flask.g)."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import current_app, g, has_app_context, has_request_context

from forum.models import User

_CACHE = "_parley_restrictions"


class RestrictionKind(enum.StrEnum):
    """How far a sanction reaches: a mute stops acting, a suspension or ban also signs out."""

    MUTE = "mute"
    SUSPENSION = "suspension"
    BAN = "ban"


@dataclass(frozen=True)
class Restriction:
    """A sanction as the forum sees it: what it is, the rule it cites, until when, and where
    the member appeals it (a link that works signed out, for suspensions and bans)."""

    kind: RestrictionKind
    rule_code: str
    rule_title: str
    reason: str
    ends_at: datetime | None
    appeal_url: str

    @property
    def signs_out(self) -> bool:
        """Suspended and banned members cannot be signed in at all."""
        return self.kind in (RestrictionKind.SUSPENSION, RestrictionKind.BAN)

    @property
    def error_code(self) -> str:
        """The JSON error code the API answers with."""
        return {RestrictionKind.MUTE: "account_muted",
                RestrictionKind.SUSPENSION: "account_suspended",
                RestrictionKind.BAN: "account_banned"}[self.kind]

    @property
    def adjective(self) -> str:
        """'muted', 'suspended', 'banned'."""
        return {RestrictionKind.MUTE: "muted", RestrictionKind.SUSPENSION: "suspended",
                RestrictionKind.BAN: "banned"}[self.kind]

    @property
    def until(self) -> str:
        """When it ends, in words people read."""
        if self.ends_at is None:
            return "permanent"
        return f"until {self.ends_at:%Y-%m-%d %H:%M} UTC"

    @property
    def rule(self) -> str:
        """'R1 (Be respectful)'."""
        return f"{self.rule_code} ({self.rule_title})" if self.rule_title else self.rule_code

    def refusal(self, doing: str) -> str:
        """Why one action is refused, e.g. refusal("vote")."""
        return (f"You cannot {doing} while your account is {self.adjective} "
                f"({self.until}) under {self.rule}: {self.reason} You can appeal it.")

    def summary(self) -> str:
        """One sentence for the API and sign-in refusals."""
        return (f"This account is {self.adjective} ({self.until}) under {self.rule}: "
                f"{self.reason} Appeal: {self.appeal_url}")


class RestrictionSource(Protocol):
    """What the moderation layer provides."""

    def restriction(self, user: User) -> Restriction | None:
        """The mute, suspension or ban that applies to this member now, if any."""


class NoRestrictions:
    """The default when no moderation layer is registered."""

    def restriction(self, user: User) -> Restriction | None:
        """Nobody is ever restricted."""
        return None


_DEFAULT = NoRestrictions()


def source() -> RestrictionSource:
    """The app's restriction source (none outside an app, e.g. pure unit tests)."""
    if not has_app_context():
        return _DEFAULT
    return current_app.extensions.get("parley.restrictions", _DEFAULT)


def current(user: User | None) -> Restriction | None:
    """The restriction on this member now, asked at most once per request per member."""
    if user is None or getattr(user, "id", None) is None:
        return None
    if not has_request_context():
        return source().restriction(user)
    cache = g.setdefault(_CACHE, {})
    if user.id not in cache:
        cache[user.id] = source().restriction(user)
    return cache[user.id]


def forget(user_id: int | None = None) -> None:
    """Drop cached answers (one member's after a sanction changes; all at a request's start,
    since tests and CLI code may share one app context between requests)."""
    if not has_app_context():
        return
    if user_id is None:
        g.pop(_CACHE, None)
    else:
        g.get(_CACHE, {}).pop(user_id, None)
