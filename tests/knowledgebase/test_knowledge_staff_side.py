"""Functional tests for the staff side of the knowledge base: questions a help article
answers stop waiting, askers hear about the article, publishers review what writers send, and
admins grant the publish right from the People page."""
import re
from datetime import timedelta

from sqlalchemy import select

from forum import metrics
from forum import services as forum_services
from forum.extensions import db
from forum.models import Notification, NotificationKind, Role, User, utcnow
from knowledgebase import clusters, permissions, queries, services
from knowledgebase.models import Article, ArticleStatus
from tests.conftest import PASSWORD, login


def _html(response) -> str:
    return response.get_data(as_text=True)


def _csrf_token(client, path: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                     _html(client.get(path))).group(1)


def _old_question(factory, title: str = "Router keeps dropping at night", author=None):
    return forum_services.create_thread(
        author=author or factory.user(), title=title, body="Since Monday.",
        category=factory.category(), created_at=utcnow() - timedelta(hours=2))


# -- answered by a help article: no longer waiting ---------------------------------------------
def test_waiting_lists_article_answered_question_left_out(client, factory, kb, staff,
                                                          monkeypatch):
    monkeypatch.setattr(metrics, "_OVERDUE", {})
    thread = _old_question(factory)
    kb.published(sources=[thread])
    login(client, staff)
    page = _html(client.get(f"/t/{thread.id}"))
    assert thread.title not in _html(client.get("/staff/"))
    assert thread.title not in _html(client.get("/threads?tab=unanswered"))
    assert metrics.overdue_count() == 0
    assert "<dd>Waiting for an answer</dd>" not in page
    assert "<dd>Answered in a help article</dd>" in page


# -- askers hear when an article answers them --------------------------------------------------
def _notices(user, kind):
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)))


def test_publish_from_cluster_tells_each_asker_once_with_link(client, factory, staff,
                                                              moderator):
    rob, una = factory.user("rob"), factory.user("una")
    for asker, title in ((rob, "How do I reset my router password?"),
                         (rob, "How do I reset my router password"),
                         (una, "How to reset my router password?")):
        factory.thread(asker, title=title, body="I forgot the router admin password.")
    article = clusters.promote(clusters.compute()[0], actor=staff)
    login(client, moderator)
    client.post(f"/help/staff/articles/{article.id}/status", data={"status": "published"})

    url = services.article_url(db.session.get(Article, article.id))
    assert [n.url for n in _notices(rob, NotificationKind.ARTICLE)] == [url]
    assert [n.url for n in _notices(una, NotificationKind.ARTICLE)] == [url]
    client.post("/logout")
    login(client, una)
    page = _html(client.get("/notifications"))
    assert "Help article" in page and "is answered in the new help article" in page


def test_publish_does_not_tell_the_publishing_asker(factory, kb, moderator):
    customer = factory.user("cora")
    own, theirs = factory.thread(moderator), factory.thread(customer)
    kb.published(sources=[own, theirs])
    assert _notices(moderator, NotificationKind.ARTICLE) == []
    assert len(_notices(customer, NotificationKind.ARTICLE)) == 1


def test_republish_after_archive_tells_nobody_again(factory, kb, moderator):
    customer = factory.user("cora")
    article = kb.published(sources=[factory.thread(customer)])
    services.set_status(article, ArticleStatus.ARCHIVED, actor=moderator)
    services.set_status(article, ArticleStatus.PUBLISHED, actor=moderator)
    assert len(_notices(customer, NotificationKind.ARTICLE)) == 1


# -- publishers review what writers send -------------------------------------------------------
def test_sent_for_review_lists_article_for_publisher(client, kb, staff, moderator):
    article = kb.draft(title="Paying your bill by card")
    services.set_status(article, ArticleStatus.IN_REVIEW, actor=staff)
    kb.draft(title="A draft nobody sent yet")
    login(client, moderator)
    response = client.get("/help/staff/sent-for-review")
    page = _html(response)
    assert response.status_code == 200
    assert "Paying your bill by card" in page and "A draft nobody sent yet" not in page
    assert 'href="/help/staff/sent-for-review" aria-current="page"' in page


def test_sent_for_review_publish_button_publishes_and_returns(client, kb, staff, moderator):
    article = kb.draft()
    services.set_status(article, ArticleStatus.IN_REVIEW, actor=staff)
    login(client, moderator)
    response = client.post(f"/help/staff/articles/{article.id}/status",
                           data={"status": "published", "next": "sent_for_review"})
    assert response.headers["Location"].endswith("/help/staff/sent-for-review")
    assert db.session.get(Article, article.id).status is ArticleStatus.PUBLISHED


