"""Shared fixtures. The schema comes from the migrations (run once per session); each test
starts from empty tables and its own instance folder and search index.

TEST_DATABASE_URL selects the database (PostgreSQL in CI's second pass); default SQLite.
"""
from __future__ import annotations

import contextlib
import os
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text

from forum import services
from forum.app import create_app
from forum.extensions import db
from forum.models import Role

PASSWORD = "correct horse battery staple"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def base_config(tmp_path, url: str) -> dict:
    """The test mapping: fast hashing, no CSRF or rate limits unless a test turns them on."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Forum tests exercise the forum; moderation tests turn screening on with make_app.
        "MODERATION_ENABLED": False,
        "MODERATION_LOAD_IN_BACKGROUND": False,
        # Suggestions are built inside the request in tests, so results are deterministic;
        # tests/knowledgebase/test_knowledge_related.py covers the background build.
        "KB_INDEX_BACKGROUND": False,
        # Queued mail is sent right after the commit that queued it, in the same thread.
        "MAIL_SEND_IN_BACKGROUND": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SEARCH_INDEX_DIR": str(tmp_path / "instance" / "search_index"),
        "SERVER_NAME": "localhost",
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """Migrate an empty database to head once for the whole run."""
    url = _database_url(tmp_path_factory)
    app = create_app(base_config(tmp_path_factory.mktemp("migrate"), url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
        db.engine.dispose()
    return url


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for name in tables:
                conn.exec_driver_sql(f"DELETE FROM {name}")
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app over the migrated database with extra settings for one test."""
    apps = []

    def build(**overrides):
        app = create_app({**base_config(tmp_path, database_url), **overrides})
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """An app in an application context, with empty tables."""
    application = make_app()
    with application.app_context():
        _empty_tables()
        yield application
        db.session.remove()


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def factory(app):
    """Build people, categories and threads through the real services."""
    return Factory()


class Factory:
    """Small builders over the services, with readable defaults."""

    def __init__(self):
        self.n = 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    def user(self, username: str | None = None, *, role: Role = Role.CUSTOMER, **kw):
        """A user with the shared test password."""
        n = self._next()
        username = username or f"user{n}"
        return services.register_user(
            username, kw.pop("email", f"{username}@example.com"), PASSWORD, role=role, **kw
        )

    def category(self, name: str | None = None, description: str = ""):
        """A category."""
        return services.create_category(name or f"Category {self._next()}", description,
                                         actor=None)

    def thread(self, author=None, *, title: str | None = None, body: str = "Body text here.",
               category=None):
        """A published question."""
        author = author or self.user()
        category = category or self.category()
        title = title or f"How do I do thing number {self._next()}?"
        return services.create_thread(author=author, title=title, body=body, category=category)

    def reply(self, thread, author=None, body: str = "A helpful reply."):
        """A published reply."""
        return services.reply(thread, author=author or self.user(), body=body)


def login(client, user, password: str = PASSWORD):
    """Sign a user in through the real login form."""
    response = client.post("/login", data={"login": user.username, "password": password})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return response


@contextlib.contextmanager
def count_queries():
    """Count SQL statements run inside the block (excluding SAVEPOINT/PRAGMA noise)."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not re.match(r"\s*(PRAGMA|SAVEPOINT|RELEASE)", statement, re.I):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
