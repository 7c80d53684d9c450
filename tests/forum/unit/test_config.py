"""Settings: declared once with defaults, settable as PARLEY_<NAME>, checked, documented."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from forum import config
from forum.app import create_app

ROOT = Path(__file__).resolve().parents[3]


def _app(tmp_path, **mapping):
    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                       "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "test-secret",
                       "MODERATION_LOAD_IN_BACKGROUND": False, **mapping})


def test_config_prefixed_env_number_parsed_as_number(tmp_path, monkeypatch):
    monkeypatch.setenv("PARLEY_RESPONSE_TARGET_MINUTES", "90")
    monkeypatch.setenv("PARLEY_RENDER_TIME_BUDGET", "2")
    app = _app(tmp_path)
    assert app.config["RESPONSE_TARGET_MINUTES"] == 90
    assert app.config["RENDER_TIME_BUDGET"] == 2.0
    assert isinstance(app.config["RENDER_TIME_BUDGET"], float)


def test_config_prefixed_env_text_setting_kept_as_typed(tmp_path, monkeypatch):
    monkeypatch.setenv("PARLEY_POST_LIMIT", "10 per minute")
    monkeypatch.setenv("PARLEY_MAIL_SENDER", "123")  # JSON would make this a number
    app = _app(tmp_path, SECRET_KEY=None)
    assert app.config["POST_LIMIT"] == "10 per minute"
    assert app.config["MAIL_SENDER"] == "123"


def test_config_prefixed_secret_of_digits_stays_text(tmp_path, monkeypatch):
    monkeypatch.setenv("PARLEY_SECRET_KEY", "0123456789")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"),
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == "0123456789"


def test_config_prefixed_env_booleans_and_lists(tmp_path, monkeypatch):
    monkeypatch.setenv("PARLEY_SECURE_COOKIES", "true")
    monkeypatch.setenv("PARLEY_BRAND_NAMES", '["Acme", "Acme Mobile"]')
    app = _app(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["BRAND_NAMES"] == ("Acme", "Acme Mobile")


@pytest.mark.parametrize(("name", "value", "wanted"), [
    ("RESPONSE_TARGET_MINUTES", "soon", "whole number"),
    ("SECURE_COOKIES", "1", "true or false"),
    ("BRAND_NAMES", "Acme", "JSON list"),
    ("PROXY_COUNT", "true", "whole number"),
])
def test_config_prefixed_env_wrong_type_refused_naming_variable(tmp_path, monkeypatch, name,
                                                                value, wanted):
    monkeypatch.setenv(f"PARLEY_{name}", value)
    with pytest.raises(config.ConfigError, match=rf"PARLEY_{name} must be .*{wanted}"):
        _app(tmp_path)


def test_config_legacy_names_still_work_and_prefix_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("FORUM_PROXY_COUNT", "2")
    monkeypatch.setenv("FORUM_SECURE_COOKIES", "1")
    monkeypatch.setenv("KB_EMBEDDER", "lexical")
    assert _app(tmp_path).config["PROXY_COUNT"] == 2
    assert _app(tmp_path).config["SECURE_COOKIES"] is True
    assert _app(tmp_path).config["KB_EMBEDDER"] == "lexical"
    monkeypatch.setenv("PARLEY_PROXY_COUNT", "1")
    assert _app(tmp_path).config["PROXY_COUNT"] == 1


def test_config_instance_path_from_prefixed_env(tmp_path):
    env = {"PARLEY_INSTANCE_PATH": str(tmp_path / "state"), "FORUM_INSTANCE_PATH": "/nowhere"}
    assert config.default_instance_path(env) == str((tmp_path / "state").resolve())


def test_config_caller_mapping_beats_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PARLEY_THREADS_PER_PAGE", "50")
    assert _app(tmp_path, THREADS_PER_PAGE=5).config["THREADS_PER_PAGE"] == 5


def test_config_unknown_prefixed_name_logged(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PARLEY_RESPONSE_TARGET_MINUTE", "30")  # a typo of a real setting
    with caplog.at_level(logging.WARNING):
        _app(tmp_path)
    assert "PARLEY_RESPONSE_TARGET_MINUTE" in caplog.text


def _keys_read_by_code() -> set[str]:
    found = set()
    for path in [*ROOT.glob("forum/**/*.py"), *ROOT.glob("moderation/**/*.py"),
                 *ROOT.glob("knowledgebase/**/*.py")]:
        found |= set(re.findall(r"config(?:\.get\(|\[)\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
    return found


# Keys Flask and its extensions declare themselves, or that create_app derives.
NOT_OURS = {"SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE", "REMEMBER_COOKIE_NAME",
            "TESTING", "SERVER_NAME", "RATELIMIT_ENABLED", "WTF_CSRF_ENABLED"}


def test_config_every_key_the_code_reads_is_declared():
    undeclared = _keys_read_by_code() - set(config.BY_NAME) - NOT_OURS
    assert not undeclared, f"declare these in forum/config.py SETTINGS: {sorted(undeclared)}"


def test_config_every_setting_documented_in_readme_as_generated():
    readme = (ROOT / "README.md").read_text()
    start, end = "<!-- settings:start -->\n", "<!-- settings:end -->"
    documented = readme[readme.index(start) + len(start):readme.index(end)]
    assert documented == config.markdown_table(), "run: python -m forum.config"
    for setting in config.SETTINGS:
        assert f"| `{setting.name}` |" in documented
