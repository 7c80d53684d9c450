"""Rate limits that hold in production: one count per account, shared counters through Redis,
the site still answering when Redis goes down, proxies believed only when configured, and a
loud word at start when counters are not shared."""
from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time

import pytest

from tests.conftest import PASSWORD, Factory, _empty_tables

LIMITED = {"RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_IP": "1000 per minute"}


def _wrong(client, login: str, **headers) -> int:
    return client.post("/login", data={"login": login, "password": "not it"},
                       headers=headers).status_code


@pytest.fixture
def limited(make_app):
    """An app with rate limits on (in memory) and one member, alice."""
    def build(**overrides):
        application = make_app(**{**LIMITED, **overrides})
        with application.app_context():
            _empty_tables()
            Factory().user("alice", email="alice@example.com")
        return application
    return build


def test_login_limit_username_and_email_of_one_account_share_one_count(limited):
    client = limited(LOGIN_LIMIT_PER_ACCOUNT="3 per minute").test_client()
    tries = [_wrong(client, login) for login in
             ("alice", "alice@example.com", "ALICE", "Alice@Example.com")]
    assert tries == [400, 400, 400, 429]


def test_login_limit_unknown_names_counted_apart_from_real_accounts(limited):
    client = limited(LOGIN_LIMIT_PER_ACCOUNT="2 per minute").test_client()
    assert [_wrong(client, "nobody1"), _wrong(client, "nobody1"), _wrong(client, "nobody1")] \
        == [400, 400, 429]
    assert _wrong(client, "alice") == 400


def test_register_limited_per_address(limited):
    client = limited(REGISTER_LIMIT_PER_IP="2 per hour").test_client()
    codes = [client.post("/register", data={
        "username": f"fresh{n}", "email": f"fresh{n}@example.com", "password": PASSWORD,
        "confirm": PASSWORD}).status_code for n in range(3)]
    assert codes[2] == 429 and 429 not in codes[:2]


def test_register_limit_counts_accounts_made_not_corrected_forms(limited):
    client = limited(REGISTER_LIMIT_PER_IP="2 per hour").test_client()
    refused = [client.post("/register", data={
        "username": f"fresh{n}", "email": f"fresh{n}@example.com", "password": "short"}
    ).status_code for n in range(4)]
    assert refused == [400] * 4
    assert client.post("/register", data={
        "username": "fresh", "email": "fresh@example.com", "password": PASSWORD}
    ).status_code == 303


@pytest.mark.parametrize(("proxies", "expected"), [(0, [400, 400, 429]), (1, [400, 400, 400])])
def test_login_limit_per_address_believes_forwarded_for_only_behind_configured_proxies(
        limited, proxies, expected):
    app = limited(LOGIN_LIMIT_PER_IP="2 per minute", LOGIN_LIMIT_PER_ACCOUNT="100 per minute",
                  PROXY_COUNT=proxies)
    client = app.test_client()
    codes = [_wrong(client, "alice", **{"X-Forwarded-For": f"203.0.113.{n}"})
             for n in range(3)]
    assert codes == expected


def test_memory_limits_outside_tests_warn_at_start(make_app, caplog):
    with caplog.at_level(logging.WARNING):
        make_app(TESTING=False, RATELIMIT_STORAGE_URI="memory://")
    assert any("counted in each process" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        make_app(TESTING=True, RATELIMIT_STORAGE_URI="memory://")
    assert not any("counted in each process" in r.getMessage() for r in caplog.records)


# -- a private Redis, started and stopped by the test -------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own on a free port (killed by the test or at the end)."""
    pytest.importorskip("redis")  # the `production` extra
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed on this machine")
    port = _free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield process, f"redis://127.0.0.1:{port}/0", client
    process.kill()
    process.wait()
    client.close()


def test_redis_counters_shared_by_two_workers(limited, private_redis):
    _process, uri, _client = private_redis
    workers = [limited(RATELIMIT_STORAGE_URI=uri, LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
               .test_client() for _ in range(2)]
    codes = [_wrong(workers[n % 2], "alice") for n in range(4)]
    assert codes == [400, 400, 400, 429]


def test_redis_down_mid_run_site_keeps_answering_and_limits_fall_back(limited, private_redis,
                                                                      caplog):
    process, uri, _client = private_redis
    app = limited(RATELIMIT_STORAGE_URI=uri, LOGIN_LIMIT_PER_ACCOUNT="2 per minute")
    client = app.test_client()
    assert _wrong(client, "alice") == 400
    process.kill()
    process.wait()
    with caplog.at_level(logging.WARNING):
        after = [_wrong(client, "alice") for _ in range(3)]
        pages = [client.get(path).status_code for path in ("/", "/register", "/search?q=x")]
    assert after == [400, 400, 429]  # counted in memory from the outage on
    assert pages == [200, 200, 200]
