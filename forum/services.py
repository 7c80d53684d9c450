"""The forum's use cases. Each public function is one use case and commits once.

Callers pass the acting person keyword-only. Failures raise ServiceError subclasses carrying
a code, a message fit to show, and (for form errors) the field at fault.
"""
from __future__ import annotations

import atexit
import hashlib
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.security import check_password_hash, generate_password_hash

from forum import mail, names, permissions, rendering, screening, search
from forum.extensions import db
from forum.models import (
    ApiToken,
    Category,
    Notification,
    NotificationKind,
    Post,
    PostRevision,
    PostStatus,
    RevisionStatus,
    Role,
    Subscription,
    Thread,
    User,
    Vote,
    utcnow,
)
from forum.queries import id_or_none
from forum.screening import Screening, ScreenRequest, SubmissionKind

USERNAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{2,31}$")
TITLE_MIN, TITLE_MAX = 8, 200
PASSWORD_MIN = 10
NUMBER_ATTEMPTS = 5  # tries at a reply whose post number a concurrent reply took
COMMON_PASSWORDS = frozenset({
    "password", "password1", "password123", "123456789", "1234567890", "qwertyuiop",
    "iloveyou", "letmein123", "administrator", "welcome123", "passw0rd12", "qwerty1234",
})


# -- errors ------------------------------------------------------------------------------------
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


def _require(allowed: bool, message: str = "You are not allowed to do that.") -> None:
    if not allowed:
        raise PermissionDenied(message)


# -- committing --------------------------------------------------------------------------------
def _commit(*threads: Thread) -> None:
    """Record search changes in the transaction, commit once, then let search catch up."""
    db.session.flush()
    for thread in threads:
        search.record(db.session, "thread", thread.id)
    db.session.commit()
    if threads:
        search.after_commit(db.session)


# -- people ------------------------------------------------------------------------------------
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
    _commit()
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
    _require(actor.id == user.id or permissions.can_admin(actor))
    display_name = clean_display_name(display_name, role=user.role)
    public_change = (display_name, bio.strip()[:2000]) != (user.display_name, user.bio)
    if public_change and not permissions.can_edit_profile(actor, user):
        require_unrestricted(actor, "change your display name or bio")
    user.email = _check_email(email, user=user)
    user.display_name = display_name
    user.bio = bio.strip()[:2000]
    _commit()
    return user


def change_password(user: User, *, current: str, new: str) -> None:
    """Change a password, proving knowledge of the current one."""
    if not check_password_hash(user.password_hash, current):
        raise ValidationError("Your current password is not right.", field="current_password")
    check_password_strength(new, username=user.username, email=user.email)
    user.password_hash = _hash_password(new)
    end_sessions(user)  # whoever knew the old password is signed out everywhere
    _commit()


def set_role(user: User, role: Role, *, actor: User | None) -> User:
    """Give someone a role; actor None means the command line, which is trusted."""
    if actor is not None:
        _require(permissions.can_set_roles(actor), "Only admins can change roles.")
        if actor.id == user.id and role is not Role.ADMIN:
            raise Conflict("You cannot remove your own admin role.")
    if user.role is not Role(role):
        end_sessions(user)  # sessions signed in under the old role end with it
    user.role = Role(role)
    if not user.role.is_staff_side and user.display_name and names.claims(
            user.display_name, current_app.config["BRAND_NAMES"]):
        user.display_name = ""  # "Sam (Support)" leaves with the role; the username stays
    _commit()
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
    _commit()


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
    mail.send(
        user.email,
        "Reset your Parley password",
        f"Hello {user.name},\n\nSomeone asked to reset the password for {user.username}. "
        f"Open this link within {minutes} minutes to choose a new one:\n\n{reset_url(token)}\n\n"
        "If it was not you, ignore this message; your password stays as it is.\n",
    )


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
    _commit()
    return user


