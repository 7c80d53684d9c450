"""The command line through Flask's CliRunner: users, search, import and the demo seed."""
from __future__ import annotations

import json
import stat

import pytest
from sqlalchemy import func, select

from forum import demo, search, services
from forum.extensions import db
from forum.models import Category, Notification, Post, Role, SearchOutbox, Thread, User, Vote
from forum.search import SearchQuery
from tests.conftest import PASSWORD


@pytest.fixture
def cli(app):
    """Run a command line against the test app; returns click's Result."""
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=list(args))

    return invoke


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- users -------------------------------------------------------------------------------------
def test_users_create_valid_input_creates_user_with_role(cli):
    result = cli("users", "create", "sam", "--email", "sam@example.com",
                 "--password", PASSWORD, "--role", "staff")
    assert result.exit_code == 0, result.output
    assert "Created sam (staff)" in result.stdout
    user = services.get_user("sam")
    assert user.role is Role.STAFF
    assert services.authenticate("sam", PASSWORD).id == user.id


def test_users_create_taken_username_exits_1_with_message(cli, factory):
    factory.user("sam")
    result = cli("users", "create", "SAM", "--email", "other@example.com", "--password", PASSWORD)
    assert result.exit_code == 1
    assert "username is taken" in result.stderr
    assert _count(User) == 1


def test_users_create_weak_password_exits_1_with_message(cli):
    result = cli("users", "create", "sam", "--email", "sam@example.com", "--password", "short")
    assert result.exit_code == 1
    assert "at least 10 characters" in result.stderr
    assert services.get_user("sam") is None


def test_users_create_bad_role_is_usage_error(cli):
    result = cli("users", "create", "sam", "--email", "sam@example.com",
                 "--password", PASSWORD, "--role", "king")
    assert result.exit_code == 2
    assert "customer" in result.stderr and "admin" in result.stderr
    assert services.get_user("sam") is None


def test_users_token_prints_only_a_working_token(cli, factory):
    alice = factory.user("alice")
    result = cli("users", "token", "alice", "--name", "ci")
    assert result.exit_code == 0, result.output
    raw = result.stdout.strip()
    assert "\n" not in raw and raw.startswith("prl_")
    assert services.user_for_token(raw).id == alice.id


def test_users_token_unknown_user_exits_1(cli):
    result = cli("users", "token", "nobody")
    assert result.exit_code == 1
    assert "No user named 'nobody'" in result.stderr


def test_users_set_role_changes_role(cli, factory):
    factory.user("alice")
    result = cli("users", "set-role", "alice", "moderator")
    assert result.exit_code == 0, result.output
    assert "alice is now moderator" in result.stdout
    assert services.get_user("alice").role is Role.MODERATOR


def test_users_set_role_unknown_user_or_role_fails(cli, factory):
    factory.user("alice")
    assert cli("users", "set-role", "ghost", "admin").exit_code == 1
    bad = cli("users", "set-role", "alice", "overlord")
    assert bad.exit_code == 2
    assert services.get_user("alice").role is Role.CUSTOMER


def test_users_list_shows_people_and_filters_by_role(cli, factory):
    factory.user("alice")
    factory.user("bob", role=Role.ADMIN)
    everyone = cli("users", "list")
    assert "alice" in everyone.stdout and "bob" in everyone.stdout
    admins = cli("users", "list", "--role", "admin")
    assert "bob" in admins.stdout and "alice" not in admins.stdout


# -- search ------------------------------------------------------------------------------------
def test_search_reindex_prints_document_count(cli, factory):
    factory.thread(title="Router keeps rebooting overnight")
    factory.thread(title="Cannot pay my bill online")
    result = cli("search", "reindex")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Indexed 2 documents."
    assert search.run(db.session, SearchQuery(text="rebooting")).total == 1


def test_search_sync_applies_pending_changes(cli, factory):
    thread = factory.thread(title="Voicemail pin forgotten again")
    search.record(db.session, "thread", thread.id)  # a change whose drain never happened
    db.session.commit()
    expected = _count(SearchOutbox)
    assert expected == (1 if db.engine.dialect.name == "sqlite" else 0)
    result = cli("search", "sync")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Applied {expected} pending changes."
    assert _count(SearchOutbox) == 0


# -- import ------------------------------------------------------------------------------------
FIXTURE_LINES = [
    {"title": "How do I change my Wi-Fi password?", "body": "The *hub* is new.",
     "author": "Old Timer", "category": "Devices", "created_at": "2022-05-01T08:30:00Z",
     "replies": [
         {"body": "Use the app.", "author": "helper"},
         {"body": "Settings, then Wi-Fi.", "accepted": True, "created_at": "2022-05-01T09:00:00"},
     ]},
    {"title": "Why is my first bill so high?", "body": "It covers two months?"},
    '{"title": "Broken line", ',
    {"body": "A body without any title."},
    {"title": "Porting my number to Brightwave", "body": "How long does it take?",
     "category": "Getting started"},
]


