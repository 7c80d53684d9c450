"""Knowledge-base fixtures: people with each role and a small builder for articles."""
import pytest

from forum.models import Role
from knowledgebase import services
from knowledgebase.models import ArticleStatus


@pytest.fixture
def staff(factory):
    """A support-team member (writes articles; may not publish)."""
    return factory.user("sam", role=Role.STAFF)


@pytest.fixture
def moderator(factory):
    """A moderator (publishes articles)."""
    return factory.user("mia", role=Role.MODERATOR)


@pytest.fixture
def customer(factory):
    """A customer."""
    return factory.user("cora")


@pytest.fixture
def kb(factory, staff, moderator):
    """Builds articles through the real services."""
    return ArticleBuilder(staff, moderator)


class ArticleBuilder:
    """Drafts and published articles with readable defaults."""

    def __init__(self, staff, moderator):
        self.staff, self.moderator = staff, moderator

    def draft(self, title="How to reset your router", body="Hold the **reset** button.",
              **kw):
        """A draft written by staff."""
        return services.create_article(actor=self.staff, title=title, body=body, **kw)

    def published(self, title="How to reset your router", body="Hold the **reset** button.",
                  **kw):
        """A published article."""
        article = self.draft(title=title, body=body, **kw)
        return services.set_status(article, ArticleStatus.PUBLISHED, actor=self.moderator)
