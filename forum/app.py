"""The composition root: create_app builds the app, binds extensions, registers every
feature's blueprints and commands, and installs error pages and security headers."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from forum import config as config_module
from forum import mail_queue, search
from forum.extensions import csrf, db, limiter, login_manager, migrate
from forum.queries import ID_MAX

ROOT = Path(__file__).resolve().parent.parent
DB_RETRY_AFTER = 30  # seconds a client should wait while the database is unreachable

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: ; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(config: dict | None = None) -> Flask:
    """Build an app: defaults, then the environment, then the given mapping."""
    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or config_module.default_instance_path()
    app = Flask(
        "forum",
        instance_path=str(instance_path),
        instance_relative_config=True,
        root_path=str(ROOT / "forum"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _configure(app, config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.instance_secret_key(app.instance_path)
    app.config["SESSION_COOKIE_SECURE"] = app.config["SECURE_COOKIES"]
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SECURE_COOKIES"]
    _trust_proxies(app)
    app.url_map.converters["id"] = IdConverter  # before any blueprint adds a rule
    _init_extensions(app)
    _warn_unshared_limits(app)
    _register_features(app)
    _install_error_handlers(app)
    app.after_request(_security_headers)
    return app


def _configure(app: Flask, config: dict) -> None:
    """Declared defaults, then the older variable names, then PARLEY_* (Flask's
    from_prefixed_env, checked against the declared types), then the caller's mapping."""
    app.config.update(config_module.defaults(app.instance_path))
    app.config.update(config_module.legacy_environment())
    given = config_module.prefixed_names()
    app.config.from_prefixed_env(config_module.PREFIX)
    app.config.update(config_module.checked({name: app.config[name] for name in given}))
    unknown = sorted(given - set(config_module.BY_NAME))
    if unknown:
        app.logger.warning("not Parley settings (typed wrongly?): %s",
                           ", ".join(f"{config_module.PREFIX}_{n}" for n in unknown))
    app.config.update(config)


class IdConverter(IntegerConverter):
    """A row id in a URL: 1..ID_MAX, anything else 404s before the database is asked."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def _trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT proxies, read the client's address and scheme from their headers."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _warn_unshared_limits(app: Flask) -> None:
    """In-memory counters are per process: with several workers each counts on its own."""
    uri = str(app.config.get("RATELIMIT_STORAGE_URI", ""))
    if uri.startswith("memory://") and not (app.testing or app.debug):
        app.logger.warning(
            "Rate limits are counted in each process's memory (RATELIMIT_STORAGE_URI=%s): "
            "with several workers every worker allows the full limit. Set "
            "RATELIMIT_STORAGE_URI=redis://... to share the counters (README, Production).",
            uri)


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to do that."
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        dialect = db.engine.dialect.name
    app.extensions["parley.search"] = search.make_backend(app.config, dialect)
    mail_queue.init_app(app)  # Flask-Mailman, the mail queue's thread and `flask mail`


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, write-ahead log for concurrent readers, wait on locks."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _register_features(app: Flask) -> None:
    from forum import admin, api, auth, cli, hooks, staff, views
    from forum.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        """The user a session or remember-me cookie names, if its session version is current
        (User.get_id); a cookie from before a logout, password change or ban is refused."""
        ident, _, version = str(user_id).partition(":")
        if not (ident.isdigit() and version.isdigit()):
            return None
        user = db.session.get(User, int(ident))
        if user is None:
            return None
        if (user.session_version or 0) != int(version):
            g.ended_session_user = user  # so a banned member is still told why (auth)
            return None
        return user

    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    app.before_request(auth.enforce_sanctions)  # after forum.views' identity reset
    cli.register(app)
    hooks.init_app(app)

    import moderation

    moderation.init_app(app)
    import knowledgebase

    knowledgebase.init_app(app)
    import support

    support.init_app(app)

    @app.context_processor
    def header_context():
        from forum import metrics, permissions, queries

        unread, overdue = 0, None
        if current_user.is_authenticated:
            unread = queries.unread_count(current_user)
            if permissions.is_staff(current_user):  # every page tells staff who is waiting
                overdue = metrics.overdue_count(
                    target_minutes=app.config["RESPONSE_TARGET_MINUTES"])
        return {"unread_count": unread, "perm": permissions, "overdue_count": overdue}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _install_error_handlers(app: Flask) -> None:
    names = {
        400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
        405: "method_not_allowed", 413: "too_large", 429: "rate_limited",
        500: "server_error", 503: "unavailable",
    }

    @app.errorhandler(OperationalError)
    @app.errorhandler(DisconnectionError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(exc: Exception):
        # the pool reconnects on a later request (pre-ping); tell the client when to retry
        app.logger.error("database unavailable: %s", exc)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is what failed
            db.session.remove()
        headers = {"Retry-After": str(DB_RETRY_AFTER)}
        if _wants_json():
            body = {"error": {"code": "unavailable", "message":
                              "The service is briefly unavailable; try again shortly."}}
            return jsonify(body), 503, headers
        # straight from the Jinja environment: context processors would ask the database
        page = app.jinja_env.get_template("errors/503.html").render(
            retry_after=DB_RETRY_AFTER, request=request)
        return page, 503, headers

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        if code >= 500:
            db.session.rollback()
        if _wants_json():
            message = exc.description if code < 500 else "Something went wrong on our side."
            body = {"error": {"code": names.get(code, "error"), "message": message}}
            return jsonify(body), code, _kept_headers(exc)
        template = code if code in (403, 404, 429, 500) else "generic"
        return render_template(f"errors/{template}.html", error=exc, code=code), code


def _kept_headers(exc: HTTPException) -> dict:
    """Keep Allow, Retry-After and WWW-Authenticate on JSON errors (not the HTML type)."""
    keep = ("allow", "retry-after", "www-authenticate")
    return {k: v for k, v in exc.get_headers() if k.lower() in keep}


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if g.get("no_store"):
        response.headers["Cache-Control"] = "no-store"
    if current_app.config.get("SESSION_COOKIE_SECURE"):  # served over https: keep it so
        response.headers.setdefault("Strict-Transport-Security",
                                    "max-age=31536000; includeSubDomains")
    return response