def _write_fixture(tmp_path) -> str:
    path = tmp_path / "questions.jsonl"
    rows = [r if isinstance(r, str) else json.dumps(r) for r in FIXTURE_LINES]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_forum_import_fixture_reports_summary_and_bad_lines(cli, tmp_path):
    result = cli("forum", "import", _write_fixture(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == ["threads: 3", "replies: 2", "errors: 2"]
    assert lines[3].startswith("line 3: invalid JSON (")
    assert lines[4:] == ["line 4: title is missing"]


def test_forum_import_fixture_keeps_authors_categories_dates_and_answers(cli, tmp_path):
    cli("forum", "import", _write_fixture(tmp_path))
    old_timer = services.get_user("Old_Timer")
    assert old_timer.is_placeholder and old_timer.display_name == "Old Timer"
    assert services.get_user("imported").is_placeholder
    assert set(db.session.scalars(select(Category.name))) == {
        "Devices", "General", "Getting started"
    }
    thread = db.session.scalar(select(Thread).where(Thread.author_id == old_timer.id))
    assert thread.solved and thread.accepted_post.body_source == "Settings, then Wi-Fi."
    assert thread.created_at.isoformat() == "2022-05-01T08:30:00"
    question = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    assert question.created_at == thread.created_at
    assert "<em>hub</em>" in question.body_html


def test_forum_import_threads_found_by_search(cli, tmp_path):
    cli("forum", "import", _write_fixture(tmp_path))
    found = search.run(db.session, SearchQuery(text="porting number"))
    assert [hit.title for hit in found.hits] == ["Porting my number to Brightwave"]
    solved = search.run(db.session, SearchQuery(text="wi-fi password", solved=True))
    assert solved.total == 1


def test_forum_import_missing_file_exits_1(cli, tmp_path):
    result = cli("forum", "import", str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 1
    assert "Cannot read" in result.stderr
    assert _count(Thread) == 0


# -- seed-demo ---------------------------------------------------------------------------------
def _login_file(app):
    return demo.login_path(app.instance_path)


def test_seed_demo_empty_database_creates_community(cli, app):
    result = cli("forum", "seed-demo")
    assert result.exit_code == 0, result.output
    password = demo.read_password(app.instance_path)
    assert f"Demo admin login: admin / {password}" in result.stdout
    assert services.authenticate("admin", password).role is Role.ADMIN
    sam = services.get_user("sam")
    assert sam.role is Role.STAFF and sam.display_name == "Sam from Support"
    assert services.get_user("mia").role is Role.MODERATOR
    customers = db.session.scalars(select(User).where(User.role == Role.CUSTOMER)).all()
    assert 4 <= len(customers) <= 6
    categories = db.session.scalars(select(Category)).all()
    assert len(categories) == 4 and all(c.description for c in categories)
    threads = db.session.scalars(select(Thread)).all()
    assert len(threads) >= 12
    assert any(t.solved for t in threads) and any(t.reply_count == 0 for t in threads)
    assert any(t.title.startswith("Your billing is a joke") for t in threads)
    assert all(t.author.created_at < t.created_at for t in threads)  # joined before asking
    assert _count(Vote) > 0
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == sam.id, Notification.kind == "mention")) == 1


def test_seed_demo_writes_private_login_file(cli, app):
    cli("forum", "seed-demo")
    path = _login_file(app)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "username=admin" in path.read_text()


def test_seed_demo_if_empty_twice_is_idempotent_and_prints_login(cli, app):
    first = cli("forum", "seed-demo", "--if-empty")
    counts = (_count(User), _count(Thread), _count(Post))
    second = cli("forum", "seed-demo", "--if-empty")
    assert second.exit_code == 0, second.output
    assert (_count(User), _count(Thread), _count(Post)) == counts
    login = [ln for ln in first.stdout.splitlines() if ln.startswith("Demo admin login")]
    assert second.stdout.splitlines() == login


def test_seed_demo_without_if_empty_on_used_database_exits_1(cli, factory):
    factory.user("alice")
    result = cli("forum", "seed-demo")
    assert result.exit_code == 1
    assert "already has users" in result.stderr
    assert services.get_user("admin") is None


def test_seed_demo_if_empty_on_foreign_database_explains_missing_login(cli, factory):
    factory.user("alice")
    result = cli("forum", "seed-demo", "--if-empty")
    assert result.exit_code == 0
    assert "Demo admin login: not available" in result.stdout
    assert services.get_user("admin") is None


def test_seed_demo_recorded_password_reused_after_database_reset(cli, app):
    demo.login_path(app.instance_path).parent.mkdir(parents=True, exist_ok=True)
    path = demo.login_path(app.instance_path)
    path.write_text("username=admin\npassword=Kept-From-Before-42\n")
    path.chmod(0o644)
    result = cli("forum", "seed-demo", "--if-empty")
    assert "Demo admin login: admin / Kept-From-Before-42" in result.stdout
    assert services.authenticate("admin", "Kept-From-Before-42") is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
