"""The demo community's help articles: `flask forum seed-demo` (what `make run` runs on first
start) leaves the help centre with published articles written from the demo's questions."""
from __future__ import annotations

import re

from sqlalchemy import select

from forum import services as forum_services
from forum.extensions import db
from forum.models import Thread
from knowledgebase import demo
from knowledgebase.models import Article, ArticleStatus, ArticleThread


def _seed(app) -> str:
    result = app.test_cli_runner().invoke(args=["forum", "seed-demo"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_seed_demo_publishes_articles_from_demo_questions(app):
    output = _seed(app)

    articles = db.session.scalars(select(Article).order_by(Article.id)).all()
    sam = forum_services.get_user("sam")
    assert [a.title for a in articles] == [spec.title for spec in demo.ARTICLES]
    assert {a.status for a in articles} == {ArticleStatus.PUBLISHED}
    assert {a.author_id for a in articles} == {sam.id}
    assert all("<table>" in a.body_html or "<ol>" in a.body_html for a in articles)
    assert "3 help articles" in output
    for article, spec in zip(articles, demo.ARTICLES, strict=True):
        linked = db.session.scalars(
            select(Thread.title).join(ArticleThread, ArticleThread.thread_id == Thread.id)
            .where(ArticleThread.article_id == article.id)
        ).all()
        assert sorted(linked) == sorted(spec.sources)


def test_seed_demo_source_thread_says_answered_in_article(app, client):
    _seed(app)
    thread = db.session.scalar(
        select(Thread).where(Thread.title == "Hub 3 orange light blinking after a power cut"))

    page = client.get(f"/t/{thread.id}").get_data(as_text=True)

    assert "Answered in help article" in page
    assert "Hub 3 lights: what each colour means" in page


def test_seed_demo_help_centre_and_search_show_articles(app, client):
    _seed(app)

    home = client.get("/help/").get_data(as_text=True)
    results = client.get("/search?q=orange+light").get_data(as_text=True)

    assert all(spec.title in home for spec in demo.ARTICLES)
    assert "No help articles yet" not in home
    panel = re.search(r'<section class="kb-search-panel".*?</section>', results, re.S)
    assert panel is not None
    assert "Hub 3 <mark>lights</mark>: what each colour means" in panel.group(0)


def test_seed_demo_outside_any_request_without_server_name(make_app, app):
    """`make run` seeds from the command line, where no request gives url_for a host."""
    plain = make_app(SERVER_NAME=None, BASE_URL="http://127.0.0.1:5091")

    with plain.app_context():
        result = plain.test_cli_runner().invoke(args=["forum", "seed-demo"])
        thread = db.session.scalar(
            select(Thread).where(Thread.title == "Why did my bill go up by £6 this month?"))

        assert result.exit_code == 0, result.output
        assert thread.canonical_url == "/help/why-your-bill-changed"