# -- API tokens --------------------------------------------------------------------------------
def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_token(user: User, *, actor: User | None, name: str = "") -> tuple[ApiToken, str]:
    """Issue a bearer token; the raw value is returned once and only its hash is kept."""
    if actor is not None:
        require_unrestricted(actor, "create API tokens")
        _require(permissions.can_create_token(actor, user),
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
    _commit()
    return token, raw


def revoke_api_token(token: ApiToken, *, actor: User) -> None:
    """Stop a token from working."""
    _require(actor.id == token.user_id or permissions.can_admin(actor))
    token.revoked_at = utcnow()
    _commit()


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
        _commit()
    return token.user


# -- categories --------------------------------------------------------------------------------
def slugify(text: str) -> str:
    """A URL-safe slug: lower-case words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "category"


def _check_category_name(name: str, *, current: Category | None = None) -> str:
    name = name.strip()
    if not 2 <= len(name) <= 64:
        raise ValidationError("Category names are 2 to 64 characters.", field="name")
    clash = db.session.scalar(
        select(Category).where(func.lower(Category.name) == name.lower())
    )
    if clash is not None and clash is not current:
        raise ValidationError("A category with that name exists.", field="name")
    return name


def _unique_slug(name: str, current: Category | None = None) -> str:
    base = slugify(name)
    slug, n = base, 2
    while True:
        clash = db.session.scalar(select(Category).where(Category.slug == slug))
        if clash is None or clash is current:
            return slug
        slug, n = f"{base}-{n}", n + 1


def create_category(name: str, description: str = "", *, actor: User | None) -> Category:
    """Add a category at the end of the list."""
    if actor is not None:
        _require(permissions.can_manage_categories(actor), "Only admins manage categories.")
    name = _check_category_name(name)
    last = db.session.scalar(select(func.max(Category.position))) or 0
    category = Category(
        name=name, slug=_unique_slug(name), description=description.strip(), position=last + 1
    )
    db.session.add(category)
    _commit()
    return category


def update_category(
    category: Category, *, actor: User | None, name: str, description: str
) -> Category:
    """Rename or re-describe a category; its slug follows the name."""
    if actor is not None:
        _require(permissions.can_manage_categories(actor), "Only admins manage categories.")
    category.name = _check_category_name(name, current=category)
    category.slug = _unique_slug(category.name, current=category)
    category.description = description.strip()
    _commit()
    return category


def move_category(category: Category, offset: int, *, actor: User | None) -> None:
    """Move a category up (offset -1) or down (+1) in the list."""
    if actor is not None:
        _require(permissions.can_manage_categories(actor), "Only admins manage categories.")
    ordered = list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))
    index = ordered.index(category)
    target = max(0, min(len(ordered) - 1, index + offset))
    ordered.insert(target, ordered.pop(index))
    for position, item in enumerate(ordered, start=1):
        item.position = position
    _commit()


def list_categories() -> list[Category]:
    """Categories in their display order."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))


def find_category(ref: int | str | None) -> Category | None:
    """A category by id, slug or name; None if ref is None or unknown."""
    if ref is None or ref == "":
        return None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        number = id_or_none(ref)  # past the integer column no row exists (driver overflow)
        return db.session.get(Category, number) if number is not None else None
    return db.session.scalar(
        select(Category).where(
            (Category.slug == str(ref).lower()) | (func.lower(Category.name) == str(ref).lower())
        )
    )


# -- posting -----------------------------------------------------------------------------------
def _check_title(title: str) -> str:
    if len(title or "") > TITLE_MAX:
        raise ValidationError(f"Titles are at most {TITLE_MAX} characters.", field="title")
    title = " ".join((title or "").split())
    if len(title.replace(" ", "")) < TITLE_MIN:  # the API document states the same rule
        raise ValidationError(
            f"Please make the title a full question of at least {TITLE_MIN} characters.",
            field="title",
        )
    if len(title) > TITLE_MAX:
        raise ValidationError(f"Titles are at most {TITLE_MAX} characters.", field="title")
    return title


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError("Please write something in the body.", field="body")
    limit = current_app.config["MAX_POST_LENGTH"]
    if len(body) > limit:
        raise ValidationError(f"Posts are at most {limit} characters.", field="body")
    check_complexity(body)
    return body


def render_limits() -> rendering.Limits:
    """The renderer's limits from the app config (RENDER_MAX_*, RENDER_TIME_BUDGET)."""
    return rendering.Limits.from_config(current_app.config)


def check_complexity(body: str) -> None:
    """Refuse, before screening or rendering, a text the renderer would refuse anyway."""
    try:
        rendering.check_complexity(body, render_limits())
    except rendering.TooComplex as exc:
        raise TooComplex(exc.message, field="body") from None


def render_markdown(body: str, known_users=()) -> str:
    """Every rendered text goes through here: the configured limits, and a refusal the
    forms and the API show as a 400 that keeps the author's text."""
    try:
        return rendering.render(body, known_users, limits=render_limits())
    except rendering.TooComplex as exc:
        raise TooComplex(exc.message, field="body") from None


def _render(body: str) -> tuple[str, list[User]]:
    """Render Markdown and resolve @mentions to existing people."""
    names = rendering.mentioned_names(body)
    users = (
        list(db.session.scalars(
            select(User).where(User.username_key.in_(names), User.is_placeholder.is_(False))
        ))
        if names
        else []
    )
    targets = rendering.mention_targets(body, {u.username for u in users})
    users = [u for u in users if u.username_key in targets]
    html = render_markdown(body, [u.username for u in users])
    return html, users


def _existing_for_token(author: User, client_token: str | None) -> Post | None:
    if not client_token:
        return None
    return db.session.scalar(
        select(Post).where(Post.author_id == author.id, Post.client_token == client_token)
    )


def _follow(user: User, thread: Thread) -> None:
    exists = db.session.scalar(
        select(Subscription.id).where(
            Subscription.user_id == user.id, Subscription.thread_id == thread.id
        )
    )
    if exists is None:
        db.session.add(Subscription(user_id=user.id, thread_id=thread.id))


def _notify(user_ids, kind: NotificationKind, *, actor: User, thread: Thread, post: Post,
            when: datetime | None = None) -> None:
    for uid in user_ids:
        db.session.add(
            Notification(user_id=uid, kind=kind, actor_id=actor.id, thread_id=thread.id,
                         post_id=post.id, created_at=when or utcnow())
        )


def _retry_duplicate(author: User, client_token: str | None) -> Post | None:
    """After a unique-token clash (a double-click raced us), the post that won."""
    db.session.rollback()
    return _existing_for_token(author, client_token)


def create_thread(
    *,
    author: User,
    title: str,
    body: str,
    category: Category | None,
    client_token: str | None = None,
    created_at: datetime | None = None,
) -> Thread:
    """Ask a question. The same client_token twice returns the first thread (double-click).

    The moderation screener decides first: the thread is published, held for review or
    rejected (kept, visible only to its author, who can fix and resubmit it).
    """
    _require(permissions.can_post(author), "Please sign in to ask a question.")
    existing = _existing_for_token(author, client_token)
    if existing is not None:
        return existing.thread
    title, body = _check_title(title), _check_body(body)
    if category is None:
        raise ValidationError("Please choose a category.", field="category")
    request = ScreenRequest(SubmissionKind.NEW_THREAD, author, title, body)
    verdict = _screen(request)
    title, body = verdict.title or title, verdict.body or body
    html, mentioned = _render(body)
    when = created_at or utcnow()
    published = verdict.status is PostStatus.PUBLISHED
    thread = Thread(
        title=title, category_id=category.id, author_id=author.id, created_at=when,
        last_activity_at=when, status=verdict.status, published_at=when if published else None,
    )
    db.session.add(thread)
    db.session.flush()
    post = Post(
        thread_id=thread.id, number=1, author_id=author.id, body_source=body, body_html=html,
        client_token=client_token or None, created_at=when, status=verdict.status,
        details_removed=published and verdict.private_followup,
    )
    db.session.add(post)
    db.session.flush()
    db.session.add(PostRevision(post_id=post.id, number=1, editor_id=author.id, title=title,
                                body_source=body, created_at=when))
    _follow(author, thread)
    if published:
        _count_published(post, +1)
        _notify({u.id for u in mentioned} - {author.id}, NotificationKind.MENTION, actor=author,
                thread=thread, post=post)
    screening.screener().record(request, verdict, post=post)
    try:
        _commit(thread)
    except IntegrityError:
        winner = _retry_duplicate(author, client_token)
        if winner is None:
            raise
        return winner.thread
    return thread


def _screen(request: ScreenRequest) -> Screening:
    """Ask moderation; a refusal (muted, suspended) stores nothing and says why."""
    verdict = screening.screener().screen(request)
    if verdict.refuse:
        raise PostingRefused(verdict.explanation or "You cannot post right now.",
                             restriction=permissions.restriction(request.author))
    return verdict


def _count_published(post: Post, sign: int) -> None:
    """Keep counters right when a post becomes visible (+1) or stops being visible (-1)."""
    thread = post.thread if post.thread is not None else db.session.get(Thread, post.thread_id)
    author = post.author if post.author is not None else db.session.get(User, post.author_id)
    # Increments run in SQL (x = x + 1) so concurrent posters never lose a count.
    author.post_count = User.post_count + sign
    if post.number == 1:
        category = db.session.get(Category, thread.category_id)
        category.thread_count = Category.thread_count + sign
    else:
        thread.reply_count = Thread.reply_count + sign


def reply(
    thread: Thread,
    *,
    author: User,
    body: str,
    client_token: str | None = None,
    created_at: datetime | None = None,
) -> Post:
    """Answer in a thread; once published, followers and mentioned people are notified.

    Replies racing into one thread must not share a post number: each takes the thread's row
    lock and numbers its post inside the INSERT; should two still clash, the unique index on
    (thread_id, number) refuses the later one, which is rolled back and tried again.
    """
    _require(permissions.can_reply(author, thread), "You cannot reply to this thread.")
    existing = _existing_for_token(author, client_token)
    if existing is not None:
        return existing
    body = _check_body(body)
    request = ScreenRequest(SubmissionKind.REPLY, author, thread.title, body, thread=thread)
    verdict = _screen(request)
    draft = _ReplyDraft(request, verdict, verdict.body or body, client_token,
                        created_at or utcnow())
    attempt = 1
    while True:
        try:
            return _store_reply(draft)
        except IntegrityError as exc:
            winner = _retry_duplicate(author, client_token)  # rolls the attempt back
            if winner is not None:
                return winner
            if not _number_clash(exc) or attempt >= NUMBER_ATTEMPTS:
                raise
            attempt += 1


@dataclass
class _ReplyDraft:
    """A screened reply, kept across attempts so a retry does not screen it again."""

    request: ScreenRequest
    verdict: Screening
    body: str
    client_token: str | None
    when: datetime


def _lock_thread(thread_id: int) -> None:
    """Hold the thread's row until commit (PostgreSQL), so that replies into one thread take
    their numbers one after another; SQLite, with its single writer, needs no lock."""
    db.session.execute(select(Thread.id).where(Thread.id == thread_id).with_for_update())


def _next_number(thread_id: int):
    """The next post number, worked out inside the INSERT itself, so that no other reply can
    take it between reading and writing; should one still (a writer that skipped the thread
    lock), the unique index refuses the later insert and reply tries again."""
    return (
        select(func.coalesce(func.max(Post.number), 0) + 1)
        .where(Post.thread_id == thread_id)
        .scalar_subquery()
    )


def _number_clash(exc: IntegrityError) -> bool:
    """Whether the insert lost the race for a post number (and may simply try again)."""
    message = str(exc.orig)
    return "uq_posts_thread_number" in message or "posts.thread_id, posts.number" in message


def _store_reply(draft: _ReplyDraft) -> Post:
    """Number, store and commit a screened reply: one attempt of the reply use case."""
    thread, author = draft.request.thread, draft.request.author
    html, mentioned = _render(draft.body)
    _lock_thread(thread.id)
    post = Post(
        thread_id=thread.id, number=_next_number(thread.id), author_id=author.id,
        body_source=draft.body, body_html=html, client_token=draft.client_token or None,
        created_at=draft.when, status=draft.verdict.status,
        details_removed=(draft.verdict.status is PostStatus.PUBLISHED
                         and draft.verdict.private_followup),
    )
    db.session.add(post)
    db.session.flush()
    db.session.add(PostRevision(post_id=post.id, number=1, editor_id=author.id,
                                body_source=draft.body, created_at=draft.when))
    if draft.verdict.status is PostStatus.PUBLISHED:
        _on_reply_published(post, mentioned, draft.when)
    _follow(author, thread)
    screening.screener().record(draft.request, draft.verdict, post=post)
    _commit(thread)
    return post


def _on_reply_published(post: Post, mentioned: list[User], when: datetime) -> None:
    """A reply became visible: counters, response times, notifications."""
    thread, author = post.thread, post.author
    _count_published(post, +1)
    thread.last_activity_at = max(thread.last_activity_at, when)
    if thread.first_reply_at is None and author.id != thread.author_id:
        thread.first_reply_at = when
    if author.is_staff_side and thread.first_staff_reply_at is None:
        thread.first_staff_reply_at = when
    _notify_reply(thread, post, author, mentioned)


def _notify_reply(thread: Thread, post: Post, author: User, mentioned: list[User]) -> None:
    mentioned_ids = {u.id for u in mentioned} - {author.id}
    # dated like the post: an imported or back-dated reply is not news from "just now"
    _notify(mentioned_ids, NotificationKind.MENTION, actor=author, thread=thread, post=post,
            when=post.created_at)
    # Every other follower in one INSERT ... SELECT: a popular thread has hundreds, and an
    # object (and a row of parameters) each made a reply cost more the more people followed.
    columns = Notification.__table__.c
    db.session.execute(insert(Notification).from_select(
        ["user_id", "kind", "actor_id", "thread_id", "post_id", "message", "created_at"],
        select(
            Subscription.user_id,
            literal(NotificationKind.REPLY, columns.kind.type),
            literal(author.id), literal(thread.id), literal(post.id), literal(""),
            literal(post.created_at, columns.created_at.type),
        ).where(Subscription.thread_id == thread.id,
                Subscription.user_id.not_in(mentioned_ids | {author.id})),
    ))


def edit_post(post: Post, *, actor: User, body: str, title: str | None = None) -> Post:
    """Change a post; every edit keeps a revision, and a question's title may change too.

    An author's edit is screened again: a rejected post that now passes is published (fix and
    resubmit). An edit of a published post that is held or rejected never takes the post down:
    it waits as a pending revision (or is kept, rejected, for its author to fix) while the
    published version stays up. A moderator's edit of someone else's post is trusted.
    """
    _require(permissions.can_edit(actor, post), "You can only edit your own posts.")
    body = _check_body(body)
    thread = post.thread
    new_title = _check_title(title) if (post.is_question and title is not None) else None
    if body == post.body_source and (new_title is None or new_title == thread.title):
        return post
    request = ScreenRequest(SubmissionKind.EDIT, post.author, new_title or thread.title, body,
                            thread=thread, post=post)
    verdict = Screening() if actor.id != post.author_id else _screen(request)
    new_title = (verdict.title or new_title) if new_title is not None else None
    if post.status is PostStatus.PUBLISHED and verdict.status is not PostStatus.PUBLISHED:
        _propose_revision(post, editor=actor, body=verdict.body or body, title=new_title,
                          status=_PROPOSAL[verdict.status])
    else:
        revise_post(post, editor=actor, body=verdict.body or body, title=new_title)
        post.details_removed = post.details_removed or (
            verdict.private_followup and verdict.status is PostStatus.PUBLISHED)
        if post.status is not PostStatus.HELD:
            set_visibility(post, verdict.status)
    screening.screener().record(request, verdict, post=post)
    _commit(thread)
    return post


_PROPOSAL = {PostStatus.HELD: RevisionStatus.PENDING, PostStatus.REJECTED: RevisionStatus.REJECTED}


def revise_post(post: Post, *, editor: User, body: str, title: str | None = None) -> None:
    """Apply an edit as a new revision inside the caller's use case (no screening, no
    commit): the moderation layer uses it to edit-and-approve. It supersedes any held or
    rejected proposal (which takes the same revision number)."""
    body = _check_body(body)
    thread = post.thread
    if title is not None and post.is_question:
        thread.title = _check_title(title)
    revision = draft_revision(post) or PostRevision(post_id=post.id)
    revision.number, revision.editor_id, revision.status = (
        post.revision_count + 1, editor.id, RevisionStatus.APPLIED)
    revision.title = thread.title if post.is_question else None
    revision.body_source, revision.created_at = body, utcnow()
    _apply_text(post, body, revision.created_at)
    db.session.add(revision)


def _apply_text(post: Post, body: str, when: datetime) -> None:
    post.body_source, post.body_html = body, _render(body)[0]
    post.edited_at = when
    post.revision_count += 1
    search.record(db.session, "thread", post.thread_id)


def _propose_revision(post: Post, *, editor: User, body: str, title: str | None,
                      status: RevisionStatus) -> PostRevision:
    """Keep a held (pending) or rejected edit beside the published text, which stays up."""
    revision = draft_revision(post) or PostRevision(post_id=post.id)
    revision.number, revision.editor_id, revision.status = (
        post.revision_count + 1, editor.id, status)
    revision.title = title if post.is_question else None
    revision.body_source, revision.created_at = body, utcnow()
    db.session.add(revision)
    return revision


def draft_revision(post: Post) -> PostRevision | None:
    """The edit not (yet) applied to a post: one waiting for review, or one turned down and
    kept so its author can fix it. None when the post's text is its latest version."""
    return db.session.scalar(select(PostRevision).where(
        PostRevision.post_id == post.id, PostRevision.number == post.revision_count + 1,
        PostRevision.status != RevisionStatus.APPLIED))


def pending_revision(post: Post) -> PostRevision | None:
    """A held edit of a published post, waiting for a moderator."""
    draft = draft_revision(post)
    return draft if draft is not None and draft.status is RevisionStatus.PENDING else None


def apply_pending_revision(post: Post) -> PostRevision | None:
    """A moderator approved a held edit: it becomes the post's text (part of the caller's use
    case). Returns the revision applied, or None when no edit was waiting."""
    revision = pending_revision(post)
    return None if revision is None else _apply_revision(post, revision)


def apply_turned_down_revision(post: Post, *, body: str,
                               stored: Callable[[str], str] = str) -> PostRevision | None:
    """A turned-down edit was overturned on appeal: the edit its author proposed becomes the
    post's text, exactly as if a moderator had released it from the queue. `body` is the
    text the decision was about, as the caller stored it; `stored` turns the proposal into
    that form (moderation masks card and bank numbers), so a proposal that differs from it
    only by that masking is the same edit, applied in the stored form. A later proposal (the
    author edited again) is left to its own review. Returns the revision applied, or None
    when that edit is not waiting."""
    revision = draft_revision(post)
    if (revision is None or revision.status is not RevisionStatus.REJECTED
            or stored(revision.body_source) != body):
        return None
    revision.body_source = body
    if revision.title is not None:
        revision.title = stored(revision.title)
    return _apply_revision(post, revision)


def _apply_revision(post: Post, revision: PostRevision) -> PostRevision:
    """Make an unapplied edit the post's text, with private data removed for the public."""
    redact = screening.screener().redact
    if revision.title is not None and post.is_question:
        revision.title = post.thread.title = redact(revision.title, author=post.author)
    public = redact(revision.body_source, author=post.author)
    post.details_removed = post.details_removed or public != revision.body_source
    revision.status, revision.body_source = RevisionStatus.APPLIED, public
    _apply_text(post, public, utcnow())
    return revision


def discard_pending_revision(post: Post) -> PostRevision | None:
    """A moderator turned a held edit down: the published version stays, the proposal is kept
    (rejected) for its author to fix. Returns it, or None when no edit was waiting."""
    revision = pending_revision(post)
    if revision is not None:
        revision.status = RevisionStatus.REJECTED
    return revision


def set_visibility(post: Post, status: PostStatus) -> None:
    """Move a post between published, held and rejected, keeping counters, the thread's own
    status (for a question) and notifications right. Part of the caller's use case: it does
    not commit (moderation calls it inside its decisions)."""
    old = post.status
    if old is status or old is PostStatus.DELETED:
        return
    post.status = status
    if post.number == 1:
        post.thread.status = status
        if status is PostStatus.PUBLISHED and post.thread.published_at is None:
            post.thread.published_at = utcnow()
    if old is PostStatus.PUBLISHED:
        _count_published(post, -1)
    elif status is PostStatus.PUBLISHED:
        _make_public(post)
        if post.number == 1:
            _count_published(post, +1)
        else:
            _on_reply_published(post, _render(post.body_source)[1], post.created_at)
    search.record(db.session, "thread", post.thread_id)


def _make_public(post: Post) -> None:
    """A held or rejected post kept its author's text; the public reads it (and its history,
    and a question's title) with private data removed."""
    redact = screening.screener().redact
    public = redact(post.body_source, author=post.author)
    if public != post.body_source:
        post.body_source, post.body_html = public, _render(public)[0]
        post.details_removed = True
    if post.number == 1:
        post.thread.title = redact(post.thread.title, author=post.author)
    for revision in revisions(post):
        revision.body_source = redact(revision.body_source, author=post.author)
        if revision.title:
            revision.title = redact(revision.title, author=post.author)


def commit_changes(*threads: Thread) -> None:
    """Commit a use case made of set_visibility calls and others (for the moderation layer)."""
    _commit(*threads)


def revisions(post: Post) -> list[PostRevision]:
    """A post's versions, oldest first (held or rejected proposals are not part of it)."""
    return list(db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id,
                                   PostRevision.status == RevisionStatus.APPLIED)
        .order_by(PostRevision.number)
    ))


