"""Every permission question, answered by forum/permissions.py, for each role."""
from types import SimpleNamespace

import pytest

from forum import permissions
from forum.models import PostStatus, Role


def person(uid: int, role: Role = Role.CUSTOMER, placeholder: bool = False):
    return SimpleNamespace(id=uid, role=role, is_authenticated=True, is_placeholder=placeholder)


ANON = SimpleNamespace(id=None, is_authenticated=False)


def thread(author_id=1, status=PostStatus.PUBLISHED, closed=False, published_at=None):
    return SimpleNamespace(id=10, author_id=author_id, status=status,
                           closed_at="2026-01-01" if closed else None,
                           published_at=published_at)


def post(author_id=1, number=2, status=PostStatus.PUBLISHED, thread_id=10):
    return SimpleNamespace(id=5, author_id=author_id, number=number, thread_id=thread_id,
                           is_question=number == 1, is_deleted=status is PostStatus.DELETED,
                           status=status)


@pytest.mark.parametrize("role,staff,moderate,admin", [
    (Role.CUSTOMER, False, False, False),
    (Role.STAFF, True, False, False),
    (Role.MODERATOR, True, True, False),
    (Role.ADMIN, True, True, True),
])
def test_roles_grant_expected_powers(role, staff, moderate, admin):
    user = person(1, role)
    assert permissions.is_staff(user) is staff
    assert permissions.can_moderate(user) is moderate
    assert permissions.can_admin(user) is admin
    assert permissions.can_manage_categories(user) is admin
    assert permissions.can_set_roles(user) is admin


def test_anonymous_can_read_but_not_act():
    assert permissions.can_view_thread(None, thread())
    assert permissions.can_view_thread(ANON, thread())
    assert not permissions.can_post(ANON)
    assert not permissions.can_reply(None, thread())
    assert not permissions.can_edit(ANON, post())
    assert not permissions.can_vote(ANON, post())


def test_held_thread_visible_to_author_and_moderators_only():
    held = thread(author_id=1, status=PostStatus.HELD)
    assert permissions.can_view_thread(person(1), held)
    assert not permissions.can_view_thread(person(2), held)
    assert permissions.can_view_thread(person(3, Role.MODERATOR), held)
    assert not permissions.can_reply(person(1), held)


def test_thread_once_published_with_question_hidden_stays_visible_to_everyone():
    hidden = thread(author_id=1, status=PostStatus.HELD, published_at="2026-01-01")
    assert permissions.can_view_thread(ANON, hidden)
    assert permissions.can_view_thread(person(2), hidden)
    assert not permissions.can_reply(person(2), hidden)


def test_deleted_thread_once_published_is_not_visible():
    gone = thread(author_id=1, status=PostStatus.DELETED, published_at="2026-01-01")
    assert not permissions.can_view_thread(person(2), gone)


def test_read_post_held_only_author_and_moderators():
    held = post(author_id=1, number=1, status=PostStatus.HELD)
    assert permissions.can_read_post(person(1), held)
    assert permissions.can_read_post(person(3, Role.MODERATOR), held)
    assert not permissions.can_read_post(person(2), held)
    assert not permissions.can_read_post(ANON, held)
    assert permissions.can_read_post(ANON, post())


def test_edit_own_post_only_unless_moderator():
    mine = post(author_id=1)
    assert permissions.can_edit(person(1), mine)
    assert not permissions.can_edit(person(2), mine)
    assert not permissions.can_edit(person(2, Role.STAFF), mine)
    assert permissions.can_edit(person(2, Role.MODERATOR), mine)
    assert not permissions.can_edit(person(1), post(author_id=1, status=PostStatus.DELETED))


def test_accept_by_asker_or_staff_on_replies_only():
    question_thread = thread(author_id=1)
    answer = post(author_id=2)
    assert permissions.can_accept(person(1), question_thread, answer)
    assert permissions.can_accept(person(9, Role.STAFF), question_thread, answer)
    assert not permissions.can_accept(person(3), question_thread, answer)
    assert not permissions.can_accept(person(1), question_thread, post(number=1))
    assert not permissions.can_accept(person(1), question_thread, post(thread_id=99))


def test_vote_not_on_own_post_and_not_by_placeholders():
    assert permissions.can_vote(person(2), post(author_id=1))
    assert not permissions.can_vote(person(1), post(author_id=1))
    assert not permissions.can_vote(person(2, placeholder=True), post(author_id=1))


def test_closed_thread_takes_no_replies_and_staff_close():
    assert not permissions.can_reply(person(1), thread(closed=True))
    assert permissions.can_close(person(1, Role.STAFF))
    assert not permissions.can_close(person(1))
