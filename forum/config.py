"""Configuration defaults; environment variables override them, the test mapping overrides all."""
import os
import secrets
from pathlib import Path

ENV_KEYS = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "SEARCH_BACKEND": "SEARCH_BACKEND",
    "FORUM_BASE_URL": "BASE_URL",
    "FORUM_PROXY_COUNT": "PROXY_COUNT",
}
INT_KEYS = frozenset({"PROXY_COUNT"})


def default_instance_path() -> str:
    """The folder holding all state; FORUM_INSTANCE_PATH moves it."""
    env = os.environ.get("FORUM_INSTANCE_PATH")
    if env:
        return str(Path(env).resolve())
    return str(Path(__file__).resolve().parent.parent / "instance")


def defaults(instance_path: str) -> dict:
    """Settings for an embedded (SQLite + Whoosh) install living in instance_path."""
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(instance_path) / 'parley.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "SEARCH_BACKEND": "auto",  # whoosh on SQLite, postgres on PostgreSQL
        "SEARCH_INDEX_DIR": str(Path(instance_path) / "search_index"),
        "OUTBOX_DIR": str(Path(instance_path) / "outbox"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis (or any shared store) down: count in this process's memory, logged, and keep
        # serving; the shared store is tried again with a growing back-off
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto/-Host are
        # believed, so per-address limits count clients, not the proxy; 0 believes none
        "PROXY_COUNT": 0,
        "LOGIN_LIMIT_PER_IP": "20 per minute",
        "REGISTER_LIMIT_PER_IP": "10 per hour",
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per minute",
        "POST_LIMIT": "30 per minute",
        "API_LIMIT": "300 per minute",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "MAX_POST_LENGTH": 50_000,
        # Rendering has a bounded cost (forum/rendering.py): texts beyond these are refused
        # with a message naming what to simplify. Realistic posts (50-row tables, dozens of
        # links, a few nested lists and quotes) stay far below them.
        "RENDER_MAX_BRACKET_DEPTH": 32,  # [ ] or ( ) open at once within one paragraph
        "RENDER_MAX_LINKS": 500,
        "RENDER_MAX_TABLE_ROWS": 1000,  # lines holding a |
        "RENDER_MAX_NESTING": 32,  # list and quote levels
        "RENDER_MAX_HTML_TAGS": 1000,  # raw <tag openings
        "RENDER_MAX_OUTPUT_TAGS": 16_000,  # tags in Markdown's output (bounds the sanitiser)
        "RENDER_TIME_BUDGET": 1.0,  # seconds of Markdown work per text, checked cooperatively
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SECURE_COOKIES": False,
        "PASSWORD_RESET_MAX_AGE": 3600,
        "PASSWORD_HASH_METHOD": "scrypt",
        "THREADS_PER_PAGE": 20,
        "POSTS_PER_PAGE": 20,
        "SEARCH_PER_PAGE": 10,
        "SEARCH_HYBRID": True,  # fuse question vectors (when registered) with lexical results
        "MAIL_SENDER": "Parley <no-reply@parley.localhost>",
        "BASE_URL": "http://127.0.0.1:5000",
        "WTF_CSRF_TIME_LIMIT": None,
        "MODERATION_ENABLED": True,
        "MODERATION_MODEL_DIR": str(Path(instance_path) / "models"),
        "MODERATION_COLD_START_MODEL": None,  # default: the shipped moderation/artifacts file
        "MODERATION_LOAD_IN_BACKGROUND": True,  # read the model at start-up, not in a request
        "MODERATION_DATA_DIR": None,  # public data for `moderation train`: ../shared/data
        "MODERATION_RECENT_SECONDS": 86400,
        "FLAG_HIDE_THRESHOLD": 3.0,
        "FLAG_LIMIT": "20 per hour",
        "BRAND_NAMES": ("Brightwave",),
        "BRAND_DOMAINS": (),
        "OFFICIAL_PHONE_NUMBERS": (),
        "RESPONSE_TARGET_MINUTES": 60,
    }


def from_environment() -> dict:
    """Settings given by environment variables (DATABASE_URL, SECRET_KEY, ...)."""
    out = {env_to: int(os.environ[env]) if env_to in INT_KEYS else os.environ[env]
           for env, env_to in ENV_KEYS.items() if os.environ.get(env)}
    if os.environ.get("FORUM_SECURE_COOKIES") == "1":
        out["SECURE_COOKIES"] = True
    return out


def instance_secret_key(instance_path: str) -> str:
    """Generate the secret key on first start and keep it in the instance folder."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