def delete_post(post: Post, *, actor: User) -> Post:
    """Soft-delete: the post keeps its place and says who deleted it; revisions stay."""
    _require(permissions.can_delete(actor, post), "You can only delete your own posts.")
    thread = post.thread
    if post.status is PostStatus.PUBLISHED:
        if post.is_question and thread.reply_count > 0:  # the thread stays up for its answers
            post.author.post_count -= 1
        else:
            _count_published(post, -1)
    post.status = PostStatus.DELETED
    post.deleted_at = utcnow()
    if thread.accepted_post_id == post.id:
        thread.accepted_post_id = None
    if post.is_question and thread.reply_count == 0:
        thread.status = PostStatus.DELETED
    _commit(thread)
    return post


def accept_answer(post: Post, *, actor: User) -> Thread:
    """Mark a reply as the answer; it shows first and the thread counts as solved."""
    thread = post.thread
    require_unrestricted(actor, "accept answers")
    _require(permissions.can_accept(actor, thread, post),
             "Only the person who asked, or staff, can accept an answer.")
    if thread.accepted_post_id == post.id:
        return thread
    thread.accepted_post_id = post.id
    if post.author_id != actor.id:
        _notify([post.author_id], NotificationKind.ACCEPTED, actor=actor, thread=thread, post=post)
    _commit(thread)
    return thread


