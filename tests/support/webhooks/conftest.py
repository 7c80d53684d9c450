"""Webhook tests: a real HTTP receiver on 127.0.0.1, and an app that may deliver there
(WEBHOOKS_ALLOW_PRIVATE) with no background thread unless a test asks for one."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from forum.extensions import db
from forum.models import Role
from support.webhooks import services
from tests.conftest import _empty_tables


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        """The body parsed."""
        return json.loads(self.body)


class Receiver:
    """An HTTP server in a thread that records POSTs and answers with scripted statuses."""

    def __init__(self):
        self.requests: list[Received] = []
        self.statuses: list[int] = []  # answered in order; 200 once used up
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._arrived:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver._arrived.notify_all()
                answer = b"ok" if status < 300 else b"receiver broke " * 500
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """Where to point a webhook."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """The requests once `count` have arrived (or what came before the timeout)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)
            return list(self.requests)

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    """A live receiver on a free port."""
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def app(make_app):
    """An app that may deliver to 127.0.0.1, delivering only when a test drains the outbox."""
    application = make_app(WEBHOOKS_ALLOW_PRIVATE=True, WEBHOOKS_BACKGROUND=False,
                           WEBHOOKS_TIMEOUT=5.0)
    with application.app_context():
        _empty_tables()
        yield application
        db.session.remove()


@pytest.fixture
def admin(factory):
    """A community admin."""
    return factory.user("adminperson", role=Role.ADMIN)


@pytest.fixture
def hook_for(admin):
    """Make an active webhook on a URL for some events."""
    def make(url: str, events=("thread.created",), active: bool = True):
        return services.create_webhook(actor=admin, url=url, events=list(events), active=active)

    return make
