"""The thread page's "Related" threads are scored once and kept, not scored on every view."""
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from forum.extensions import db
from forum.models import PostStatus, Thread, utcnow
from knowledgebase import suggestions
from knowledgebase.models import RelatedThreads
from knowledgebase.similarity import SuggestionIndex


@pytest.fixture
def scored(monkeypatch):
    """Counts how often a thread is scored against the whole index."""
    calls = []
    original = SuggestionIndex.similar_to

    def counting(self, question_id, **kw):
        calls.append(question_id)
        return original(self, question_id, **kw)

    monkeypatch.setattr(SuggestionIndex, "similar_to", counting)
    return calls


def _related_part(client, thread_id: int) -> str:
    page = client.get(f"/t/{thread_id}").get_data(as_text=True)
    return page[page.index("<h2>Related</h2>"):] if "<h2>Related</h2>" in page else ""


def test_related_second_view_reads_kept_list_without_scoring(client, factory, scored):
    first = factory.thread(title="How do I reset my router password?")
    second = factory.thread(title="How do I reset the router password?")
    assert first.title in _related_part(client, second.id)
    assert first.title in _related_part(client, second.id)
    assert scored == [second.id]
    kept = db.session.get(RelatedThreads, second.id)
    assert [m[0] for m in kept.matches] == [first.id]


def test_related_old_kept_list_is_scored_again_and_finds_newer_threads(client, factory,
                                                                       scored, app):
    first = factory.thread(title="How do I reset my router password?")
    _related_part(client, first.id)
    newer = factory.thread(title="Reset my router password how?")
    assert newer.title not in _related_part(client, first.id)  # kept list, still fresh
    max_age = app.config["KB_RELATED_MAX_AGE"]
    db.session.execute(update(RelatedThreads).values(
        computed_at=utcnow() - timedelta(seconds=max_age + 60)))
    db.session.commit()
    assert newer.title in _related_part(client, first.id)
    assert scored == [first.id, first.id]


def test_related_kept_thread_hidden_later_is_not_shown(client, factory):
    first = factory.thread(title="How do I reset my router password?")
    second = factory.thread(title="How do I reset the router password?")
    assert first.title in _related_part(client, second.id)
    db.session.execute(update(Thread).where(Thread.id == first.id)
                       .values(status=PostStatus.DELETED))
    db.session.commit()
    assert first.title not in _related_part(client, second.id)


def test_related_article_published_after_keeping_shows_at_once(client, factory, kb, scored):
    factory.thread(title="How do I reset my router password?")
    second = factory.thread(title="How do I reset the router password?")
    _related_part(client, second.id)
    kb.published(title="Resetting your router password")
    assert "Resetting your router password" in _related_part(client, second.id)
    assert scored == [second.id]


def test_kb_related_command_keeps_same_lists_as_the_page(app, client, factory):
    threads = [factory.thread(title=f"Router password reset question {n}") for n in range(4)]
    factory.thread(title="Which TV channels are included?")
    suggestions.reset()
    result = app.test_cli_runner().invoke(args=["kb", "related"])
    assert result.exit_code == 0, result.output
    assert "kept for 5 threads" in result.output
    batch = {r.thread_id: r.matches for r in db.session.scalars(select(RelatedThreads))}
    assert sorted(m[0] for m in batch[threads[0].id]) == [t.id for t in threads[1:]]
    db.session.execute(delete(RelatedThreads))
    db.session.commit()
    for thread in threads:
        client.get(f"/t/{thread.id}")
    one_by_one = {r.thread_id: r.matches for r in db.session.scalars(select(RelatedThreads))}
    for thread in threads:
        assert [m[0] for m in one_by_one[thread.id]] == [m[0] for m in batch[thread.id]]
        assert [m[1] for m in one_by_one[thread.id]] == pytest.approx(
            [m[1] for m in batch[thread.id]], abs=1e-3)
    again = app.test_cli_runner().invoke(args=["kb", "related"])
    assert "kept for 1 threads" in again.output  # only the one no page showed


def test_suggestions_first_index_builds_beside_the_request(app, client, factory, kb):
    thread = factory.thread(title="How do I reset my router password?")
    kb.published(title="Resetting your router password")
    suggestions.reset()
    app.config["KB_INDEX_BACKGROUND"] = True
    first = client.get("/api/v1/suggest?q=reset router password").get_json()["results"]
    assert [r["type"] for r in first] == ["article"]  # threads wait for the index
    builder = suggestions.engine().builder
    assert builder is not None
    builder.join(timeout=60)
    later = client.get("/api/v1/suggest?q=reset router password").get_json()["results"]
    assert thread.id in [r["id"] for r in later if r["type"] == "thread"]


def test_suggestions_index_build_skipped_while_another_process_builds(app, factory):
    factory.thread(title="How do I reset my router password?")
    suggestions.reset()
    app.config["KB_INDEX_BACKGROUND"] = True
    engine = suggestions.engine()
    with suggestions._build_lock(engine.path) as first:
        assert first
        with app.test_request_context():
            assert suggestions.suggest("reset router password") == []
            engine.builder.join(timeout=60)
            assert engine._threads is None  # the lock holder builds; this one waits
    with app.test_request_context():
        suggestions.suggest("reset router password")
        engine.builder.join(timeout=60)
        assert [m.id for m in suggestions.suggest("reset router password")]