def unaccept_answer(thread: Thread, *, actor: User) -> Thread:
    """Take the accepted mark away again."""
    post = thread.accepted_post
    if post is None:
        return thread
    require_unrestricted(actor, "change the accepted answer")
    _require(permissions.can_accept(actor, thread, post))
    thread.accepted_post_id = None
    _commit(thread)
    return thread


def vote_helpful(post: Post, *, actor: User) -> Post:
    """One helpful vote per person; never on your own post."""
    if actor.id == post.author_id:
        raise PermissionDenied("You cannot vote for your own post.")
    require_unrestricted(actor, "vote")
    _require(permissions.can_vote(actor, post), "You cannot vote on this post.")
    if db.session.scalar(select(Vote.id).where(Vote.user_id == actor.id, Vote.post_id == post.id)):
        return post
    db.session.add(Vote(user_id=actor.id, post_id=post.id))
    db.session.execute(
        update(Post).where(Post.id == post.id).values(helpful_count=Post.helpful_count + 1)
    )
    try:
        _commit()
    except IntegrityError:  # a concurrent duplicate vote lost the race: one vote stands
        db.session.rollback()
    db.session.refresh(post)
    return post


def remove_vote(post: Post, *, actor: User) -> Post:
    """Take a helpful vote back."""
    removed = db.session.execute(
        delete(Vote).where(Vote.user_id == actor.id, Vote.post_id == post.id)
    ).rowcount
    if removed:
        db.session.execute(
            update(Post).where(Post.id == post.id).values(helpful_count=Post.helpful_count - 1)
        )
    _commit()
    db.session.refresh(post)
    return post


