"""What a use case raises when it refuses, and the guards that raise it."""
from __future__ import annotations

from forum import permissions
from forum.models import User


class ServiceError(Exception):
    """A use case refused: code for machines, message for people, field for forms."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(ServiceError):
    """The input is wrong; the message says how to fix it."""

    code = "invalid"
    status = 400


class TooComplex(ValidationError):
    """The text is within the length limit but too deeply nested, has too many links or
    table rows, or takes too long to render; the message names which."""

    code = "too_complex"
    status = 400


class PermissionDenied(ServiceError):
    """The actor may not do this."""

    code = "forbidden"
    status = 403


class PostingRefused(PermissionDenied):
    """Moderation refuses any posting right now (a mute, suspension or ban); the message
    names the rule, and the form keeps the text. The code is the sanction's own
    (account_muted, ...), as every other refusal of a sanctioned member says."""

    def __init__(self, message: str, *, restriction=None):
        super().__init__(message)
        if restriction is not None:
            self.code = restriction.error_code


class AccountRestricted(PermissionDenied):
    """A mute, suspension or ban stops this action; the message names the sanction, its
    rule and end, and the code says which (account_muted, account_suspended, ...)."""

    def __init__(self, restriction, doing: str):
        super().__init__(restriction.refusal(doing))
        self.code = restriction.error_code
        self.restriction = restriction


def require_unrestricted(user: User | None, doing: str) -> None:
    """Refuse with the sanction's own explanation when one applies to this member."""
    found = permissions.restriction(user)
    if found is not None:
        raise AccountRestricted(found, doing)


class NotFound(ServiceError):
    """The thing asked for does not exist (or is not visible)."""

    code = "not_found"
    status = 404


class Conflict(ServiceError):
    """The request clashes with the current state."""

    code = "conflict"
    status = 409


def require(allowed: bool, message: str = "You are not allowed to do that.") -> None:
    """Refuse with PermissionDenied unless the check passed."""
    if not allowed:
        raise PermissionDenied(message)
