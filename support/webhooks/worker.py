"""The background deliverer: one daemon thread per web process, started when this process
first queues a delivery, woken after each commit that queued one, and then polling every
WEBHOOKS_POLL_SECONDS for retries that come due. A process that has queued nothing since it
started does not poll (nothing runs in the request or at start-up): retries left waiting by a
restart go out with the next event, or from `flask webhooks deliver` run by cron, which is
also the way to deliver with WEBHOOKS_BACKGROUND off."""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from forum.extensions import db

log = logging.getLogger(__name__)
KEY = "parley.webhooks.worker"


class Worker:
    """Delivers the outbox beside requests, never inside one."""

    def __init__(self, app: Flask):
        self.app = app
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Deliver soon: start the thread if needed and nudge it."""
        if not self.app.config["WEBHOOKS_BACKGROUND"]:
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="parley-webhooks",
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """End the thread (tests, shutdown)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.app.config["WEBHOOKS_POLL_SECONDS"])
            self._wake.clear()
            if not self._stop.is_set():
                self._drain()

    def _drain(self) -> None:
        from support.webhooks import services

        with self.app.app_context():
            try:
                while services.deliver_due().total == services.BATCH:
                    pass  # a full batch: more may be due
            except Exception:  # noqa: BLE001 - the thread must survive a bad moment
                log.exception("webhook delivery failed; trying again later")
            finally:
                db.session.remove()


def worker(app: Flask) -> Worker:
    """This app's worker."""
    return app.extensions[KEY]


def _after_commit(session: Session) -> None:
    if session.info.pop("parley.webhooks.wake", False) and has_app_context():
        found = current_app.extensions.get(KEY)
        if found is not None:
            found.wake()


def init_app(app: Flask) -> None:
    """Give the app its worker and wake it after commits that queued deliveries."""
    app.extensions[KEY] = Worker(app)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
