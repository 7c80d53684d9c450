"""Every setting, declared once with its default and what it does.

Any setting can be given in the environment as ``PARLEY_<NAME>`` (Flask's
``from_prefixed_env``: JSON values such as ``60``, ``true`` or ``["Acme"]`` are parsed, anything
else is kept as text), checked against its default's type when the app starts. The older
names (``DATABASE_URL``, ``SECRET_KEY``, ``FORUM_SECURE_COOKIES``, ...) keep working. The
README's operator section is generated from this list (``python -m forum.config``), and a
test keeps the two the same. Nothing here reads the environment at import time.
"""
from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PREFIX = "PARLEY"


class ConfigError(ValueError):
    """A setting given in the environment cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Setting:
    """One setting: its name, its default (or how to derive it from the instance folder),
    the group it is listed under and what it does."""

    name: str
    default: Any
    doc: str
    group: str = "General"
    derived: Callable[[Path], Any] | None = None
    shown_default: str | None = None  # how the README shows a derived or secret default
    text: bool = False  # unset by default, but always text when given (never JSON-parsed)

    def value(self, instance: Path) -> Any:
        """The default for an install living in `instance`."""
        return self.derived(instance) if self.derived is not None else self.default


def _s(name, default, doc, group="General", **kw) -> Setting:
    return Setting(name, default, doc, group, **kw)


SETTINGS: tuple[Setting, ...] = (
    # -- storage and the web server
    _s("SQLALCHEMY_DATABASE_URI", None, "The database; also read from `DATABASE_URL`.",
       "Storage", derived=lambda p: f"sqlite:///{p / 'parley.db'}",
       shown_default="`sqlite:///<instance>/parley.db`"),
    _s("SQLALCHEMY_ENGINE_OPTIONS", {}, "Extra SQLAlchemy engine options (JSON object).",
       "Storage"),
    _s("SEARCH_BACKEND", "auto", "`auto` (PostgreSQL full text on PostgreSQL, else Whoosh), "
       "`whoosh` or `postgres`.", "Storage"),
    _s("SEARCH_INDEX_DIR", None, "Where the Whoosh index lives.", "Storage",
       derived=lambda p: str(p / "search_index"), shown_default="`<instance>/search_index`"),
    _s("SEARCH_LOCK_TIMEOUT", 1.0, "Seconds a worker waits for the Whoosh writer lock before "
       "leaving the change in the outbox for the next drain.", "Storage"),
    _s("SEARCH_REBUILD_IN_BACKGROUND", True, "Rebuild a damaged search index in a background "
       "thread (answering from the database meanwhile).", "Storage"),
    _s("SEARCH_PER_PAGE", 10, "Results on a search page.", "Storage"),
    _s("SEARCH_HYBRID", True, "Fuse question vectors with the lexical results in search.",
       "Storage"),
    _s("OUTBOX_DIR", None, "Where mail is written when no SMTP server is configured.",
       "Mail", derived=lambda p: str(p / "outbox"), shown_default="`<instance>/outbox`"),
    _s("MAIL_SERVER", None, "SMTP server (Flask-Mailman); unset, mail goes to the outbox "
       "folder and the log. The older `SMTP_HOST` still works.", "Mail", text=True),
    _s("MAIL_PORT", 25, "SMTP port (587 with `MAIL_USE_TLS`, 465 with `MAIL_USE_SSL`).", "Mail"),
    _s("MAIL_USERNAME", None, "SMTP user name; unset, no login.", "Mail", text=True),
    _s("MAIL_PASSWORD", None, "SMTP password.", "Mail", text=True, shown_default="unset"),
    _s("MAIL_USE_TLS", False, "STARTTLS after connecting.", "Mail"),
    _s("MAIL_USE_SSL", False, "Connect over TLS from the start (not with `MAIL_USE_TLS`).",
       "Mail"),
    _s("MAIL_TIMEOUT", 10.0, "Seconds an SMTP connection may block before the send fails "
       "(and is retried later).", "Mail"),
    _s("MAIL_DEFAULT_SENDER", None, "The From: of every message; unset, `MAIL_SENDER`.", "Mail",
       text=True),
    _s("MAIL_SENDER", "Parley <no-reply@parley.localhost>", "Older name of "
       "`MAIL_DEFAULT_SENDER`, used when that is unset.", "Mail"),
    _s("MAIL_BACKEND", "auto", "`auto` (`smtp` with a `MAIL_SERVER`, else the outbox folder), "
       "`smtp`, `outbox`, `console`, `locmem` or a Flask-Mailman backend's dotted path.",
       "Mail"),
    _s("MAIL_SEND_IN_BACKGROUND", True, "Send queued mail from a thread in each worker, after "
       "the commit that queued it; off, right after the commit in the same thread.", "Mail"),
    _s("MAIL_POLL_SECONDS", 30.0, "How often the sending thread looks for mail due again "
       "(retries, other workers' mail).", "Mail"),
    _s("MAIL_RETRY_SECONDS", 60, "Wait before the first retry of a failed send; doubled each "
       "time, at most `MAIL_RETRY_MAX_SECONDS`.", "Mail"),
    _s("MAIL_RETRY_MAX_SECONDS", 3600, "Longest wait between two tries.", "Mail"),
    _s("MAIL_MAX_ATTEMPTS", 20, "Tries before a message is marked failed (kept, listed by "
       "`flask mail status`, sent again by `flask mail send --retry-failed`).", "Mail"),
    _s("MAIL_CLAIM_SECONDS", 600, "A message claimed by a worker that died is tried again "
       "after this long.", "Mail"),
    _s("SMTP_HOST", None, "Older name of `MAIL_SERVER`.", "Mail", text=True),
    _s("SMTP_PORT", None, "Older name of `MAIL_PORT` (used with `SMTP_HOST`).", "Mail"),
    _s("BASE_URL", "http://127.0.0.1:5000", "The site's address, for links in mail; also "
       "`FORUM_BASE_URL`.", "Web"),
    _s("SECRET_KEY", None, "Signs sessions and tokens; unset, one is generated on first start "
       "and kept in the instance folder.", "Web", shown_default="generated", text=True),
    _s("SECURE_COOKIES", False, "Cookies marked Secure and HSTS sent (serve over HTTPS); also "
       "`FORUM_SECURE_COOKIES=1`.", "Web"),
    _s("PROXY_COUNT", 0, "Proxies in front (nginx: 1) whose X-Forwarded-For/-Proto/-Host are "
       "believed; also `FORUM_PROXY_COUNT`.", "Web"),
    _s("SESSION_COOKIE_HTTPONLY", True, "Session cookie hidden from scripts.", "Web"),
    _s("SESSION_COOKIE_SAMESITE", "Lax", "Session cookie SameSite.", "Web"),
    _s("REMEMBER_COOKIE_HTTPONLY", True, "Remember-me cookie hidden from scripts.", "Web"),
    _s("REMEMBER_COOKIE_SAMESITE", "Lax", "Remember-me cookie SameSite.", "Web"),
    _s("WTF_CSRF_TIME_LIMIT", None, "Seconds a form's CSRF token lasts; unset, the session's "
       "life.", "Web"),
    _s("MAX_CONTENT_LENGTH", 1024 * 1024, "Largest request body, in bytes.", "Web"),
    _s("PASSWORD_RESET_MAX_AGE", 3600, "Seconds a password-reset link works.", "Web"),
    _s("PASSWORD_HASH_METHOD", "scrypt", "werkzeug password hash method.", "Web"),
    # -- rate limits
    _s("RATELIMIT_STORAGE_URI", "memory://", "Shared rate-limit counters, e.g. "
       "`redis://127.0.0.1:6379/0`; also `RATELIMIT_STORAGE_URI`.", "Rate limits"),
    _s("RATELIMIT_HEADERS_ENABLED", True, "Send X-RateLimit headers.", "Rate limits"),
    _s("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True, "Count in memory while the shared store "
       "is down (logged), and keep serving.", "Rate limits"),
    _s("RATELIMIT_SWALLOW_ERRORS", True, "A rate-limit store error never fails a request.",
       "Rate limits"),
    _s("LOGIN_LIMIT_PER_IP", "20 per minute", "Sign-in attempts per address.", "Rate limits"),
    _s("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute", "Sign-in attempts per account (username "
       "and e-mail share one count).", "Rate limits"),
    _s("REGISTER_LIMIT_PER_IP", "10 per hour", "Accounts made per address.", "Rate limits"),
    _s("POST_LIMIT", "30 per minute", "Posts per member.", "Rate limits"),
    _s("FLAG_LIMIT", "20 per hour", "Flags per member.", "Rate limits"),
    _s("CASE_OPEN_LIMIT", "10 per hour", "Private cases a member opens (each one notifies "
       "every staff member).", "Rate limits"),
    _s("API_LIMIT", "300 per minute", "API requests per token.", "Rate limits"),
    # -- posting and pages
    _s("MAX_POST_LENGTH", 50_000, "Characters in a post.", "Posting"),
    _s("RENDER_MAX_BRACKET_DEPTH", 32, "`[ ]` or `( )` open at once within one paragraph.",
       "Posting"),
    _s("RENDER_MAX_LINKS", 500, "Links in a post.", "Posting"),
    _s("RENDER_MAX_TABLE_ROWS", 1000, "Lines holding a `|`.", "Posting"),
    _s("RENDER_MAX_NESTING", 32, "List and quote levels.", "Posting"),
    _s("RENDER_MAX_HTML_TAGS", 1000, "Raw `<tag` openings.", "Posting"),
    _s("RENDER_MAX_OUTPUT_TAGS", 16_000, "Tags in Markdown's output (bounds the sanitiser).",
       "Posting"),
    _s("RENDER_TIME_BUDGET", 1.0, "Seconds of Markdown work per text, checked cooperatively.",
       "Posting"),
    _s("THREADS_PER_PAGE", 20, "Threads on a list page.", "Posting"),
    _s("POSTS_PER_PAGE", 20, "Posts on a thread page.", "Posting"),
    _s("VIEW_FLUSH_VIEWS", 100, "Thread views buffered in a worker before they are written.",
       "Posting"),
    _s("VIEW_FLUSH_SECONDS", 10.0, "...or once the oldest buffered view is this old.",
       "Posting"),
    _s("BRAND_NAMES", ("Brightwave",), "The brand's names: criticism of them is protected, "
       "and only staff may use them in names.", "Brand"),
    _s("BRAND_DOMAINS", (), "The brand's own domains (links to them are never spam).", "Brand"),
    _s("OFFICIAL_PHONE_NUMBERS", (), "The brand's real phone numbers (others posted as a "
       "helpline are a scam).", "Brand"),
    _s("RESPONSE_TARGET_MINUTES", 60, "Default target for a first response, in minutes "
       "(business minutes when SUPPORT_BUSINESS_HOURS is set): later ones are overdue on the "
       "staff desk and in the inbox; staff may give a category its own on the inbox's targets "
       "page.", "Support"),
    _s("WEBHOOKS_ALLOW_PRIVATE", False, "Let webhooks go to private, loopback and reserved "
       "addresses (tests, a receiver on the same network); off, only public ones (SSRF).",
       "Support"),
    _s("WEBHOOKS_TIMEOUT", 10.0, "Seconds a webhook receiver has to answer before the "
       "delivery is retried.", "Support"),
    _s("WEBHOOKS_BACKGROUND", True, "Deliver webhooks from a background thread in each web "
       "process; off, only `flask webhooks deliver` sends them.", "Support"),
    _s("WEBHOOKS_POLL_SECONDS", 30.0, "How often the background thread looks for retries "
       "that have come due.", "Support"),
    _s("SUPPORT_TIMEZONE", "UTC", "The support team's time zone (IANA name, e.g. "
       "`Europe/Paris`): business hours, and the days, weeks and hour-of-day heatmap of the "
       "insights pages.",
       "Support"),
    _s("INSIGHTS_CACHE_SECONDS", 120, "Seconds a worker reuses the insights figures it "
       "counted for the same period and category (dashboard and metrics API); 0 counts every "
       "time.", "Support"),
    _s("SUPPORT_RESOLUTION_MINUTES", 1440, "Default target for resolving a thread (solved or "
       "closed), in business minutes.", "Support"),
    _s("SUPPORT_BUSINESS_HOURS", "", "When targets run: e.g. `Mon-Fri 09:00-17:00; Sat "
       "10:00-14:00`, or JSON `{\"mon\": \"09:00-17:00\", ...}`; empty (or `24/7`) is around the "
       "clock, so targets are wall-clock time.", "Support", shown_default="empty (24/7)"),
    _s("SUPPORT_DUE_WARNING_MINUTES", 15, "`flask support due` warns an assignee this many "
       "business minutes before a target is missed.", "Support"),
    # -- moderation
    _s("MODERATION_ENABLED", True, "Screen every submission before it is published.",
       "Moderation"),
    _s("MODERATION_MODEL_DIR", None, "Where retrained models are kept for every worker.",
       "Moderation", derived=lambda p: str(p / "models"), shown_default="`<instance>/models`"),
    _s("MODERATION_COLD_START_MODEL", None, "Model file used before any retraining; unset, "
       "the shipped `moderation/artifacts` one.", "Moderation", text=True),
    _s("MODERATION_LOAD_IN_BACKGROUND", True, "Read the model at start-up, never inside a "
       "request.", "Moderation"),
    _s("MODERATION_DATA_DIR", None, "Public labelled data for `moderation train`; unset, "
       "`../shared/data`.", "Moderation", text=True),
    _s("MODERATION_RECENT_SECONDS", 86400, "Window for repeated-text and burst checks.",
       "Moderation"),
    _s("FLAG_HIDE_THRESHOLD", 3.0, "Weighted flags that hide a post until a moderator "
       "decides.", "Moderation"),
    # -- knowledge base
    _s("KB_EMBEDDER", "wordllama", "`wordllama` (numpy), `minilm` (the `[semantic]` extra, "
       "torch) or `lexical`; also `KB_EMBEDDER`.", "Knowledge base"),
    _s("KB_SEMANTIC", False, "Older switch for `KB_EMBEDDER=minilm`; also `KB_SEMANTIC=1`.",
       "Knowledge base"),
    _s("KB_TORCH_THREADS", 1, "Torch threads per worker (minilm only); also "
       "`KB_TORCH_THREADS`.", "Knowledge base"),
    _s("KB_SUGGEST_MIN_SCORE", None, "Below this a suggestion is noise; unset, the model's own.",
       "Knowledge base"),
    _s("KB_SEARCH_MIN_SCORE", None, "Search's vector floor; unset, the model's own.",
       "Knowledge base"),
    _s("KB_INDEX_MAX_AGE", 3600, "Seconds before a worker refits its thread index.",
       "Knowledge base"),
    _s("KB_RELATED_MAX_AGE", 86400, "Seconds a thread's kept related threads are shown.",
       "Knowledge base"),
    _s("KB_INDEX_BACKGROUND", True, "Build the thread index beside requests, not inside one.",
       "Knowledge base"),
    _s("KB_NOT_HELPFUL_REVIEW", 3, "'Not helpful' answers since review that flag an article.",
       "Knowledge base"),
    _s("KB_DEFLECTION_SETTLE_MINUTES", 60, "An ask-form view may still post within this time.",
       "Knowledge base"),
    _s("KB_SEARCH_GAP_DAYS", 90, "Failed searches counted towards cluster demand.",
       "Knowledge base"),
    _s("KB_CLUSTER_DAYS", None, "The dashboard's recompute: questions of the last N days; "
       "unset, all.", "Knowledge base"),
    _s("KB_SEARCH_ARTICLES", 3, "Help articles shown above the threads on the search page.",
       "Knowledge base"),
)
BY_NAME: Mapping[str, Setting] = {s.name: s for s in SETTINGS}

# Names read before the prefix existed: environment name -> setting.
LEGACY_ENV = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "SEARCH_BACKEND": "SEARCH_BACKEND",
    "FORUM_BASE_URL": "BASE_URL",
    "FORUM_PROXY_COUNT": "PROXY_COUNT",
    "KB_EMBEDDER": "KB_EMBEDDER",
    "KB_TORCH_THREADS": "KB_TORCH_THREADS",
}
LEGACY_FLAGS = {"FORUM_SECURE_COOKIES": "SECURE_COOKIES", "KB_SEMANTIC": "KB_SEMANTIC"}


def default_instance_path(environ: Mapping[str, str] | None = None) -> str:
    """The folder holding all state; PARLEY_INSTANCE_PATH (or FORUM_INSTANCE_PATH) moves it."""
    environ = os.environ if environ is None else environ
    env = environ.get(f"{PREFIX}_INSTANCE_PATH") or environ.get("FORUM_INSTANCE_PATH")
    if env:
        return str(Path(env).resolve())
    return str(Path(__file__).resolve().parent.parent / "instance")


def defaults(instance_path: str) -> dict:
    """Every setting's default for an install living in instance_path."""
    instance = Path(instance_path)
    return {s.name: s.value(instance) for s in SETTINGS}


