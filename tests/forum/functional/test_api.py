"""Functional tests for the JSON API v1: every endpoint, every error shape, the OpenAPI match."""
import re

import pytest
from sqlalchemy import func, select

from forum import services
from forum.extensions import db
from forum.models import Post, PostStatus, Role, Thread
from moderation import services as moderation
from moderation.models import SanctionKind
from tests.conftest import login

API = "/api/v1"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def _token(user) -> str:
    return services.create_api_token(user, actor=None, name="tests")[1]


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _error(response, status: int, code: str, field: str | None = None) -> dict:
    """Assert the JSON error shape and return its body."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error.get("field") == field
    return error


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def alice(factory):
    return factory.user("alice")


@pytest.fixture
def alice_token(alice):
    return _token(alice)


# -- POST /threads -----------------------------------------------------------------------------
def test_create_thread_valid_token_returns_201_with_thread(client, factory, alice, alice_token):
    category = factory.category("Routers")
    response = client.post(f"{API}/threads", headers=_auth(alice_token), json={
        "title": "How do I reset my router?", "body": "It **blinks** red.",
        "category": category.id,
    })
    assert response.status_code == 201
    data = response.get_json()
    assert data["status"] == "published"
    assert data["title"] == "How do I reset my router?"
    assert data["category"] == {"id": category.id, "name": "Routers", "slug": "routers"}
    assert data["author"]["username"] == "alice"
    assert data["url"].endswith(str(data["id"]))
    assert data["created_at"].endswith("Z")
    assert "<strong>blinks</strong>" in data["body_html"]
    assert response.headers["Location"].endswith(f"{API}/threads/{data['id']}")
    assert db.session.get(Thread, data["id"]).author_id == alice.id


def test_create_thread_category_by_slug_uses_that_category(client, factory, alice_token):
    factory.category("General")
    billing = factory.category("Billing Questions")
    response = client.post(f"{API}/threads", headers=_auth(alice_token), json={
        "title": "Why was I charged twice?", "body": "Two charges.",
        "category": "billing-questions",
    })
    assert response.status_code == 201
    assert response.get_json()["category"]["id"] == billing.id


def test_create_thread_without_category_uses_first_category(client, factory, alice_token):
    first = factory.category("General")
    factory.category("Other")
    response = client.post(f"{API}/threads", headers=_auth(alice_token),
                           json={"title": "Where do I start here?", "body": "Hello."})
    assert response.status_code == 201
    assert response.get_json()["category"]["id"] == first.id


def test_create_thread_unknown_category_returns_404_with_field(client, factory, alice_token):
    factory.category("General")
    response = client.post(f"{API}/threads", headers=_auth(alice_token), json={
        "title": "Where does this one go?", "body": "Hmm.", "category": "no-such-place",
    })
    _error(response, 404, "not_found", "category")
    assert _count(Thread) == 0


def test_create_thread_same_client_token_returns_200_same_thread(client, factory, alice_token):
    factory.category()
    payload = {"title": "Double clicked question?", "body": "Once only.", "client_token": "k-1"}
    first = client.post(f"{API}/threads", headers=_auth(alice_token), json=payload)
    second = client.post(f"{API}/threads", headers=_auth(alice_token), json=payload)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.get_json()["id"] == first.get_json()["id"]
    assert _count(Thread) == 1


def test_create_thread_bad_json_returns_400(client, factory, alice_token):
    factory.category()
    response = client.post(f"{API}/threads", headers=_auth(alice_token),
                           data='{"title": "oops", ', content_type="application/json")
    _error(response, 400, "bad_json")


@pytest.mark.parametrize("payload", ["[1, 2]", '"a string"', "null", ""])
def test_create_thread_json_not_an_object_returns_400(client, factory, alice_token, payload):
    factory.category()
    response = client.post(f"{API}/threads", headers=_auth(alice_token), data=payload,
                           content_type="application/json")
    _error(response, 400, "bad_json")


@pytest.mark.parametrize("missing", ["title", "body"])
def test_create_thread_missing_field_returns_400_with_field(client, factory, alice_token,
                                                            missing):
    factory.category()
    payload = {"title": "A perfectly fine title?", "body": "A body."}
    del payload[missing]
    response = client.post(f"{API}/threads", headers=_auth(alice_token), json=payload)
    _error(response, 400, "missing_field", missing)


def test_create_thread_title_not_a_string_returns_400_with_field(client, factory, alice_token):
    factory.category()
    response = client.post(f"{API}/threads", headers=_auth(alice_token),
                           json={"title": 12345678, "body": "A body."})
    _error(response, 400, "invalid", "title")


def test_create_thread_short_title_returns_service_error_with_field(client, factory,
                                                                     alice_token):
    factory.category()
    response = client.post(f"{API}/threads", headers=_auth(alice_token),
                           json={"title": "Help", "body": "A body."})
    error = _error(response, 400, "invalid", "title")
    assert "at least" in error["message"]


def test_create_thread_overlong_client_token_returns_400(client, factory, alice_token):
    factory.category()
    response = client.post(f"{API}/threads", headers=_auth(alice_token), json={
        "title": "A perfectly fine title?", "body": "A body.", "client_token": "x" * 65,
    })
    _error(response, 400, "invalid", "client_token")


def test_create_thread_no_token_returns_401_with_www_authenticate(client, factory):
    factory.category()
    response = client.post(f"{API}/threads",
                           json={"title": "A perfectly fine title?", "body": "A body."})
    _error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _count(Thread) == 0


@pytest.mark.parametrize("header", ["Bearer prl_not-a-real-token", "Basic YWxpY2U6cHc=",
                                    "Bearer"])
def test_create_thread_invalid_token_returns_401(client, factory, alice_token, header):
    factory.category()
    response = client.post(f"{API}/threads", headers={"Authorization": header},
                           json={"title": "A perfectly fine title?", "body": "A body."})
    _error(response, 401, "unauthorized")
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_create_thread_session_cookie_without_token_returns_401(client, factory, alice):
    factory.category()
    login(client, alice)
    response = client.post(f"{API}/threads",
                           json={"title": "A perfectly fine title?", "body": "A body."})
    _error(response, 401, "unauthorized")
    assert _count(Thread) == 0


def test_create_thread_revoked_token_returns_401(client, factory, alice):
    factory.category()
    token, raw = services.create_api_token(alice, actor=None)
    services.revoke_api_token(token, actor=alice)
    response = client.post(f"{API}/threads", headers=_auth(raw),
                           json={"title": "A perfectly fine title?", "body": "A body."})
    _error(response, 401, "unauthorized")


def test_create_thread_body_over_max_content_length_returns_json_413(app, client, factory,
                                                                     alice_token):
    factory.category()
    body = "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = client.post(f"{API}/threads", headers=_auth(alice_token),
                           json={"title": "A perfectly fine title?", "body": body})
    _error(response, 413, "too_large")
    assert _count(Thread) == 0


def test_create_thread_placeholder_user_returns_403(client, factory):
    factory.category()
    ghost = factory.user("ghost")
    ghost.is_placeholder = True
    db.session.commit()
    response = client.post(f"{API}/threads", headers=_auth(_token(ghost)),
                           json={"title": "A perfectly fine title?", "body": "A body."})
    _error(response, 403, "forbidden")


# -- GET /threads/<id> -------------------------------------------------------------------------
def test_get_thread_anonymous_returns_question_accepted_then_replies(client, factory, alice):
    thread = factory.thread(alice, title="Why is the light orange?", body="It *was* green.")
    first = factory.reply(thread, body="First reply.")
    staff = factory.user("sam", role=Role.STAFF, display_name="Sam from Support")
    answer = factory.reply(thread, staff, body="Hold reset for ten seconds.")
    services.accept_answer(answer, actor=alice)
    response = client.get(f"{API}/threads/{thread.id}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["title"] == "Why is the light orange?"
    assert "<em>was</em>" in data["body_html"]
    assert data["solved"] is True
    assert data["accepted_post_id"] == answer.id
    assert data["reply_count"] == 2
    assert data["author"] == {"id": alice.id, "username": "alice", "display_name": "alice",
                              "role": "customer", "badge": None}
    assert [p["id"] for p in data["posts"]][1:] == [answer.id, first.id]
    assert data["posts"][0]["number"] == 1
    assert data["posts"][1]["accepted"] is True
    assert data["posts"][1]["author"]["badge"] == "Support team"
    assert data["posts"][1]["author"]["display_name"] == "Sam from Support"
    assert data["pagination"] == {"page": 1, "per_page": 20, "total": 1, "pages": 1}


def test_get_thread_deleted_reply_shows_status_without_body(client, factory):
    thread = factory.thread()
    replier = factory.user()
    post = factory.reply(thread, replier, body="Regrettable words.")
    services.delete_post(post, actor=replier)
    data = client.get(f"{API}/threads/{thread.id}").get_json()
    deleted = next(p for p in data["posts"] if p["id"] == post.id)
    assert deleted["status"] == "deleted"
    assert deleted["body_html"] is None
    assert "Regrettable" not in str(data)


def test_get_thread_page_two_returns_later_replies(app, client, factory):
    app.config["POSTS_PER_PAGE"] = 2
    thread = factory.thread()
    replies = [factory.reply(thread, body=f"Reply number {n}.") for n in range(5)]
    data = client.get(f"{API}/threads/{thread.id}?page=2").get_json()
    assert [p["id"] for p in data["posts"][1:]] == [replies[2].id, replies[3].id]
    assert data["pagination"] == {"page": 2, "per_page": 2, "total": 5, "pages": 3}


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999"])
def test_get_thread_invalid_page_returns_400(client, factory, page):
    thread = factory.thread()
    _error(client.get(f"{API}/threads/{thread.id}?page={page}"), 400, "invalid", "page")


def test_get_thread_unknown_id_returns_404(client):
    _error(client.get(f"{API}/threads/999999"), 404, "not_found")


def test_get_thread_invalid_token_on_public_endpoint_returns_401(client, factory):
    thread = factory.thread()
    response = client.get(f"{API}/threads/{thread.id}", headers=_auth("prl_wrong"))
    _error(response, 401, "unauthorized")


def test_get_thread_held_hidden_from_others_returns_404(client, factory, alice):
    thread = factory.thread(alice)
    thread.status, thread.published_at = PostStatus.HELD, None  # held on submission
    db.session.commit()
    _error(client.get(f"{API}/threads/{thread.id}"), 404, "not_found")
    other = _auth(_token(factory.user()))
    _error(client.get(f"{API}/threads/{thread.id}", headers=other), 404, "not_found")


def test_get_thread_question_hidden_after_publishing_shows_no_body_to_others(client, factory,
                                                                            alice):
    thread = factory.thread(alice, body="The words under review.")
    factory.reply(thread, body="A reply that stays up.")
    question = db.session.scalar(select(Post).where(Post.thread_id == thread.id,
                                                    Post.number == 1))
    services.set_visibility(question, PostStatus.HELD)
    services.commit_changes(thread)
    body = client.get(f"{API}/threads/{thread.id}").get_json()
    assert body["status"] == "held" and body["body_html"] is None
    assert body["posts"][0]["body_html"] is None
    assert "A reply that stays up." in body["posts"][1]["body_html"]


def test_get_thread_held_visible_to_moderator(client, factory, alice):
    thread = factory.thread(alice)
    thread.status = PostStatus.HELD
    db.session.commit()
    moderator = _auth(_token(factory.user(role=Role.MODERATOR)))
    response = client.get(f"{API}/threads/{thread.id}", headers=moderator)
    assert response.status_code == 200
    assert response.get_json()["status"] == "held"


def test_get_thread_deleted_question_shows_no_body_to_author(client, factory, alice,
                                                             alice_token):
    thread = factory.thread(alice, body="Secret-ish words.")
    question = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    services.delete_post(question, actor=alice)
    _error(client.get(f"{API}/threads/{thread.id}"), 404, "not_found")
    data = client.get(f"{API}/threads/{thread.id}", headers=_auth(alice_token)).get_json()
    assert data["status"] == "deleted"
    assert data["body_html"] is None
    assert data["posts"][0]["status"] == "deleted"


# -- POST /threads/<id>/posts ------------------------------------------------------------------
def test_create_post_valid_returns_201_and_reply(client, factory, alice, alice_token):
    thread = factory.thread()
    response = client.post(f"{API}/threads/{thread.id}/posts", headers=_auth(alice_token),
                           json={"body": "Try turning it **off** and on."})
    assert response.status_code == 201
    data = response.get_json()
    assert data["status"] == "published"
    assert data["number"] == 2
    assert data["thread_id"] == thread.id
    assert data["author"]["id"] == alice.id
    assert "<strong>off</strong>" in data["body_html"]
    assert data["url"].endswith(f"/p/{data['id']}")
    shown = client.get(f"{API}/threads/{thread.id}").get_json()
    assert data["id"] in [p["id"] for p in shown["posts"]]


def test_create_post_same_client_token_returns_200_once(client, factory, alice_token):
    thread = factory.thread()
    payload = {"body": "Only once, please.", "client_token": "reply-1"}
    url = f"{API}/threads/{thread.id}/posts"
    first = client.post(url, headers=_auth(alice_token), json=payload)
    second = client.post(url, headers=_auth(alice_token), json=payload)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]
    assert _count(Post) == 2  # the question and one reply


def test_create_post_missing_body_returns_400_with_field(client, factory, alice_token):
    thread = factory.thread()
    response = client.post(f"{API}/threads/{thread.id}/posts", headers=_auth(alice_token),
                           json={"text": "wrong key"})
    _error(response, 400, "missing_field", "body")


def test_create_post_blank_body_returns_400_with_field(client, factory, alice_token):
    thread = factory.thread()
    response = client.post(f"{API}/threads/{thread.id}/posts", headers=_auth(alice_token),
                           json={"body": "   "})
    _error(response, 400, "invalid", "body")


def test_create_post_bad_json_returns_400(client, factory, alice_token):
    thread = factory.thread()
    response = client.post(f"{API}/threads/{thread.id}/posts", headers=_auth(alice_token),
                           data="{body: nope}", content_type="application/json")
    _error(response, 400, "bad_json")


def test_create_post_anonymous_returns_401(client, factory):
    thread = factory.thread()
    response = client.post(f"{API}/threads/{thread.id}/posts", json={"body": "Hello."})
    _error(response, 401, "unauthorized")
    assert _count(Post) == 1


def test_create_post_own_deleted_thread_returns_403(client, factory, alice, alice_token):
    thread = factory.thread(alice)
    question = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    services.delete_post(question, actor=alice)
    response = client.post(f"{API}/threads/{thread.id}/posts", headers=_auth(alice_token),
                           json={"body": "Can I still add this?"})
    _error(response, 403, "forbidden")
    assert _count(Post) == 1


def test_create_post_thread_hidden_from_caller_returns_404(client, factory, alice_token):
    owner = factory.user()
    thread = factory.thread(owner)
    thread.status, thread.published_at = PostStatus.HELD, None  # held on submission
    db.session.commit()
    response = client.post(f"{API}/threads/{thread.id}/posts", headers=_auth(alice_token),
                           json={"body": "Hello."})
    _error(response, 404, "not_found")


def test_create_post_unknown_thread_returns_404(client, alice_token):
    response = client.post(f"{API}/threads/424242/posts", headers=_auth(alice_token),
                           json={"body": "Hello."})
    _error(response, 404, "not_found")


# -- GET /search -------------------------------------------------------------------------------
def test_search_matching_word_returns_result(client, factory):
    category = factory.category("Routers")
    thread = factory.thread(title="Router keeps blinking orange", category=category,
                            body="The orange light blinks after the firmware update.")
    factory.thread(title="Billing address change", body="Where do I change it?")
    response = client.get(f"{API}/search?q=firmware")
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == 1
    assert data["page"] == 1 and data["pages"] == 1
    [hit] = data["results"]
    assert hit["type"] == "thread"
    assert hit["id"] == thread.id
    assert hit["title"] == "Router keeps blinking orange"
    assert hit["url"].endswith(str(thread.id))
    assert re.search(r"<mark[^>]*>firmware</mark>", hit["snippet"])
    assert hit["solved"] is False
    assert hit["category"] == {"id": category.id, "name": "Routers", "slug": "routers"}


def test_search_solved_and_category_filters_narrow_results(client, factory):
    routers, billing = factory.category("Routers"), factory.category("Billing")
    solved = factory.thread(title="Modem firmware question one", category=routers)
    services.accept_answer(factory.reply(solved), actor=solved.author)
    factory.thread(title="Modem firmware question two", category=routers)
    factory.thread(title="Modem firmware invoice question", category=billing)
    ids = _result_ids(client, "q=modem&solved=true")
    assert ids == [solved.id]
    assert len(_result_ids(client, "q=modem&solved=false")) == 2
    assert len(_result_ids(client, "q=modem&category=billing")) == 1
    assert len(_result_ids(client, f"q=modem&category={routers.id}")) == 2


def _result_ids(client, query: str) -> list[int]:
    response = client.get(f"{API}/search?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["id"] for r in response.get_json()["results"]]


@pytest.mark.parametrize("q", ["", "   ", "!!!", '"((( AND OR', "*", "%00"])
def test_search_empty_or_junk_query_returns_200_empty(client, factory, q):
    factory.thread(title="Something searchable here")
    response = client.get(f"{API}/search", query_string={"q": q})
    assert response.status_code == 200
    data = response.get_json()
    assert data["results"] == [] and data["total"] == 0


def test_search_page_past_the_end_returns_200_empty(client, factory):
    factory.thread(title="Firmware update failed")
    data = client.get(f"{API}/search?q=firmware&page=5").get_json()
    assert data["results"] == [] and data["total"] == 1


def test_search_missing_q_returns_400_missing_field(client):
    _error(client.get(f"{API}/search"), 400, "missing_field", "q")


def test_search_unknown_category_returns_404_with_field(client, factory):
    factory.category("Routers")
    _error(client.get(f"{API}/search?q=router&category=nowhere"), 404, "not_found", "category")


def test_search_bad_solved_value_returns_400_with_field(client):
    _error(client.get(f"{API}/search?q=router&solved=maybe"), 400, "invalid", "solved")


# -- categories, me, routing errors ------------------------------------------------------------
def test_categories_returns_display_order(client, factory):
    first, second = factory.category("Routers"), factory.category("Billing")
    services.move_category(second, -1, actor=None)
    data = client.get(f"{API}/categories").get_json()
    assert [c["id"] for c in data["categories"]] == [second.id, first.id]
    assert set(data["categories"][0]) == {"id", "name", "slug", "description", "thread_count"}


def test_me_with_token_returns_owner(client, alice, alice_token):
    data = client.get(f"{API}/me", headers=_auth(alice_token)).get_json()
    assert data["id"] == alice.id
    assert data["username"] == "alice"
    assert data["email"] == "alice@example.com"


def test_me_without_token_returns_401(client):
    _error(client.get(f"{API}/me"), 401, "unauthorized")


def test_unknown_api_route_returns_json_404(client):
    _error(client.get(f"{API}/no-such-thing"), 404, "not_found")


def test_wrong_method_returns_json_405(client, factory):
    thread = factory.thread()
    _error(client.delete(f"{API}/threads/{thread.id}"), 405, "method_not_allowed")
    _error(client.put(f"{API}/search?q=x"), 405, "method_not_allowed")


# -- rate limits -------------------------------------------------------------------------------
def test_rate_limit_exceeded_returns_json_429_per_token(app, make_app, factory, alice_token):
    other_token = _token(factory.user())
    limited = make_app(RATELIMIT_ENABLED=True, API_LIMIT="3 per minute").test_client()
    for _ in range(3):
        assert limited.get(f"{API}/categories", headers=_auth(alice_token)).status_code == 200
    response = limited.get(f"{API}/me", headers=_auth(alice_token))
    _error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 0
    assert limited.get(f"{API}/me", headers=_auth(other_token)).status_code == 200


def test_rate_limit_anonymous_callers_are_limited_by_address(app, make_app):
    limited = make_app(RATELIMIT_ENABLED=True, API_LIMIT="3 per minute").test_client()
    statuses = [limited.get(f"{API}/categories").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    made_up = limited.get(f"{API}/categories", headers=_auth("prl_made_up"))
    _error(made_up, 429, "rate_limited")


# -- the OpenAPI document ----------------------------------------------------------------------
def _documented(document: dict) -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def _routed(app) -> set[tuple[str, str]]:
    prefix = app.blueprints["api"].url_prefix
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix + "/"):  # every feature's API endpoints
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(prefix))
            routes |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_openapi_paths_and_methods_match_url_map(app, client):
    document = client.get(f"{API}/openapi.json").get_json()
    assert document["servers"][0]["url"] == app.blueprints["api"].url_prefix
    routes = _routed(app)
    assert len(routes) >= 7
    assert _documented(document) == routes


def test_openapi_path_parameters_match_templates(client):
    document = client.get(f"{API}/openapi.json").get_json()
    for path, item in document["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (path, method)


def test_openapi_document_has_required_structure(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert re.fullmatch(r"3\.[01]\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        **document["components"]["securitySchemes"]["bearerAuth"],
        "type": "http", "scheme": "bearer",
    }
    assert "error" in document["components"]["schemas"]["Error"]["properties"]
    for item in document["paths"].values():
        for operation in item.values():
            assert operation["operationId"] and operation["responses"]
            assert "security" in operation
    create = document["paths"]["/threads"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]
    assert {"201", "400", "401", "413", "429"} <= set(create["responses"])


def test_openapi_every_ref_resolves(client):
    document = client.get(f"{API}/openapi.json").get_json()
    refs = re.findall(r"'\$ref': '#/([^']+)'", str(document))
    assert refs
    for ref in refs:
        node = document
        for part in ref.split("/"):
            assert part in node, ref
            node = node[part]


# -- sanctions in the OpenAPI document ---------------------------------------------------------
def _resolved(document: dict, node: dict) -> dict:
    """Follow a local $ref to what it names."""
    while "$ref" in node:
        target = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _documented_403_codes(document: dict, path: str, method: str) -> set[str]:
    """The error codes the document says this operation's 403 carries."""
    response = document["paths"][path][method.lower()]["responses"].get("403")
    if response is None:
        return set()
    schema = _resolved(document, response)["content"]["application/json"]["schema"]
    codes = set()
    for part in schema.get("allOf", [schema]):
        error = _resolved(document, part).get("properties", {}).get("error", {})
        codes |= set(error.get("properties", {}).get("code", {}).get("enum", []))
    return codes