def follow(thread: Thread, *, actor: User) -> None:
    """Hear about every reply in a thread."""
    _require(permissions.can_follow(actor, thread))
    _follow(actor, thread)
    _commit()


def unfollow(thread: Thread, *, actor: User) -> None:
    """Stop hearing about a thread."""
    db.session.execute(
        delete(Subscription).where(
            Subscription.user_id == actor.id, Subscription.thread_id == thread.id
        )
    )
    _commit()


def mark_notifications_read(user: User, ids: list[int] | None = None) -> int:
    """Mark some (or all) of a person's notifications read; returns how many changed."""
    stmt = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    changed = db.session.execute(stmt.values(read_at=utcnow())).rowcount
    _commit()
    return changed


VIEW_FLUSH_VIEWS = 100  # write buffered views once this many have gathered in a process...
VIEW_FLUSH_SECONDS = 10.0  # ...or once the oldest of them is this old (checked on each view)


class ViewBuffer:
    """One process's views not yet written: thread id -> count, safe across request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: Counter[int] = Counter()
        self._total = 0
        self._since = 0.0

    def add(self, counts: dict[int, int]) -> None:
        """Count views (or put back views a failed flush could not write)."""
        with self._lock:
            if not self._total:
                self._since = time.monotonic()
            self._pending.update(counts)
            self._total += sum(counts.values())

    def due(self, max_views: int, max_seconds: float) -> bool:
        """Whether enough views, or old enough ones, are waiting to be written."""
        with self._lock:
            return self._total >= max_views or (
                self._total > 0 and time.monotonic() - self._since >= max_seconds
            )

    def pending(self, thread_id: int) -> int:
        """Views of one thread counted here and not yet written."""
        with self._lock:
            return self._pending.get(thread_id, 0)

    def take(self) -> dict[int, int]:
        """Everything waiting, leaving the buffer empty."""
        with self._lock:
            taken, self._pending, self._total = dict(self._pending), Counter(), 0
        return taken


_VIEW_BUFFER_LOCK = threading.Lock()


def _view_buffer() -> ViewBuffer:
    """The app's buffer, made on first use. Views still in it are written when the process
    exits normally; a test app's die with it (its database belongs to the next test)."""
    app = current_app._get_current_object()
    with _VIEW_BUFFER_LOCK:
        buffer = app.extensions.get("parley.view_buffer")
        if buffer is None:
            buffer = app.extensions["parley.view_buffer"] = ViewBuffer()
            if not app.testing:
                atexit.register(_flush_views_at_exit, app)
    return buffer


