"""JSON API v1 for integrations: bearer tokens, JSON errors, an OpenAPI document."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import BadRequest

from forum import openapi, permissions, queries, screening, search, services
from forum.extensions import csrf, db, limiter
from forum.models import Category, Post, Thread, User
from forum.queries import ID_MAX
from forum.search import SearchHit, SearchQuery

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PAGE = 10_000
CLIENT_TOKEN_MAX = 64
REALM = 'Bearer realm="parley"'
TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes"}, {"0", "false", "no"}


# -- errors ------------------------------------------------------------------------------------
class ApiError(Exception):
    """A refusal the API states itself (auth, request shape), shown as the JSON error body."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.field, self.headers = field, headers or {}


def _error(status: int, code: str, message: str, field: str | None = None, headers=None):
    body = {"code": code, "message": message}
    if field:
        body["field"] = field
    return jsonify({"error": body}), status, headers or {}


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return _error(exc.status, exc.code, exc.message, exc.field, exc.headers)


@bp.errorhandler(services.ServiceError)
def _service_error(exc: services.ServiceError):
    db.session.rollback()
    return _error(exc.status, exc.code, exc.message, exc.field)


# -- authentication and rate limits ------------------------------------------------------------
def _bearer() -> str | None:
    """The raw token sent; None when no Authorization header, "" when it is not Bearer."""
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _token_user() -> User | None:
    """The token's owner, looked up once per request (the rate-limit key needs it too)."""
    if "api_user" not in g:
        raw = _bearer()
        g.api_user = services.user_for_token(raw) if raw else None
    return g.api_user


