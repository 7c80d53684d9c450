"""People: registration, sign-in, profiles, roles, sessions, password resets, API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from forum import mail_queue, names, permissions
from forum.extensions import db
from forum.models import (
    ApiToken,
    Role,
    User,
    utcnow,
)
from forum.services.errors import (
    Conflict,
    ValidationError,
    require,
    require_unrestricted,
)
from forum.services.transaction import commit

USERNAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{2,31}$")
PASSWORD_MIN = 10
COMMON_PASSWORDS = frozenset({
    "password", "password1", "password123", "123456789", "1234567890", "qwertyuiop",
    "iloveyou", "letmein123", "administrator", "welcome123", "passw0rd12", "qwerty1234",
})


def username_key(username: str) -> str:
    """Usernames are unique without regard to case."""
    return username.strip().lower()


def get_user(username: str) -> User | None:
    """Look a user up by name, case-insensitively."""
    return db.session.scalar(select(User).where(User.username_key == username_key(username)))


def _check_username(username: str, *, role: Role = Role.CUSTOMER) -> str:
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise ValidationError(
            "Usernames are 3 to 32 letters, digits, '_', '.' or '-', starting with a letter, "
            "digit or '_'.",
            field="username",
        )
    if get_user(username) is not None:
        raise ValidationError("That username is taken; please choose another.", field="username")
    lookalike = db.session.scalar(
        select(User.username).where(User.username_skeleton == names.skeleton(username)).limit(1)
    )
    if lookalike is not None:
        raise ValidationError(
            f"That username looks too much like @{lookalike}, who is already a member; "
            "please choose one people cannot mistake for theirs.",
            field="username",
        )
    _refuse_claims(username, role=role, field="username")
    return username


def _refuse_claims(name: str, *, role: Role, field: str) -> None:
    """Only people who answer for the brand may carry its name, a staff word or a badge."""
    if role.is_staff_side:
        return
    claim = names.claims(name, current_app.config["BRAND_NAMES"])
    if claim is not None:
        raise ValidationError(
            f"Names that read as {claim} are kept for the brand's own staff, so that nobody "
            "is mistaken for them; please choose another.",
            field=field,
        )


def clean_display_name(display_name: str, *, role: Role) -> str:
    """The display name as people will see it (NFKC, no invisible characters), or an error."""
    cleaned = names.clean_display_name(display_name)
    if cleaned:
        _refuse_claims(cleaned, role=role, field="display_name")
    return cleaned


def _check_email(email: str, *, user: User | None = None) -> str:
    try:
        normalised = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationError(f"That email address is not valid: {exc}", field="email") from exc
    normalised = normalised.lower()
    existing = db.session.scalar(select(User).where(User.email == normalised))
    if existing is not None and (user is None or existing.id != user.id):
        raise ValidationError("An account already uses that email address.", field="email")
    return normalised


def check_password_strength(password: str, *, username: str = "", email: str = "") -> None:
    """Refuse short, common or guessable passwords with a message that says why."""
    if len(password) < PASSWORD_MIN:
        raise ValidationError(
            f"Passwords need at least {PASSWORD_MIN} characters.", field="password"
        )
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 5:
        raise ValidationError("That password is too easy to guess.", field="password")
    for part in (username.lower(), email.lower().split("@")[0]):
        if len(part) >= 3 and part in lowered:
            raise ValidationError(
                "Your password must not contain your username or email.", field="password"
            )


def register_user(
    username: str, email: str, password: str, *, display_name: str = "", role: Role = Role.CUSTOMER
) -> User:
    """Create an account after checking name, email and password strength."""
    username = _check_username(username, role=role)
    display_name = clean_display_name(display_name, role=role)
    email = _check_email(email)
    check_password_strength(password, username=username, email=email)
    user = User(
        username=username,
        username_key=username_key(username),
        email=email,
        password_hash=_hash_password(password),
        display_name=display_name,
        role=role,
    )
    db.session.add(user)
    commit()
    return user


_DUMMY_HASH = None


def _hash_password(password: str) -> str:
    """scrypt by default; tests configure a cheaper method to stay fast."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def account_id_for_login(login: str) -> int | None:
    """The id of the account a typed username or e-mail names (case-insensitive), if any."""
    login = login.strip().lower()
    return db.session.scalar(
        select(User.id).where((User.username_key == login) | (User.email == login))
    )


def authenticate(login: str, password: str) -> User | None:
    """The user whose username or email and password match; None otherwise."""
    global _DUMMY_HASH
    login = login.strip().lower()
    user = db.session.scalar(
        select(User).where((User.username_key == login) | (User.email == login))
    )
    if user is None or user.is_placeholder or not user.password_hash:
        _DUMMY_HASH = _DUMMY_HASH or _hash_password("timing-equaliser")
        check_password_hash(_DUMMY_HASH, password)  # same cost whether or not the user exists
        return None
    return user if check_password_hash(user.password_hash, password) else None


