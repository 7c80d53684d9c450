"""Names that impersonate: lookalike usernames, display names claiming a role or the brand,
invisible characters, and mentions that link to exactly the person written."""
import html as html_lib

import pytest
from sqlalchemy import select

from forum import services
from forum.extensions import db
from forum.models import Notification, Post, Role, User
from tests.conftest import PASSWORD, login


def _html(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def _question(thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


@pytest.fixture
def sam(factory):
    return factory.user("sam", role=Role.STAFF, display_name="Sam")


@pytest.mark.parametrize("lookalike", ["sam.", "sam_", "s4m", "S-a-M", "5am"])
def test_lookalike_of_a_staff_username_is_refused_and_the_form_kept(client, sam, lookalike):
    response = client.post("/register", data={
        "username": lookalike, "email": "new@example.com", "password": PASSWORD,
        "display_name": "New Person",
    })
    page = _html(response)
    assert response.status_code == 400
    assert "looks too much like @sam" in page
    assert f'value="{lookalike}"' in page and 'value="new@example.com"' in page
    assert db.session.scalar(select(User).where(User.email == "new@example.com")) is None


def test_lookalike_of_any_member_is_refused_in_the_service(factory):
    factory.user("dan.k")
    with pytest.raises(services.ValidationError, match="looks too much like @dan.k"):
        services.register_user("Dan_K", "dk@example.com", PASSWORD)


@pytest.mark.parametrize("display_name", [
    "Mia (moderator)", "Mia (mоdеrаtоr)", "Sam ✓ Support", "Brightwave Help", "Official Team",
])
def test_customer_display_name_claiming_staff_or_brand_is_refused(client, display_name):
    response = client.post("/register", data={
        "username": "mia_c", "email": "mia@example.com", "password": PASSWORD,
        "display_name": display_name,
    })
    page = _html(response)
    assert response.status_code == 400
    assert "kept for the brand's own staff" in page
    assert display_name in page  # what they typed is still in the form


def test_customer_cannot_take_a_staff_name_in_settings(client, factory):
    mia = factory.user("mia", display_name="Mia")
    login(client, mia)
    response = client.post("/settings/profile", data={
        "display_name": "Mia (Moderator)", "bio": "Hi", "email": "mia@example.com",
    })
    assert response.status_code == 400
    assert "kept for the brand's own staff" in _html(response)
    db.session.refresh(mia)
    assert mia.display_name == "Mia"


def test_staff_may_carry_role_and_brand_in_their_name(factory):
    staff = factory.user("joanne", role=Role.STAFF, display_name="Jo (Brightwave Support)")
    assert staff.display_name == "Jo (Brightwave Support)"
    moderator = factory.user("the_mod", role=Role.MODERATOR)
    assert moderator.username == "the_mod"


def test_customer_username_claiming_a_role_is_refused(factory):
    with pytest.raises(services.ValidationError, match="staff"):
        services.register_user("brightwave_support", "bs@example.com", PASSWORD)


def test_display_name_is_stored_without_invisible_or_control_characters(client, factory):
    user = factory.user("zed", display_name="Z\u200be\u202ed\x00  Smith")
    assert user.display_name == "Zed Smith"
    login(client, user)
    client.post("/settings/profile", data={
        "display_name": "Zed\u2066 \u200dJones", "bio": "", "email": "zed@example.com",
    })
    db.session.refresh(user)
    assert user.display_name == "Zed Jones"


def test_mention_links_the_account_written_not_a_lookalike(factory):
    """An account named `sam.` from before skeletons: `@sam.` is it, `thanks @sam.` too;
    `@sam` is sam. Each notification goes to the person linked."""
    sam = factory.user("sam", role=Role.STAFF)
    dotted = User(username="sam.", username_key="sam.", email="dot@example.com",
                  password_hash="x")
    db.session.add(dotted)
    db.session.commit()
    author = factory.user("asker")
    thread = factory.thread(author, body="Question for @sam. please")
    assert 'href="/u/sam."' in _question(thread).body_html
    assert 'href="/u/sam"' not in _question(thread).body_html
    post = factory.reply(thread, author, body="Thanks @sam, and @sam.")
    assert 'href="/u/sam"' in post.body_html and 'href="/u/sam."' in post.body_html
    notified = set(db.session.scalars(
        select(Notification.user_id).where(Notification.post_id == _question(thread).id)))
    assert dotted.id in notified and sam.id not in notified


def test_sentence_full_stop_after_a_mention_still_links(factory):
    sam = factory.user("sam", role=Role.STAFF)
    thread = factory.thread(factory.user("asker"), body="Thanks @sam.")
    assert 'href="/u/sam"' in _question(thread).body_html
    assert sam.username_skeleton == "sam"


def test_a_staff_name_leaves_with_the_staff_role(factory):
    admin = factory.user("the_admin", role=Role.ADMIN)
    former = factory.user("samuel", role=Role.STAFF, display_name="Sam (Brightwave Support)")
    services.set_role(former, Role.CUSTOMER, actor=admin)
    assert former.display_name == ""
    kept = factory.user("grace", role=Role.STAFF, display_name="Grace Hopper")
    services.set_role(kept, Role.CUSTOMER, actor=admin)
    assert kept.display_name == "Grace Hopper"
