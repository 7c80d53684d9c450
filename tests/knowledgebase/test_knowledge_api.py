"""JSON API: suggestions while asking and help articles."""
from forum import services as forum_services
from knowledgebase import suggestions

API = "/api/v1"


def test_suggest_empty_query_returns_no_results(client, factory):
    factory.thread(title="How do I reset my router password?")
    response = client.get(f"{API}/suggest?q=")
    assert response.status_code == 200
    assert response.get_json() == {"results": []}


def test_suggest_missing_query_is_bad_request(client):
    response = client.get(f"{API}/suggest")
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "q"


def test_suggest_returns_article_first_then_threads(client, factory, kb):
    solved = factory.thread(title="How do I reset my router password?",
                            body="Forgot the admin password.")
    answer = factory.reply(solved, body="Hold the reset button.")
    forum_services.accept_answer(answer, actor=solved.author)
    factory.thread(title="Reset router password not working", body="Router password reset.")
    factory.thread(title="Which TV channels are included?", body="Channel list please.")
    article = kb.published(title="Resetting your router password",
                           summary="Reset the router's admin password.")
    data = client.get(f"{API}/suggest?q=how to reset router password").get_json()
    results = data["results"]
    assert results[0]["type"] == "article" and results[0]["id"] == article.id
    assert results[0]["url"].endswith(f"/help/{article.slug}")
    assert {r["type"] for r in results[1:]} == {"thread"}
    assert solved.id in [r["id"] for r in results[1:]]
    assert all(set(r) >= {"type", "id", "title", "url", "score"} for r in results)
    assert [r["solved"] for r in results[1:] if r["id"] == solved.id] == [True]
    assert "Which TV channels are included?" not in [r["title"] for r in results]
    assert len(results) <= 5


def test_suggest_limit_out_of_range_is_bad_request(client):
    assert client.get(f"{API}/suggest?q=router&limit=50").status_code == 400


def test_suggest_sees_threads_posted_after_first_use(client, factory):
    factory.thread(title="How do I reset my router password?")
    assert client.get(f"{API}/suggest?q=pair remote with tv").get_json()["results"] == []
    late = factory.thread(title="How do I pair the remote with my TV?")
    results = client.get(f"{API}/suggest?q=pair remote with tv").get_json()["results"]
    assert [r["id"] for r in results] == [late.id]


def test_suggest_hides_threads_no_longer_public(client, factory, moderator):
    thread = factory.thread(title="How do I reset my router password?")
    assert client.get(f"{API}/suggest?q=reset router password").get_json()["results"]
    forum_services.delete_post(thread.accepted_post or _question(thread), actor=moderator)
    assert client.get(f"{API}/suggest?q=reset router password").get_json()["results"] == []


def _question(thread):
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Post

    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def test_get_article_published_for_anyone(client, factory, kb):
    thread = factory.thread()
    article = kb.published(sources=[thread], tags="router")
    data = client.get(f"{API}/articles/{article.id}").get_json()
    assert data["title"] == article.title and data["status"] == "published"
    assert "<strong>reset</strong>" in data["body_html"] and data["tags"] == ["router"]
    assert [t["id"] for t in data["source_threads"]] == [thread.id]


def test_get_article_draft_hidden_without_staff_token(client, kb, staff):
    article = kb.draft()
    assert client.get(f"{API}/articles/{article.id}").status_code == 404
    _token, raw = forum_services.create_api_token(staff, actor=None)
    response = client.get(f"{API}/articles/{article.id}",
                          headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200 and response.get_json()["status"] == "draft"


def test_list_articles_with_query_searches_published_only(client, kb):
    kb.published(title="How to reset your router")
    kb.published(title="Paying your bill by card", body="Open billing.")
    kb.draft(title="Router lights explained", body="The router lights.")
    data = client.get(f"{API}/articles?q=router").get_json()
    assert [r["title"] for r in data["results"]] == ["How to reset your router"]
    assert data["total"] == 1 and data["query"] == "router"
    everything = client.get(f"{API}/articles").get_json()
    assert everything["total"] == 2


def test_openapi_documents_kb_endpoints(client):
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    assert {"/suggest", "/articles", "/articles/{article_id}"} <= set(paths)


def test_suggestions_reset_rebuilds_from_saved_index(app, factory):
    thread = factory.thread(title="How do I reset my router password?")
    assert [s.id for s in suggestions.suggest("reset router password")] == [thread.id]
    suggestions.reset()
    assert [s.id for s in suggestions.suggest("reset router password")] == [thread.id]



def test_api_search_article_hit_has_its_url(client, kb):
    article = kb.published(title="Resetting your hub to factory settings",
                           summary="Hold the pinhole button for ten seconds.")
    results = client.get(f"{API}/search?q=pinhole").get_json()["results"]
    urls = [r["url"] for r in results if r["type"] == "article"]
    assert urls and urls[0].endswith(f"/help/a/{article.id}")
