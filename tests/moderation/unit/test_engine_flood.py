"""Near-duplicate flood detection with MinHash over word shingles."""
from datetime import UTC, datetime, timedelta

from moderation.engine import (
    Action,
    AuthorFacts,
    FloodIndex,
    Kind,
    RecentSubmission,
    Submission,
    ThreadContext,
    screen,
)
from moderation.engine.flood import jaccard, shingles, words

NOW = datetime(2026, 1, 1, tzinfo=UTC)
AD = ("Get the best deals on unlocked phones and routers at our online shop today with free "
      "shipping on every single order")


def test_similar_finds_near_copy_and_ignores_different_text():
    index = FloodIndex()
    index.add(AD, author_id=1, thread_id=1, at=NOW)
    near = AD.upper() + "!!! Hurry"
    assert len(index.similar(near, at=NOW)) == 1
    assert index.similar("How do I reset the router to factory settings please help me",
                         at=NOW) == []


def test_similar_forgets_entries_outside_the_window():
    index = FloodIndex(window_seconds=60)
    index.add(AD, author_id=1, thread_id=1, at=NOW)
    assert index.similar(AD, at=NOW + timedelta(seconds=120)) == []
    assert len(index) == 0


def test_index_keeps_at_most_max_entries():
    index = FloodIndex(max_entries=5)
    for i in range(10):
        index.add(f"{AD} {i}", author_id=i, thread_id=i, at=NOW)
    assert len(index) <= 6


def test_jaccard_of_shingles_identical_is_one():
    assert jaccard(shingles(words(AD)), shingles(words(AD))) == 1.0


def test_screen_copies_from_other_accounts_are_flood(member):
    index = FloodIndex()
    for author_id in range(3):
        screen(Submission(AD, thread=ThreadContext(author_id), submitted_at=NOW),
               AuthorFacts(author_id=author_id, trust_level=1, post_count=5), flood_index=index)
    verdict = screen(Submission(AD, thread=ThreadContext(9), submitted_at=NOW), member,
                     flood_index=index)
    assert verdict.action is Action.REJECT and "R2" in verdict.rules


def test_screen_own_recent_copy_in_other_thread_is_flood():
    recent = (RecentSubmission(AD, NOW - timedelta(hours=1), thread_id=1),)
    author = AuthorFacts(author_id=5, trust_level=1, post_count=5, recent_submissions=recent)
    verdict = screen(Submission(AD, thread=ThreadContext(2), submitted_at=NOW), author)
    assert verdict.action is Action.HOLD and verdict.scores["spam.flood"] >= 0.5


def test_screen_same_thread_same_author_is_not_flood():
    recent = (RecentSubmission(AD, NOW - timedelta(minutes=1), thread_id=1),)
    author = AuthorFacts(author_id=5, trust_level=1, post_count=5, recent_submissions=recent)
    verdict = screen(Submission(AD, thread=ThreadContext(1), submitted_at=NOW), author)
    assert "spam.flood" not in verdict.scores


def test_screen_short_texts_are_never_flood(member):
    index = FloodIndex()
    for i in range(5):
        verdict = screen(Submission("Thanks, that fixed it!", thread=ThreadContext(i)), member,
                         flood_index=index)
    assert verdict.published


def test_screen_edits_are_not_recorded(member):
    index = FloodIndex()
    screen(Submission(AD, kind=Kind.EDIT), member, flood_index=index)
    screen(Submission(AD), member, flood_index=index, record=False)
    assert len(index) == 0