def record_view(thread: Thread) -> None:
    """Count a page view in memory; the counts reach the database in batches (flush_views).

    Writing each view cost every thread page an UPDATE and a commit (a disk sync) of its own.
    Views now gather per process and are written VIEW_FLUSH_VIEWS at a time, or once the
    oldest has waited VIEW_FLUSH_SECONDS (both app settings), and at a normal exit. The price:
    a process that is killed outright (SIGKILL, crash, power cut) loses at most those unwritten
    views, and the count shown lags behind by as many. Tests call flush_views() to write them.
    """
    buffer = _view_buffer()
    buffer.add({thread.id: 1})
    config = current_app.config
    if buffer.due(config.get("VIEW_FLUSH_VIEWS", VIEW_FLUSH_VIEWS),
                  config.get("VIEW_FLUSH_SECONDS", VIEW_FLUSH_SECONDS)):
        try:
            flush_views()
            return
        except SQLAlchemyError:  # a view count never fails the page; the views wait
            current_app.logger.warning("thread views kept for the next flush", exc_info=True)
    # End the page's read-only transaction with a COMMIT (it writes nothing) rather than the
    # ROLLBACK of the app teardown: psycopg forgets its prepared statements on every rollback,
    # and PostgreSQL then plans each of the page's queries afresh on the next view.
    db.session.commit()


