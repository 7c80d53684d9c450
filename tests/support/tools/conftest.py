"""Fixtures for the thread tools: a staff member, a moderator, a customer and a thread."""
from __future__ import annotations

import pytest

from forum.models import Role


@pytest.fixture
def staff(factory):
    """A support-team member."""
    return factory.user("agent_amy", role=Role.STAFF, display_name="Amy Agent")


@pytest.fixture
def moderator(factory):
    """A moderator."""
    return factory.user("mod_max", role=Role.MODERATOR)


@pytest.fixture
def customer(factory):
    """A customer who asks questions."""
    return factory.user("cara_customer", display_name="Cara")


@pytest.fixture
def thread(factory, customer):
    """Cara's published question."""
    return factory.thread(customer, title="Router keeps dropping the connection",
                          body="Every evening at nine it drops.")
