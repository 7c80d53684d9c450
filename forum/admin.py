"""Admin pages: categories (create, rename, describe, reorder) and people's roles.

Features built on the forum add to the People page without the forum knowing them: each
registers a provider in app.extensions[PEOPLE_EXTRAS] (a list), called as
provider(users, actor=) -> {user_id: [PersonExtra, ...]}, one call per page.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from forum import forms, permissions, queries, services
from forum.extensions import db, login_manager
from forum.models import Category, Role, User
from forum.web import FORM_ERRORS, me, page_arg, service_error_page

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.register_error_handler(services.ServiceError, service_error_page)

USERS_PER_PAGE = 50
PEOPLE_EXTRAS = "parley.admin.people"


@dataclass(frozen=True)
class PersonExtra:
    """A feature's badge beside a person, and maybe a one-button form posting fields."""

    # The form also posts the People page's q and page, so the feature can send the admin back.

    badge: str = ""
    action_url: str = ""
    action_label: str = ""
    fields: tuple[tuple[str, str], ...] = ()


@bp.before_request
def require_admin():
    """Strangers are asked to sign in; signed-in non-admins get a friendly 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not permissions.can_admin(me()):
        abort(403, "This area is for community admins.")
    return None


def _category(category_id: int) -> Category:
    return db.get_or_404(Category, category_id, description="That category does not exist.")


# -- categories ------------------------------------------------------------------------------------
def _categories_page(form=None, status: int = 200):
    return render_template(
        "admin/categories.html", categories=services.list_categories(),
        form=form or forms.CategoryForm(formdata=None),
    ), status


@bp.get("")
def index():
    """Categories in their order, with a form to add one."""
    return _categories_page()


@bp.post("/categories")
def create_category():
    """Add a category at the end of the list."""
    form = forms.CategoryForm()
    if form.validate_on_submit():
        try:
            created = services.create_category(
                form.name.data, form.description.data or "", actor=me()
            )
        except FORM_ERRORS as exc:
            forms.attach_error(form, exc)
        else:
            flash(f"Category “{created.name}” created.", "success")
            return redirect(url_for("admin.index"), 303)
    return _categories_page(form, 400)


@bp.route("/categories/<id:category_id>", methods=["GET", "POST"])
def edit_category(category_id: int):
    """Rename or re-describe a category."""
    category = _category(category_id)
    form = forms.CategoryForm(obj=category)
    if form.validate_on_submit():
        try:
            services.update_category(
                category, actor=me(), name=form.name.data,
                description=form.description.data or "",
            )
        except FORM_ERRORS as exc:
            db.session.rollback()
            forms.attach_error(form, exc)
        else:
            flash(f"Category “{category.name}” saved.", "success")
            return redirect(url_for("admin.index"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("admin/category_edit.html", form=form, category=category), status


@bp.post("/categories/<id:category_id>/up")
def move_up(category_id: int):
    """Move a category one place up."""
    services.move_category(_category(category_id), -1, actor=me())
    return redirect(url_for("admin.index"), 303)


@bp.post("/categories/<id:category_id>/down")
def move_down(category_id: int):
    """Move a category one place down."""
    services.move_category(_category(category_id), 1, actor=me())
    return redirect(url_for("admin.index"), 303)


# -- people ----------------------------------------------------------------------------------------
def _users_page(status: int = 200):
    q = request.args.get("q", "")
    page = queries.list_users(q=q, page=page_arg(), per_page=USERS_PER_PAGE)
    providers = current_app.extensions.get(PEOPLE_EXTRAS, [])
    return render_template(
        "admin/users.html", page=page, q=q, roles=list(Role), has_extras=bool(providers),
        extras=_people_extras(providers, page.items),
    ), status


def _people_extras(providers, users: list[User]) -> dict[int, list[PersonExtra]]:
    """Every registered feature's badges and buttons for this page of people."""
    extras: dict[int, list[PersonExtra]] = defaultdict(list)
    for provider in providers:
        for user_id, items in provider(users, actor=me()).items():
            extras[user_id].extend(items)
    return extras


@bp.get("/users")
def users():
    """Members with their roles, searchable by name or email."""
    return _users_page()


@bp.post("/users/<id:user_id>/role")
def set_role(user_id: int):
    """Give someone a role."""
    user = db.get_or_404(User, user_id, description="That person does not exist.")
    form = forms.RoleForm()
    if not form.validate_on_submit():
        flash("Please choose one of the listed roles.", "error")
        return _users_page(400)
    try:
        services.set_role(user, Role(form.role.data), actor=me())
    except FORM_ERRORS as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _users_page(exc.status)
    flash(f"{user.name} is now {Role(form.role.data).value}.", "success")
    return redirect(url_for("admin.users", q=request.args.get("q") or None), 303)
