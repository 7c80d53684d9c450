"""Admin pages: categories (create, rename, describe, reorder) and roles; admins only."""
import pytest
from sqlalchemy import func, select

from forum import services
from forum.extensions import db
from forum.models import Category, Role
from tests.conftest import login


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin_client(client, factory):
    """A client signed in as an admin."""
    login(client, factory.user("root", role=Role.ADMIN))
    return client


def _names_in_order() -> list[str]:
    return [c.name for c in services.list_categories()]


@pytest.mark.parametrize("path", ["/admin", "/admin/users", "/admin/users?q=roo&page=1"])
def test_admin_page_admin_renders(admin_client, path):
    assert admin_client.get(path).status_code == 200


def test_admin_category_edit_page_renders(admin_client, factory):
    category = factory.category("Billing", "Invoices and refunds")
    html = _html(admin_client.get(f"/admin/categories/{category.id}"))
    assert 'value="Billing"' in html and "Invoices and refunds" in html


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.STAFF, Role.MODERATOR])
def test_admin_non_admin_gets_friendly_403(client, factory, role):
    login(client, factory.user("someone", role=role))
    response = client.get("/admin")
    assert response.status_code == 403
    assert "for community admins" in _html(response)
    assert client.post("/admin/categories", data={"name": "Sneaky"}).status_code == 403
    assert services.find_category("Sneaky") is None


def test_admin_anonymous_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login?next=%2Fadmin%2Fusers" in response.headers["Location"]


def test_admin_create_category_adds_it_at_the_end(admin_client, factory):
    factory.category("First")
    response = admin_client.post("/admin/categories",
                                 data={"name": "Shipping", "description": "Parcels"})
    assert response.status_code == 303
    assert _names_in_order() == ["First", "Shipping"]
    assert "Parcels" in _html(admin_client.get("/"))


def test_admin_create_duplicate_category_shows_error_and_keeps_input(admin_client, factory):
    factory.category("Shipping")
    response = admin_client.post("/admin/categories",
                                 data={"name": "shipping", "description": "Typed carefully"})
    html = _html(response)
    assert response.status_code == 400
    assert "A category with that name exists." in html
    assert 'value="shipping"' in html and "Typed carefully" in html
    assert db.session.scalar(select(func.count(Category.id))) == 1


def test_admin_rename_and_describe_category(admin_client, factory):
    category = factory.category("Shiping")
    response = admin_client.post(f"/admin/categories/{category.id}",
                                 data={"name": "Shipping", "description": "Where is my parcel?"})
    assert response.status_code == 303
    db.session.refresh(category)
    assert (category.name, category.slug) == ("Shipping", "shipping")
    assert category.description == "Where is my parcel?"
    assert admin_client.get("/c/shipping").status_code == 200


def test_admin_rename_to_taken_name_shows_error(admin_client, factory):
    factory.category("Billing")
    category = factory.category("Shipping")
    response = admin_client.post(f"/admin/categories/{category.id}",
                                 data={"name": "Billing", "description": ""})
    assert response.status_code == 400 and "exists" in _html(response)
    db.session.refresh(category)
    assert category.name == "Shipping"


def test_admin_reorder_categories_up_and_down(admin_client, factory):
    a, b, c = factory.category("A1"), factory.category("B1"), factory.category("C1")
    admin_client.post(f"/admin/categories/{c.id}/up")
    assert _names_in_order() == ["A1", "C1", "B1"]
    admin_client.post(f"/admin/categories/{a.id}/down")
    assert _names_in_order() == ["C1", "A1", "B1"]
    assert b.id


def test_admin_unknown_category_is_404(admin_client):
    assert admin_client.get("/admin/categories/999").status_code == 404


def test_admin_users_list_filters_by_name(admin_client, factory):
    factory.user("zebra_fan", display_name="Zed")
    factory.user("other")
    html = _html(admin_client.get("/admin/users?q=zebra_"))
    assert "zebra_fan" in html and "@other" not in html


def test_admin_set_role_changes_role_and_shows_badge(admin_client, factory):
    bob = factory.user("bob")
    response = admin_client.post(f"/admin/users/{bob.id}/role", data={"role": "staff"})
    assert response.status_code == 303
    db.session.refresh(bob)
    assert bob.role is Role.STAFF
    assert "Support team" in _html(admin_client.get("/u/bob"))


def test_admin_set_role_unknown_role_is_refused(admin_client, factory):
    bob = factory.user("bob")
    response = admin_client.post(f"/admin/users/{bob.id}/role", data={"role": "overlord"})
    assert response.status_code == 400
    db.session.refresh(bob)
    assert bob.role is Role.CUSTOMER


def test_admin_demoting_yourself_is_refused_with_message(admin_client):
    root = services.get_user("root")
    response = admin_client.post(f"/admin/users/{root.id}/role", data={"role": "customer"})
    assert response.status_code == 409
    assert "cannot remove your own admin role" in _html(response)
    db.session.refresh(root)
    assert root.role is Role.ADMIN