def views_shown(thread: Thread) -> int:
    """A thread's view count as pages show it: the written count plus the views this process
    has counted but not yet written (else a quiet community's pages say "0 views" for a while
    after being read)."""
    buffer = current_app.extensions.get("parley.view_buffer")
    return thread.view_count + (buffer.pending(thread.id) if buffer is not None else 0)


def flush_views() -> int:
    """Write the buffered views in one commit (one UPDATE per thread); returns how many."""
    buffer = _view_buffer()
    counts = buffer.take()
    if not counts:
        return 0
    table = Thread.__table__
    stmt = (update(table).where(table.c.id == bindparam("thread_id"))
            .values(view_count=table.c.view_count + bindparam("views")))
    # thread id order, so two processes flushing at once take their row locks in one order
    rows = [{"thread_id": tid, "views": n} for tid, n in sorted(counts.items())]
    try:
        db.session.execute(stmt, rows)
        _commit()
    except Exception:
        db.session.rollback()
        buffer.add(counts)  # not lost: the next flush tries again
        raise
    return sum(counts.values())


def _flush_views_at_exit(app) -> None:
    """Write what is left when the process ends; a failure is logged, never raised."""
    try:
        with app.app_context():
            flush_views()
            db.session.remove()
    except Exception:  # noqa: BLE001 (the interpreter is going away; say so and move on)
        app.logger.exception("buffered thread views could not be written at exit")