def legacy_environment(environ: Mapping[str, str] | None = None) -> dict:
    """Settings given by the older, unprefixed variable names."""
    environ = os.environ if environ is None else environ
    out = {name: environ[env] for env, name in LEGACY_ENV.items() if environ.get(env)}
    out.update({name: True for env, name in LEGACY_FLAGS.items() if environ.get(env) == "1"})
    return checked(out, source="")


def prefixed_names(environ: Mapping[str, str] | None = None) -> set[str]:
    """The settings the environment gives with the PARLEY_ prefix."""
    environ = os.environ if environ is None else environ
    start = f"{PREFIX}_"
    return {key[len(start):].split("__")[0] for key in environ
            if key.startswith(start) and key != f"{PREFIX}_INSTANCE_PATH"}


def checked(values: Mapping[str, Any], *, source: str = f"{PREFIX}_",
            environ: Mapping[str, str] | None = None) -> dict:
    """Values from the environment in their settings' types, or ConfigError naming the
    variable, the type wanted and what was given."""
    environ = os.environ if environ is None else environ
    out = {}
    for name, value in values.items():
        setting = BY_NAME.get(name)
        out[name] = value if setting is None else _coerce(setting, value, source, environ)
    return out


def _coerce(setting: Setting, value: Any, source: str, environ: Mapping[str, str]) -> Any:
    default, variable = setting.default, f"{source}{setting.name}"
    if isinstance(default, str) or setting.text or setting.derived is not None:
        return environ.get(variable, str(value)) if source else str(value)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        wanted = "true or false"
    elif isinstance(default, int):
        value = _number(value, int)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        wanted = "a whole number"
    elif isinstance(default, float):
        value = _number(value, float)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        wanted = "a number"
    elif isinstance(default, tuple):
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return tuple(value)
        wanted = 'a JSON list of strings, e.g. ["Acme"]'
    elif isinstance(default, dict):
        if isinstance(value, dict):
            return value
        wanted = "a JSON object"
    else:
        return value
    raise ConfigError(f"{variable} must be {wanted} (default {setting.default!r}); "
                      f"got {value!r}.")


def _number(value: Any, kind: type) -> Any:
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            return value
    return value


def instance_secret_key(instance_path: str) -> str:
    """Generate the secret key on first start and keep it in the instance folder."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def markdown_table() -> str:
    """The README's list of settings, grouped, with defaults and effects."""
    lines: list[str] = []
    groups = dict.fromkeys(s.group for s in SETTINGS)
    for group in groups:
        lines += [f"**{group}**", "", "| setting | default | effect |", "|---|---|---|"]
        for s in (s for s in SETTINGS if s.group == group):
            lines.append(f"| `{s.name}` | {s.shown_default or _shown(s.default)} | {s.doc} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _shown(default: Any) -> str:
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, tuple):
        return "`" + ("[" + ", ".join(f'"{v}"' for v in default) + "]") + "`"
    if isinstance(default, dict):
        return "`{}`" if not default else f"`{default}`"
    return f"`{default}`"


if __name__ == "__main__":  # python -m forum.config: the README's settings table
    sys.stdout.write(markdown_table())