def update_profile(user: User, *, actor: User, display_name: str, bio: str, email: str) -> User:
    """Change the name people see, the bio and the email address (a sanctioned member may
    still correct their email, which nobody else sees, but not their public profile)."""
    require(actor.id == user.id or permissions.can_admin(actor))
    display_name = clean_display_name(display_name, role=user.role)
    public_change = (display_name, bio.strip()[:2000]) != (user.display_name, user.bio)
    if public_change and not permissions.can_edit_profile(actor, user):
        require_unrestricted(actor, "change your display name or bio")
    user.email = _check_email(email, user=user)
    user.display_name = display_name
    user.bio = bio.strip()[:2000]
    commit()
    return user


def change_password(user: User, *, current: str, new: str) -> None:
    """Change a password, proving knowledge of the current one."""
    if not check_password_hash(user.password_hash, current):
        raise ValidationError("Your current password is not right.", field="current_password")
    check_password_strength(new, username=user.username, email=user.email)
    user.password_hash = _hash_password(new)
    end_sessions(user)  # whoever knew the old password is signed out everywhere
    commit()


def set_role(user: User, role: Role, *, actor: User | None) -> User:
    """Give someone a role; actor None means the command line, which is trusted."""
    if actor is not None:
        require(permissions.can_set_roles(actor), "Only admins can change roles.")
        if actor.id == user.id and role is not Role.ADMIN:
            raise Conflict("You cannot remove your own admin role.")
    if user.role is not Role(role):
        end_sessions(user)  # sessions signed in under the old role end with it
    user.role = Role(role)
    if not user.role.is_staff_side and user.display_name and names.claims(
            user.display_name, current_app.config["BRAND_NAMES"]):
        user.display_name = ""  # "Sam (Support)" leaves with the role; the username stays
    commit()
    return user


# -- sessions --------------------------------------------------------------------------------------
def end_sessions(user: User) -> None:
    """End every session and remember-me cookie of this account: the cookies carry the
    session version (User.get_id) and the user loader refuses an old one. Part of the
    caller's change (it does not commit); API tokens are separate and stay."""
    user.session_version = (user.session_version or 0) + 1


def sign_out_everywhere(user: User) -> None:
    """The member's own "sign out everywhere" (and logout): every browser is signed out."""
    end_sessions(user)
    commit()


# -- password reset ----------------------------------------------------------------------------
def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def request_password_reset(email: str, *, reset_url) -> None:
    """Mail a signed, expiring, single-use link; silent when no account has that email."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.is_placeholder:
        return
    token = _reset_serializer().dumps({"uid": user.id, "pw": _password_fingerprint(user)})
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    mail_queue.queue(
        user.email,
        "Reset your Parley password",
        f"Hello {user.name},\n\nSomeone asked to reset the password for {user.username}. "
        f"Open this link within {minutes} minutes to choose a new one:\n\n{reset_url(token)}\n\n"
        "If it was not you, ignore this message; your password stays as it is.\n",
        user_id=user.id, kind="password_reset",
    )
    commit()  # sent after the commit, by the mail queue


def user_for_reset_token(token: str) -> User:
    """The user a reset link is for; raises if the link is forged, used or expired."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ValidationError("This reset link has expired; please ask for a new one.") from exc
    except BadSignature as exc:
        raise ValidationError("This reset link is not valid.") from exc
    user = db.session.get(User, data.get("uid"))
    if user is None or data.get("pw") != _password_fingerprint(user):
        raise ValidationError("This reset link has already been used.")
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; the link stops working once used."""
    user = user_for_reset_token(token)
    check_password_strength(new_password, username=user.username, email=user.email)
    user.password_hash = _hash_password(new_password)
    end_sessions(user)
    commit()
    return user


# -- API tokens --------------------------------------------------------------------------------
def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_token(user: User, *, actor: User | None, name: str = "") -> tuple[ApiToken, str]:
    """Issue a bearer token; the raw value is returned once and only its hash is kept."""
    if actor is not None:
        require_unrestricted(actor, "create API tokens")
        require(permissions.can_create_token(actor, user),
                 "Tokens can only be created for your own account, by you, or by an admin "
                 "for an account under no sanction.")
    else:
        require_unrestricted(user, "create API tokens")
    raw = "prl_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name.strip()[:64] or "token", token_hash=_token_hash(raw),
        prefix=raw[:10],
    )
    db.session.add(token)
    commit()
    return token, raw


def revoke_api_token(token: ApiToken, *, actor: User) -> None:
    """Stop a token from working."""
    require(actor.id == token.user_id or permissions.can_admin(actor))
    token.revoked_at = utcnow()
    commit()


def user_for_token(raw: str) -> User | None:
    """The user a bearer token belongs to, if it is valid and not revoked."""
    token = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == _token_hash(raw), ApiToken.revoked_at.is_(None)
        )
    )
    if token is None:
        return None
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now  # at most one write a minute per token
        commit()
    return token.user