def test_sent_for_review_forbidden_to_staff_without_publish_right(client, staff):
    login(client, staff)
    assert client.get("/help/staff/sent-for-review").status_code == 403
    assert "/help/staff/sent-for-review" not in _html(client.get("/help/staff"))


def test_sent_for_review_open_to_staff_granted_publish_right(client, staff):
    services.grant_publish(staff, actor=None)
    login(client, staff)
    assert client.get("/help/staff/sent-for-review").status_code == 200


def test_send_for_review_tells_every_publisher_but_the_writer(client, factory, kb, staff,
                                                              moderator):
    admin, granted = factory.user("ada", role=Role.ADMIN), factory.user("gus", role=Role.STAFF)
    services.grant_publish(granted, actor=None)
    services.grant_publish(staff, actor=None)
    writer, customer = factory.user("wes", role=Role.STAFF), factory.user("cora")
    article = services.create_article(actor=writer, title="How to reset your router",
                                      body="Hold the button.")
    login(client, writer)
    client.post(f"/help/staff/articles/{article.id}/status", data={"status": "in_review"})

    told = {user.username for user in (admin, granted, staff, moderator, writer, customer)
            if _notices(user, NotificationKind.ARTICLE_REVIEW)}
    assert told == {"ada", "gus", "sam", "mia"}
    note = _notices(moderator, NotificationKind.ARTICLE_REVIEW)[0]
    assert note.url == f"/help/staff/articles/{article.id}"
    client.post("/logout")
    login(client, moderator)
    assert "Article to review" in _html(client.get("/notifications"))
    opened = client.get(f"/notifications/{note.id}")
    assert opened.headers["Location"].endswith(f"/help/staff/articles/{article.id}")


# -- admins grant the publish right on the People page -----------------------------------------
def test_people_page_shows_publishers_and_grant_buttons(client, factory, staff, moderator):
    granted = factory.user("gus", role=Role.STAFF)
    services.grant_publish(granted, actor=None)
    factory.user("cora")
    login(client, factory.user("root", role=Role.ADMIN))
    page = _html(client.get("/admin/users"))
    rows = {name: row for name, row in re.findall(
        r'<span class="muted small">@(\w+)</span>(.*?)</tr>', page, re.S)}
    assert "Publisher" in rows["gus"] and "Revoke publishing" in rows["gus"]
    assert "Allow publishing" in rows["sam"] and "Publisher" not in rows["sam"]
    assert "Publishes (role)" in rows["mia"] and "publishing" not in rows["mia"]
    assert "publishing" not in rows["cora"]


def test_people_page_grant_then_revoke_publish_right(client, factory, staff):
    login(client, factory.user("root", role=Role.ADMIN))
    granted = client.post(f"/help/staff/publishers/{staff.id}", data={"grant": "1", "q": "sa"})
    assert granted.status_code == 303
    assert granted.headers["Location"].endswith("/admin/users?q=sa")
    assert permissions.has_publish_right(db.session.get(User, staff.id))
    revoked = client.post(f"/help/staff/publishers/{staff.id}", data={"grant": "0"},
                          follow_redirects=True)
    assert "may no longer publish help articles" in _html(revoked)
    assert not permissions.has_publish_right(db.session.get(User, staff.id))


def test_people_page_grant_to_customer_refused_with_message(client, factory, customer):
    login(client, factory.user("root", role=Role.ADMIN))
    response = client.post(f"/help/staff/publishers/{customer.id}", data={"grant": "1"},
                           follow_redirects=True)
    assert "Only staff can be given the publish right." in _html(response)
    assert not queries.publisher_ids([customer.id])


def test_people_page_grant_forbidden_to_non_admins(client, factory, staff, moderator):
    login(client, moderator)
    assert client.post(f"/help/staff/publishers/{staff.id}", data={"grant": "1"}
                       ).status_code == 403
    assert not queries.publisher_ids([staff.id])


def test_people_page_grant_needs_csrf_token(make_app, factory, staff):
    factory.user("root", role=Role.ADMIN)
    guarded = make_app(WTF_CSRF_ENABLED=True)
    with guarded.app_context():
        client = guarded.test_client()
        client.post("/login", data={"login": "root", "password": PASSWORD,
                                    "csrf_token": _csrf_token(client, "/login")})
        url = f"/help/staff/publishers/{staff.id}"
        assert client.post(url, data={"grant": "1"}).status_code == 400
        assert not queries.publisher_ids([staff.id])
        token = _csrf_token(client, "/admin/users")
        assert client.post(url, data={"grant": "1", "csrf_token": token}).status_code == 303
        assert queries.publisher_ids([staff.id]) == {staff.id}
