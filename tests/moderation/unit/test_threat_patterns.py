"""Threats to find where someone lives are attacks; asking where settings live is not."""
import pytest

from moderation import engine

MEMBER = engine.AuthorFacts(trust_level=1, post_count=5, account_age_days=30)


@pytest.mark.parametrize("text", [
    "I will find where you live and hurt you.",
    "I'll find where you live.",
    "I am going to find out where you live",
])
def test_find_where_you_live_threat_not_published(text):
    verdict = engine.screen(engine.Submission(body=text), MEMBER)
    assert not verdict.published and "R1" in {h.rule for h in verdict.hits}


@pytest.mark.parametrize("text", [
    "Can you find where the router settings live?",
    "Where do you live? I can find where you work on the map",
])
def test_where_questions_published(text):
    assert engine.screen(engine.Submission(body=text), MEMBER).published