def _every_operation(thread, post) -> dict[tuple[str, str], tuple[str, dict | None]]:
    """One real request for each API operation (features' included): (url, JSON body)."""
    return {
        ("/threads", "POST"): (f"{API}/threads", {"title": "Why is my router so slow?",
                                                  "body": "It is slow every evening."}),
        ("/threads/{thread_id}", "GET"): (f"{API}/threads/{thread.id}", None),
        ("/threads/{thread_id}/posts", "POST"): (f"{API}/threads/{thread.id}/posts",
                                                 {"body": "Same problem here since May."}),
        ("/search", "GET"): (f"{API}/search?q=router", None),
        ("/categories", "GET"): (f"{API}/categories", None),
        ("/me", "GET"): (f"{API}/me", None),
        ("/openapi.json", "GET"): (f"{API}/openapi.json", None),
        ("/posts/{post_id}/flags", "POST"): (f"{API}/posts/{post.id}/flags", {"reason": "spam"}),
        ("/suggest", "GET"): (f"{API}/suggest?q=router", None),
        ("/articles", "GET"): (f"{API}/articles", None),
        ("/articles/{article_id}", "GET"): (f"{API}/articles/1", None),
        ("/cases", "GET"): (f"{API}/cases", None),
        ("/cases", "POST"): (f"{API}/cases", {"subject": "Billing", "body": "Charged twice."}),
        ("/cases/{case_id}", "GET"): (f"{API}/cases/1", None),
        ("/cases/{case_id}/messages", "POST"): (f"{API}/cases/1/messages", {"body": "Hello"}),
        ("/metrics", "GET"): (f"{API}/metrics", None),
        ("/staff/inbox", "GET"): (f"{API}/staff/inbox", None),
        ("/threads/{thread_id}/assign", "POST"): (f"{API}/threads/{thread.id}/assign",
                                                  {"assignee": None}),
        # support/tools: staff tokens only (a member's is refused 403 "forbidden")
        ("/threads/{thread_id}/tags", "POST"): (f"{API}/threads/{thread.id}/tags",
                                                {"tag": "billing"}),
        ("/threads/{thread_id}/tags/{slug}", "DELETE"): (f"{API}/threads/{thread.id}/tags/b",
                                                         None),
        ("/threads/{thread_id}/notes", "GET"): (f"{API}/threads/{thread.id}/notes", None),
        ("/threads/{thread_id}/notes", "POST"): (f"{API}/threads/{thread.id}/notes",
                                                 {"body": "A note."}),
    }


