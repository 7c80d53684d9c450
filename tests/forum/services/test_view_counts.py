"""Thread views gather in memory and reach the database in batches, and none is lost: not
when a batch is due, not when a write fails, not when the process exits."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from forum import services, view_counts
from forum.extensions import db
from forum.models import Thread


def _stored(thread) -> int:
    return db.session.scalar(select(Thread.view_count).where(Thread.id == thread.id))


def _broken_commit(*threads):
    raise OperationalError("UPDATE threads", {}, Exception("database is locked"))


def test_record_view_before_flush_writes_nothing(factory):
    thread = factory.thread()
    for _ in range(3):
        services.record_view(thread)
    assert _stored(thread) == 0
    assert services.flush_views() == 3
    assert _stored(thread) == 3
    assert services.flush_views() == 0


def test_flush_views_several_threads_adds_each_its_own_count(factory):
    first, second = factory.thread(), factory.thread()
    for thread in (first, second, second):
        services.record_view(thread)
    services.flush_views()
    services.record_view(first)
    services.flush_views()
    assert (_stored(first), _stored(second)) == (2, 2)


def test_record_view_batch_size_reached_writes_without_flush(app, factory):
    app.config["VIEW_FLUSH_VIEWS"] = 3
    thread = factory.thread()
    services.record_view(thread)
    services.record_view(thread)
    assert _stored(thread) == 0
    services.record_view(thread)
    assert _stored(thread) == 3


def test_record_view_oldest_view_too_old_writes_without_flush(app, factory):
    app.config["VIEW_FLUSH_SECONDS"] = 0
    thread = factory.thread()
    services.record_view(thread)
    assert _stored(thread) == 1


def test_flush_views_failed_write_keeps_counts_for_next_flush(factory, monkeypatch):
    thread = factory.thread()
    services.record_view(thread)
    services.record_view(thread)

    with monkeypatch.context() as patch:
        patch.setattr(view_counts, "commit", _broken_commit)
        with pytest.raises(OperationalError):
            services.flush_views()
    assert services.flush_views() == 2
    assert _stored(thread) == 2


def test_record_view_failed_batch_write_keeps_page_and_counts(app, factory, monkeypatch):
    app.config["VIEW_FLUSH_VIEWS"] = 1
    thread = factory.thread()
    with monkeypatch.context() as patch:
        patch.setattr(view_counts, "commit", _broken_commit)
        services.record_view(thread)  # no exception: the page is already rendered
    assert _stored(thread) == 0
    services.record_view(thread)
    assert _stored(thread) == 2


def test_views_left_at_exit_are_written(app, factory):
    thread = factory.thread()
    services.record_view(thread)
    view_counts._flush_views_at_exit(app)
    assert _stored(thread) == 1


def test_pages_show_views_not_yet_written(app, factory):
    """A quiet community's pages would say "0 views" until a batch is written."""
    thread = factory.thread(title="Counted before it is written")
    other = factory.thread(title="Nobody has read this one")
    client = app.test_client()
    client.get(f"/t/{thread.id}")
    client.get(f"/t/{thread.id}")

    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    listing = client.get("/threads").get_data(as_text=True)

    assert _stored(thread) == 0
    assert (services.views_shown(thread), services.views_shown(other)) == (3, 0)
    assert '<span class="dot">2 views</span>' in page  # this view is counted after it renders
    assert '<strong>3</strong><span>views</span>' in listing
