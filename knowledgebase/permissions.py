"""Who may do what in the knowledge base, built on forum.permissions' roles.

Staff write articles; moderators and admins publish, and so does staff given the publish
right (by an admin on the People page, or `flask --app wsgi kb publishers grant NAME`).
"""
from __future__ import annotations

from sqlalchemy import select

from forum import permissions as forum_permissions
from forum.extensions import db
from forum.models import User
from knowledgebase.models import Article, ArticleStatus, Publisher


def can_write(user: User | None) -> bool:
    """Staff, moderators and admins write and edit articles."""
    return forum_permissions.is_staff(user)


def has_publish_right(user: User | None) -> bool:
    """Staff explicitly granted the right to publish."""
    if not forum_permissions.is_staff(user):
        return False
    return db.session.scalar(select(Publisher.user_id).where(Publisher.user_id == user.id)) \
        is not None


def can_publish(user: User | None) -> bool:
    """Moderators and admins publish and archive; so does staff with the publish right."""
    return forum_permissions.can_moderate(user) or has_publish_right(user)


def can_grant_publish(user: User | None) -> bool:
    """Admins decide who else may publish."""
    return forum_permissions.can_admin(user)


def can_view_article(user: User | None, article: Article) -> bool:
    """Published articles are public; drafts, reviews and archived ones are staff-only."""
    return article.status is ArticleStatus.PUBLISHED or can_write(user)


def can_view_reports(user: User | None) -> bool:
    """Staff see the dashboard: clusters, search gaps, deflection, freshness."""
    return forum_permissions.is_staff(user)


def can_manage_clusters(user: User | None) -> bool:
    """Staff dismiss, split, merge and promote clusters."""
    return forum_permissions.is_staff(user)


def can_close_duplicate(user: User | None) -> bool:
    """Staff and moderators close a thread as a duplicate (the forum's own rule)."""
    return forum_permissions.can_close(user)


def can_give_feedback(user: User | None, article: Article) -> bool:
    """Anyone who can read a published article may say whether it helped."""
    return article.status is ArticleStatus.PUBLISHED
