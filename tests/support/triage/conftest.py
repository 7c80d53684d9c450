"""Triage fixtures: a question asked some minutes ago, a staff member and a customer."""
from __future__ import annotations

from datetime import timedelta

import pytest

from forum import services
from forum.models import Role, utcnow


@pytest.fixture
def ask(factory):
    """ask(minutes_ago=..., title=..., body=..., author=..., category=...) -> Thread."""
    def build(minutes_ago: float = 0, *, title: str | None = None, body: str = "It broke.",
              author=None, category=None):
        return services.create_thread(
            author=author or factory.user(), title=title or f"Question {factory._next()} here?",
            body=body, category=category or factory.category(),
            created_at=utcnow() - timedelta(minutes=minutes_ago))
    return build


@pytest.fixture
def staff(factory):
    """A member of the support team."""
    return factory.user("sam_staff", role=Role.STAFF, display_name="Sam Support")


@pytest.fixture
def customer(factory):
    """A customer."""
    return factory.user("cat_customer", display_name="Cat Customer")
