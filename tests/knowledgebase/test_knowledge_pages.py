"""Functional tests: the help centre, article pages and feedback, the staff workspace."""
import re

from sqlalchemy import select

from forum.extensions import db
from knowledgebase import clusters, services
from knowledgebase.models import Article, ArticleStatus
from tests.conftest import count_queries, login


def test_help_home_shows_categories_and_most_read(client, factory, kb):
    category = factory.category("Broadband")
    kb.published(category=category)
    kb.published(title="Paying your bill by card", body="Go to **Billing**.")
    kb.draft(title="Unfinished draft article")
    page = client.get("/help/").get_data(as_text=True)
    assert "Broadband" in page and "How to reset your router" in page
    assert "Paying your bill by card" in page and "General" in page
    assert "Most read" in page
    assert "Unfinished draft article" not in page


def test_help_home_query_count_does_not_grow_with_articles(client, factory, kb):
    category = factory.category("Broadband")
    kb.published(category=category)
    client.get("/help/")
    with count_queries() as few:
        client.get("/help/")
    for n in range(5):
        kb.published(title=f"Article number {n} about routers", category=category)
    with count_queries() as many:
        client.get("/help/")
    assert len(many) == len(few)


def test_article_page_renders_counts_view_and_lists_sources(client, factory, kb):
    thread = factory.thread(title="Router keeps dropping the connection?")
    article = kb.published(sources=[thread], summary="Reset it in two steps.")
    response = client.get(f"/help/{article.slug}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>reset</strong>" in page and "Reset it in two steps." in page
    assert "Was this article helpful?" in page
    assert "Router keeps dropping the connection?" in page
    assert db.session.get(Article, article.id).view_count == 1


def test_article_draft_hidden_from_public_shown_to_staff(client, kb, staff):
    article = kb.draft()
    assert client.get(f"/help/{article.slug}").status_code == 404
    login(client, staff)
    page = client.get(f"/help/{article.slug}").get_data(as_text=True)
    assert "Preview" in page and "only staff can see it" in page


def test_article_old_slug_redirects_permanently(client, kb, staff):
    article = kb.published()
    services.update_article(article, actor=staff, title="Resetting your broadband router",
                            body=article.body_source)
    response = client.get("/help/how-to-reset-your-router")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/help/resetting-your-broadband-router")
    by_id = client.get(f"/help/a/{article.id}")
    assert by_id.status_code == 301


def test_article_feedback_yes_then_no_with_comment(client, kb):
    article = kb.published()
    response = client.post(f"/help/{article.slug}/feedback", data={"helpful": "yes"})
    assert response.status_code == 303
    client.post(f"/help/{article.slug}/feedback",
                data={"helpful": "no", "comment": "Which button?"})
    article = db.session.get(Article, article.id)
    assert (article.helpful_count, article.not_helpful_count) == (0, 1)
    page = client.get(f"/help/{article.slug}").get_data(as_text=True)
    assert "You said no" in page


def test_article_feedback_without_answer_is_refused(client, kb):
    article = kb.published()
    client.post(f"/help/{article.slug}/feedback", data={"comment": "hm"})
    article = db.session.get(Article, article.id)
    assert (article.helpful_count, article.not_helpful_count) == (0, 0)


def test_staff_pages_forbidden_to_customers(client, customer):
    login(client, customer)
    for path in ("/help/staff", "/help/staff/articles", "/help/staff/review",
                 "/help/staff/search-gaps", "/help/staff/articles/new"):
        assert client.get(path).status_code == 403, path


def test_staff_pages_need_sign_in(client):
    response = client.get("/help/staff")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_dashboard_shows_clusters_with_best_answers(client, factory, staff):
    asker = factory.user("rob")
    threads = [factory.thread(asker, title=title, body="I forgot the router admin password.")
               for title in ("How do I reset my router password?",
                             "How do I reset my router password",
                             "How to reset my router password?")]
    factory.reply(threads[0], staff, body="Hold the reset button for ten seconds.")
    clusters.compute()
    login(client, staff)
    page = client.get("/help/staff").get_data(as_text=True)
    assert "Repeated questions" in page and "3</strong> questions" in page
    assert "Support team answer" in page and "Hold the reset button" in page
    assert "Promote to article" in page and "Deflection" in page


def test_dashboard_promote_button_opens_prefilled_draft(client, factory, staff):
    for title in ("How do I reset my router password?", "How do I reset my router password",
                  "How to reset my router password?"):
        factory.thread(title=title, body="I forgot the router admin password.")
    cluster = clusters.compute()[0]
    login(client, staff)
    response = client.post(f"/help/staff/clusters/{cluster.id}/promote")
    assert response.status_code == 303 and "/edit" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Questions this answers" in page


def test_cluster_page_split_form_splits(client, factory, staff):
    threads = [factory.thread(title=title, body="I forgot the router admin password.")
               for title in ("How do I reset my router password?",
                             "How do I reset my router password",
                             "How to reset my router password?")]
    cluster = clusters.compute()[0]
    login(client, staff)
    assert "Split off the ticked questions" in client.get(
        f"/help/staff/clusters/{cluster.id}").get_data(as_text=True)
    client.post(f"/help/staff/clusters/{cluster.id}/split",
                data={"thread_ids": [str(threads[0].id)]})
    assert {t.id for t in clusters.members(cluster)} == {threads[1].id, threads[2].id}


def test_editor_creates_draft_then_publishes_as_moderator(client, factory, moderator):
    category = factory.category("Billing")
    login(client, moderator)
    response = client.post("/help/staff/articles/new", data={
        "title": "Paying your bill by card", "summary": "Three steps.", "category": category.id,
        "tags": "billing, card", "review_interval_days": "90", "body": "Open **Billing**.",
    })
    assert response.status_code == 303, response.get_data(as_text=True)
    article = db.session.scalar(select(Article))
    assert article.status is ArticleStatus.DRAFT and article.review_interval_days == 90
    client.post(f"/help/staff/articles/{article.id}/status", data={"status": "published"})
    assert db.session.get(Article, article.id).status is ArticleStatus.PUBLISHED


def test_editor_bad_input_keeps_text_and_says_why(client, staff):
    login(client, staff)
    response = client.post("/help/staff/articles/new", data={
        "title": "Short", "body": "Kept body text", "review_interval_days": "180"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Kept body text" in page and "8 to 200 characters" in page


def test_staff_without_publish_right_sees_no_publish_button(client, kb, staff):
    article = kb.draft()
    login(client, staff)
    page = client.get(f"/help/staff/articles/{article.id}").get_data(as_text=True)
    assert "Send for review" in page and ">Publish<" not in page
    response = client.post(f"/help/staff/articles/{article.id}/status",
                           data={"status": "published"})
    assert response.status_code == 303
    assert db.session.get(Article, article.id).status is ArticleStatus.DRAFT


def test_history_shows_diff_and_restore_works(client, kb, staff):
    article = kb.draft(body="Line one.\nOld line.")
    services.update_article(article, actor=staff, title=article.title,
                            body="Line one.\nNew line.")
    login(client, staff)
    page = client.get(f"/help/staff/articles/{article.id}/history").get_data(as_text=True)
    assert re.search(r'diff-del">Old line\.', page) and re.search(r'diff-add">New line\.', page)
    client.post(f"/help/staff/articles/{article.id}/restore/1")
    assert db.session.get(Article, article.id).body_source == "Line one.\nOld line."


def test_review_page_lists_article_with_piling_complaints(client, factory, kb, staff):
    article = kb.published()
    for n in range(3):
        services.give_feedback(article, helpful=False, voter=factory.user(f"reader{n}"))
    login(client, staff)
    page = client.get("/help/staff/review").get_data(as_text=True)
    assert "How to reset your router" in page and "not helpful" in page


def test_nav_has_help_centre_link_and_staff_kb_link(client, staff):
    assert "Help centre" in client.get("/").get_data(as_text=True)
    login(client, staff)
    assert 'href="/help/staff">KB</a>' in client.get("/").get_data(as_text=True)