def _viewer(*, required: bool = False) -> User | None:
    """Who is calling: a wrong token is always 401, no token only where one is needed."""
    if _bearer() is None:
        if required:
            raise ApiError(401, "unauthorized", "This needs an API token: send "
                           "'Authorization: Bearer <token>'.", headers={"WWW-Authenticate": REALM})
        return None
    user = _token_user()
    if user is None:
        raise ApiError(401, "unauthorized", "The API token is not valid or has been revoked.",
                       headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
    found = permissions.restriction(user)
    if found is not None and found.signs_out:  # a suspended or banned account's tokens stop
        raise ApiError(403, found.error_code, found.summary())
    return user


def _rate_key() -> str:
    """One budget per valid token's owner, else per IP (so made-up tokens share the IP's)."""
    user = _token_user()
    if user is not None:
        return f"api-user:{user.id}"
    return f"api-ip:{get_remote_address()}"


limiter.shared_limit(
    lambda: current_app.config["API_LIMIT"], scope="api", key_func=_rate_key,
    error_message="Too many API requests; wait for the time in Retry-After and try again.",
)(bp)


# -- reading the request -----------------------------------------------------------------------
def _json_body(*fields: str) -> dict:
    """The request's JSON object, its named fields only (others are ignored, as the
    document allows); 400 for anything else (413 is raised while reading)."""
    try:
        data = request.get_json(force=True)
    except BadRequest as exc:
        raise ApiError(400, "bad_json", "The request body is not valid JSON.") from exc
    except RecursionError as exc:  # Python's parser gives up around 1,000 levels
        raise ApiError(400, "bad_json", "The request body is nested too deeply.") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", "The request body must be a JSON object.")
    data = {name: data[name] for name in fields if name in data}
    _check_values(data)
    return data


JSON_DEPTH_MAX = 32  # far beyond any request this API takes


def _check_values(value, depth: int = 0) -> None:
    """400 for what no database stores the same way: NUL bytes, lone surrogates, ids out
    of range, absurd nesting (PostgreSQL refuses the first three; SQLite keeps or breaks)."""
    if depth > JSON_DEPTH_MAX:
        raise ApiError(400, "bad_json", "The request body is nested too deeply.")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_values(key, depth + 1)
            _check_values(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_values(item, depth + 1)
    elif isinstance(value, str):
        if "\x00" in value:
            raise ApiError(400, "invalid", "Text may not contain NUL (\\u0000) characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ApiError(400, "invalid", "Text may not contain unpaired surrogates "
                           "(\\ud800-\\udfff).") from exc
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > ID_MAX:
        raise ApiError(400, "invalid", f"Numbers in the body are at most {ID_MAX}.")


def _text(data: dict, name: str, *, required: bool = True) -> str | None:
    """A string field; absent is 400 missing_field when required, wrong type 400 invalid."""
    value = data.get(name)
    if value is None:
        if required:
            raise ApiError(400, "missing_field", f"'{name}' is required.", field=name)
        return None
    if not isinstance(value, str):
        raise ApiError(400, "invalid", f"'{name}' must be a string.", field=name)
    return value


def _client_token(data: dict) -> str | None:
    """The optional idempotency key: the same key twice means the same post."""
    token = _text(data, "client_token", required=False)
    if token is not None and len(token) > CLIENT_TOKEN_MAX:
        raise ApiError(400, "invalid", f"'client_token' is at most {CLIENT_TOKEN_MAX} "
                       "characters.", field="client_token")
    return token or None


def _category(ref) -> Category | None:
    """The category asked for by id, slug or name; the first one when none is given."""
    if ref is None or ref == "":
        categories = services.list_categories()
        return categories[0] if categories else None
    if isinstance(ref, float) and ref.is_integer():
        ref = int(ref)  # 851.0 is the integer 851 to JSON Schema, so to us
    if isinstance(ref, bool) or not isinstance(ref, int | str):
        raise ApiError(400, "invalid", "'category' is an id, a slug or a name.", field="category")
    category = services.find_category(ref)
    if category is None:
        # any string may name a category, so naming none is "not found" (the document says so)
        raise ApiError(404, "not_found", f"No category matches {ref!r}.", field="category")
    return category


def _page_arg() -> int:
    """?page=, a whole number from 1."""
    raw = request.args.get("page", "1").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ApiError(400, "invalid", f"'page' is a whole number from 1 to {MAX_PAGE}.",
                       field="page")
    return int(raw)


def _solved_arg() -> bool | None:
    """?solved=true|false filters search results; absent means both."""
    raw = request.args.get("solved", "").strip().lower()
    if not raw:
        return None
    if raw not in TRUE_WORDS | FALSE_WORDS:
        raise ApiError(400, "invalid", "'solved' is true or false.", field="solved")
    return raw in TRUE_WORDS


def _visible_thread(thread_id: int, viewer: User | None) -> Thread:
    """The thread, or 404 when it does not exist or this caller may not see it."""
    thread = queries.get_thread(thread_id)
    if thread is None or not permissions.can_view_thread(viewer, thread):
        raise services.NotFound("No thread with that id.")
    return thread


# -- writing the response ----------------------------------------------------------------------
def _iso(when: datetime | None) -> str | None:
    """Timestamps are stored as naive UTC; say so with a Z."""
    return when.isoformat() + "Z" if when is not None else None


def _thread_url(thread_id: int) -> str:
    """The thread's page for people."""
    return url_for("forum.thread", thread_id=thread_id, _external=True)


def _doc_url(doc_type: str, doc_id: int) -> str | None:
    """Where a search result lives; features register URLs for their document types."""
    if doc_type == "thread":
        return _thread_url(doc_id)
    endpoint = current_app.extensions.get("parley.doc_endpoints", {}).get(doc_type)
    return url_for(endpoint[0], **{endpoint[1]: doc_id}, _external=True) if endpoint else None


def _author(user: User) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.name,
            "role": user.role.value, "badge": user.role.badge or None}


def _category_ref(category: Category | None) -> dict | None:
    if category is None:
        return None
    return {"id": category.id, "name": category.name, "slug": category.slug}


def _moderation(post: Post, readable: bool = True) -> dict:
    """For a held or rejected post: the rules it was stopped under and (for its author and
    moderators) the explanation."""
    note = screening.screener().note(post)
    if note is None:
        return {}
    if not readable:
        return {"rules": list(note.rules)}
    return {"rules": list(note.rules), "explanation": note.explanation}


def _post(post: Post, thread: Thread, readable: bool = True) -> dict:
    """A post; an unreadable one (a hidden question seen by others) without its text."""
    return {
        "id": post.id, "number": post.number, "author": _author(post.author),
        "body_html": None if post.is_deleted or not readable else post.body_html,
        "created_at": _iso(post.created_at), "edited_at": _iso(post.edited_at),
        "helpful_count": post.helpful_count, "status": post.status.value,
        "accepted": post.id == thread.accepted_post_id, **_moderation(post, readable),
    }


def _thread_summary(thread: Thread) -> dict:
    return {
        "id": thread.id, "url": _thread_url(thread.id), "title": thread.title,
        "status": thread.status.value, "solved": thread.solved,
        "accepted_post_id": thread.accepted_post_id, "reply_count": thread.reply_count,
        "created_at": _iso(thread.created_at), "last_activity_at": _iso(thread.last_activity_at),
        "author": _author(thread.author), "category": _category_ref(thread.category),
    }


def _pagination(page: queries.Page) -> dict:
    return {"page": page.page, "per_page": page.per_page, "total": page.total,
            "pages": page.pages}


def _thread_document(thread: Thread, viewer: User | None, page: int = 1) -> dict:
    """The thread, its question first, then the accepted answer, then a page of replies."""
    view = queries.thread_view(thread, viewer=viewer, page=page,
                               per_page=current_app.config["POSTS_PER_PAGE"])
    posts = [view.question, *([view.accepted] if view.accepted else []), *view.replies.items]
    question = _post(view.question, thread, permissions.can_read_post(viewer, view.question))
    return {
        **_thread_summary(thread),
        **{k: v for k, v in question.items() if k in ("rules", "explanation", "body_html")},
        "posts": [question, *(_post(p, thread, permissions.can_read_post(viewer, p))
                              for p in posts[1:])],
        "pagination": _pagination(view.replies),
        "tags": tag_refs(queries.tags_for_threads([thread.id]).get(thread.id, [])),
    }


def tag_refs(tags) -> list[dict]:
    """Tags as the API shows them (a thread's, or the whole list)."""
    return [{"slug": tag.slug, "name": tag.name} for tag in tags]


def _reply_document(post: Post, thread: Thread) -> dict:
    return {**_post(post, thread), "thread_id": thread.id,
            "url": url_for("forum.post", post_id=post.id, _external=True)}


def _hit(hit: SearchHit, categories: dict[int, Category]) -> dict:
    return {"type": hit.doc_type, "id": hit.doc_id, "title": hit.title,
            "url": _doc_url(hit.doc_type, hit.doc_id), "snippet": hit.snippet_html,
            "solved": hit.solved, "category": _category_ref(categories.get(hit.category_id))}


def _created(document: dict, existed: bool, location: str):
    """201 with a Location for something new; 200 when a client_token replay found it."""
    return jsonify(document), 200 if existed else 201, {"Location": location}


# -- endpoints ---------------------------------------------------------------------------------
@bp.post("/threads")
def create_thread():
    """Ask a question as the token's owner."""
    author = _viewer(required=True)
    data = _json_body("title", "body", "category", "client_token")
    title, body = _text(data, "title"), _text(data, "body")
    category, token = _category(data.get("category")), _client_token(data)
    existed = queries.post_by_client_token(author, token) is not None
    thread = services.create_thread(author=author, title=title, body=body, category=category,
                                    client_token=token)
    location = url_for("api.get_thread", thread_id=thread.id)
    return _created(_thread_document(thread, author), existed, location)


@bp.get("/threads/<id:thread_id>")
def get_thread(thread_id: int):
    """A thread with its posts; ?page= pages the replies."""
    viewer = _viewer()
    thread = _visible_thread(thread_id, viewer)
    return jsonify(_thread_document(thread, viewer, _page_arg()))


@bp.post("/threads/<id:thread_id>/posts")
def create_post(thread_id: int):
    """Reply to a thread as the token's owner."""
    author = _viewer(required=True)
    thread = _visible_thread(thread_id, author)
    data = _json_body("body", "client_token")
    body, token = _text(data, "body"), _client_token(data)
    existed = queries.post_by_client_token(author, token) is not None
    post = services.reply(thread, author=author, body=body, client_token=token)
    location = url_for("api.get_thread", thread_id=thread.id)
    return _created(_reply_document(post, thread), existed, location)


@bp.get("/search")
def search_threads():
    """Full-text search over threads and every registered document type (help articles),
    ranked together; an empty or junk query is an empty result, not an error."""
    _viewer()
    if "q" not in request.args:
        raise ApiError(400, "missing_field", "'q' is required (it may be empty).", field="q")
    category_ref = request.args.get("category", "").strip()
    query = SearchQuery(
        text=search.clean_query(request.args["q"]), page=_page_arg(),
        per_page=current_app.config["SEARCH_PER_PAGE"],
        category_id=_category(category_ref).id if category_ref else None, solved=_solved_arg(),
    )
    result = search.run(db.session, query)
    categories = {c.id: c for c in services.list_categories()}
    return jsonify({
        "query": query.text, "results": [_hit(h, categories) for h in result.hits],
        "total": result.total, "page": result.page, "per_page": result.per_page,
        "pages": result.pages, "partial": result.partial,
        "fallback": result.fallback,
    })


@bp.get("/categories")
def list_categories():
    """Every category in display order."""
    _viewer()
    return jsonify({"categories": [
        {**_category_ref(c), "description": c.description, "thread_count": c.thread_count}
        for c in services.list_categories()
    ]})


@bp.get("/me")
def me():
    """Who the token belongs to: a cheap way for an integration to check its token."""
    user = _viewer(required=True)
    return jsonify({**_author(user), "email": user.email, "post_count": user.post_count,
                    "created_at": _iso(user.created_at)})


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 description of this API."""
    document = openapi.document()
    for contribute in current_app.extensions.get("parley.openapi", []):
        contribute(document)  # later features (moderation, ...) add their endpoints
    return jsonify(document)


# -- for features that add endpoints under /api/v1 ---------------------------------------------
viewer = _viewer
json_body = _json_body
text_field = _text


def feature_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /api/v1 for another feature, with the API's auth and JSON errors and
    its shared rate-limit budget (set up once, at import)."""
    blueprint = Blueprint(name, import_name, url_prefix=bp.url_prefix)
    blueprint.register_error_handler(ApiError, _api_error)
    blueprint.register_error_handler(services.ServiceError, _service_error)
    limiter.shared_limit(
        lambda: current_app.config["API_LIMIT"], scope="api", key_func=_rate_key,
        error_message="Too many API requests; wait for the time in Retry-After and try again.",
    )(blueprint)
    return blueprint


def extend(app, blueprint: Blueprint, contribute_openapi) -> None:
    """Register a feature_blueprint (CSRF-exempt like the API); contribute_openapi(document)
    documents its endpoints in /api/v1/openapi.json."""
    app.register_blueprint(blueprint)
    csrf.exempt(blueprint)
    app.extensions.setdefault("parley.openapi", []).append(contribute_openapi)