MUTED_REFUSALS = {("/threads", "POST"): "account_muted",
                  ("/threads/{thread_id}/posts", "POST"): "account_muted",
                  ("/posts/{post_id}/flags", "POST"): "account_muted",
                  # staff tokens only (support.insights): a customer is refused, muted or not
                  ("/metrics", "GET"): "forbidden",
                  # staff-only operations refuse a (muted) customer as not staff
                  ("/staff/inbox", "GET"): "forbidden",
                  ("/threads/{thread_id}/assign", "POST"): "forbidden",
                  # staff-only operations refuse a member's token whatever its standing
                  ("/threads/{thread_id}/tags", "POST"): "forbidden",
                  ("/threads/{thread_id}/tags/{slug}", "DELETE"): "forbidden",
                  ("/threads/{thread_id}/notes", "GET"): "forbidden",
                  ("/threads/{thread_id}/notes", "POST"): "forbidden"}


@pytest.mark.parametrize("kind", ["mute", "suspension", "ban"])
def test_openapi_lists_the_403_codes_a_sanctioned_members_token_gets(make_app, factory, kind):
    member, moderator = factory.user("carol"), factory.user("mod", role=Role.MODERATOR)
    thread = factory.thread(body="My router is slow every evening, what can I do?")
    post = factory.reply(thread, body="Try restarting it once a week.")
    token = _token(member)
    sanction = SanctionKind(kind)
    moderation.sanction(member, sanction, actor=moderator, rule="R1", reason="Insults.",
                        days=None if sanction is SanctionKind.BAN else 3)
    screened = make_app(MODERATION_ENABLED=True)  # posting is screened, as in production
    with screened.app_context():
        client = screened.test_client()
        document = client.get(f"{API}/openapi.json").get_json()
        calls = _every_operation(thread, post)
        assert set(calls) == _routed(screened)
        refused = {}
        for (path, method), (url, body) in calls.items():
            response = client.open(url, method=method, json=body, headers=_auth(token))
            if response.status_code == 403:
                refused[(path, method)] = response.get_json()["error"]["code"]
    expected = (MUTED_REFUSALS if sanction is SanctionKind.MUTE else
                {op: f"account_{'banned' if kind == 'ban' else 'suspended'}"
                 for op in calls if op != ("/openapi.json", "GET")})
    assert refused == expected
    undocumented = {op: code for op, code in refused.items()
                    if code not in _documented_403_codes(document, *op)}
    assert undocumented == {}


