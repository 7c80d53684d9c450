"""Categories: create, rename, reorder, look up."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from forum import permissions
from forum.extensions import db
from forum.models import (
    Category,
    User,
)
from forum.queries import id_or_none
from forum.services.errors import (
    ValidationError,
    require,
)
from forum.services.transaction import commit


def slugify(text: str) -> str:
    """A URL-safe slug: lower-case words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "category"


def _check_category_name(name: str, *, current: Category | None = None) -> str:
    name = name.strip()
    if not 2 <= len(name) <= 64:
        raise ValidationError("Category names are 2 to 64 characters.", field="name")
    clash = db.session.scalar(
        select(Category).where(func.lower(Category.name) == name.lower())
    )
    if clash is not None and clash is not current:
        raise ValidationError("A category with that name exists.", field="name")
    return name


def _unique_slug(name: str, current: Category | None = None) -> str:
    base = slugify(name)
    slug, n = base, 2
    while True:
        clash = db.session.scalar(select(Category).where(Category.slug == slug))
        if clash is None or clash is current:
            return slug
        slug, n = f"{base}-{n}", n + 1


def create_category(name: str, description: str = "", *, actor: User | None) -> Category:
    """Add a category at the end of the list."""
    if actor is not None:
        require(permissions.can_manage_categories(actor), "Only admins manage categories.")
    name = _check_category_name(name)
    last = db.session.scalar(select(func.max(Category.position))) or 0
    category = Category(
        name=name, slug=_unique_slug(name), description=description.strip(), position=last + 1
    )
    db.session.add(category)
    commit()
    return category


def update_category(
    category: Category, *, actor: User | None, name: str, description: str
) -> Category:
    """Rename or re-describe a category; its slug follows the name."""
    if actor is not None:
        require(permissions.can_manage_categories(actor), "Only admins manage categories.")
    category.name = _check_category_name(name, current=category)
    category.slug = _unique_slug(category.name, current=category)
    category.description = description.strip()
    commit()
    return category


def move_category(category: Category, offset: int, *, actor: User | None) -> None:
    """Move a category up (offset -1) or down (+1) in the list."""
    if actor is not None:
        require(permissions.can_manage_categories(actor), "Only admins manage categories.")
    ordered = list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))
    index = ordered.index(category)
    target = max(0, min(len(ordered) - 1, index + offset))
    ordered.insert(target, ordered.pop(index))
    for position, item in enumerate(ordered, start=1):
        item.position = position
    commit()


def list_categories() -> list[Category]:
    """Categories in their display order."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))


def find_category(ref: int | str | None) -> Category | None:
    """A category by id, slug or name; None if ref is None or unknown."""
    if ref is None or ref == "":
        return None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        number = id_or_none(ref)  # past the integer column no row exists (driver overflow)
        return db.session.get(Category, number) if number is not None else None
    return db.session.scalar(
        select(Category).where(
            (Category.slug == str(ref).lower()) | (func.lower(Category.name) == str(ref).lower())
        )
    )