# -- import ------------------------------------------------------------------------------------
@dataclass
class ImportReport:
    """What an import did: counts, and each bad line with its number and reason."""

    threads: int = 0
    replies: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


# -- canonical answers (used by the knowledge base) -------------------------------------------
def close_as_duplicate(thread: Thread, *, actor: User, kind: str, url: str, title: str) -> Thread:
    """Close a thread as a duplicate of a canonical thread or help article; its author is told
    where the answer is and nobody can reply any more."""
    _require(permissions.can_close(actor), "Only staff can close threads as duplicates.")
    if thread.closed_at is not None:
        raise Conflict("This thread is already closed.")
    link_canonical(thread, kind=kind, url=url, title=title)
    thread.closed_at = utcnow()
    db.session.add(Notification(
        user_id=thread.author_id, kind=NotificationKind.MODERATION, actor_id=actor.id,
        thread_id=thread.id,
        message=f"Your question “{thread.title}” was closed as a duplicate: the answer is in "
                f"“{title}”.",
    ))
    _commit(thread)
    return thread


def add_notice(user_id: int, kind: NotificationKind, *, actor: User | None, message: str,
               url: str, thread: Thread | None = None) -> None:
    """Tell someone of a feature's event, linking to its page (no commit: caller's use case)."""
    db.session.add(Notification(
        user_id=user_id, kind=kind, actor_id=actor.id if actor is not None else None,
        thread_id=thread.id if thread is not None else None, message=message, url=url,
    ))


def link_canonical(thread: Thread, *, kind: str, url: str, title: str) -> None:
    """Point a thread at where its answer lives (no commit: part of the caller's use case)."""
    if kind not in ("thread", "article"):
        raise ValidationError("A canonical answer is a thread or an article.", field="kind")
    thread.canonical_kind, thread.canonical_url, thread.canonical_title = kind, url, title[:200]