def test_openapi_403_codes_of_every_token_operation_include_suspended_and_banned(client):
    document = client.get(f"{API}/openapi.json").get_json()
    for path, method in _documented(document) - {("/openapi.json", "GET")}:
        codes = _documented_403_codes(document, path, method)
        assert {"account_suspended", "account_banned"} <= codes, (path, method)
    assert _documented_403_codes(document, "/posts/{post_id}/flags", "POST") >= {
        "account_muted", "forbidden"}
    for path in ("/threads", "/threads/{thread_id}/posts"):
        codes = _documented_403_codes(document, path, "POST")
        assert codes >= {"account_muted", "forbidden"} and "posting_refused" not in codes


def test_api_post_by_muted_member_is_refused_account_muted_and_nothing_stored(make_app,
                                                                            factory):
    member, moderator = factory.user("carol"), factory.user("mod", role=Role.MODERATOR)
    thread = factory.thread(body="My router is slow every evening, what can I do?")
    token = _token(member)
    moderation.sanction(member, SanctionKind.MUTE, actor=moderator, rule="R1",
                        reason="Insults.", days=3)
    screened = make_app(MODERATION_ENABLED=True)
    with screened.app_context():
        client = screened.test_client()
        asked = client.post(f"{API}/threads", headers=_auth(token), json={
            "title": "Why is my router so slow?", "body": "It is slow every evening."})
        replied = client.post(f"{API}/threads/{thread.id}/posts", headers=_auth(token),
                              json={"body": "Same problem here since May."})
        for response in (asked, replied):
            assert response.status_code == 403
            error = response.get_json()["error"]
            assert error["code"] == "account_muted"
            assert "mute under R1" in error["message"] and "Insults." in error["message"]
        assert db.session.scalar(select(func.count(Post.id)).where(
            Post.author_id == member.id)) == 0
