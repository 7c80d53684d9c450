"""Fixtures for the moderation engine's unit tests: no app, dataclasses built directly.

The cold-start model is the shipped artifact (moderation/artifacts/cold-start.npz), read once.
"""
from __future__ import annotations

import pytest
from engine_helpers import load_set, small_bundle

from moderation.engine import AuthorFacts, EngineConfig, ThreadContext
from moderation.engine.model import default_model


@pytest.fixture(scope="session")
def model():
    """The shipped cold-start model."""
    return default_model()


@pytest.fixture(scope="session")
def small_model():
    """A small bundle trained in about a second, for training and file round trips."""
    return small_bundle()


@pytest.fixture
def member():
    """An ordinary member: level 1, a few posts."""
    return AuthorFacts(author_id=10, trust_level=1, account_age_days=30, post_count=10)


@pytest.fixture
def newcomer():
    """A brand-new account making its first post."""
    return AuthorFacts(author_id=11, trust_level=0, account_age_days=0, post_count=0)


@pytest.fixture(scope="session")
def set_config():
    """Settings matching the hand-written sets: the brand is Acme, Sarah and Tom are staff."""
    crit, attacks = load_set("criticism.json"), load_set("attacks.json")
    return EngineConfig(brand_names=frozenset(crit["brand_names"]),
                        staff_names=frozenset(attacks["staff_names"]))


@pytest.fixture(scope="session")
def set_thread():
    """The thread the hand-written attacks are posted in (dave and mike take part)."""
    return ThreadContext(thread_id=1, participants=tuple(load_set("attacks.json")["participants"]))
