"""Knowledge-base endpoints of the JSON API v1: suggestions while asking, help articles."""
from __future__ import annotations

from flask import current_app, jsonify, request, url_for

from forum import api as forum_api
from forum import openapi, search
from forum.extensions import db
from forum.models import User
from forum.search import SearchQuery
from knowledgebase import permissions, queries, suggestions
from knowledgebase.models import Article, ArticleStatus
from knowledgebase.searchdocs import DOC_TYPE

bp = forum_api.feature_blueprint("kb_api", __name__)
MAX_SUGGESTIONS = 10
MAX_PAGE = 100


def _iso(when) -> str | None:
    return when.isoformat() + "Z" if when is not None else None


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, str(default)).strip()
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise forum_api.ApiError(400, "invalid", f"'{name}' is a whole number from {low} to "
                                 f"{high}.", field=name)
    return int(raw)


def _summary(article: Article) -> dict:
    return {
        "id": article.id, "slug": article.slug, "title": article.title,
        "summary": article.summary,
        "url": url_for("knowledgebase.article", slug=article.slug, _external=True),
        "status": article.status.value, "tags": article.tag_list,
        "category": None if article.category is None else {
            "id": article.category.id, "name": article.category.name,
            "slug": article.category.slug},
        "updated_at": _iso(article.updated_at), "published_at": _iso(article.published_at),
    }


def _document(article: Article) -> dict:
    return {
        **_summary(article), "body_html": article.body_html,
        "author": {"id": article.author.id, "username": article.author.username,
                   "display_name": article.author.name},
        "last_reviewed_at": _iso(article.last_reviewed_at),
        "helpful_count": article.helpful_count, "not_helpful_count": article.not_helpful_count,
        "source_threads": [
            {"id": t.id, "title": t.title,
             "url": url_for("forum.thread", thread_id=t.id, _external=True)}
            for t in queries.source_threads(article)
        ],
    }


@bp.get("/suggest")
def suggest():
    """What to read before asking: up to `limit` (5) articles first, then similar threads."""
    forum_api.viewer()
    if "q" not in request.args:
        raise forum_api.ApiError(400, "missing_field", "'q' is required (it may be empty).",
                                 field="q")
    limit = _int_arg("limit", 5, 1, MAX_SUGGESTIONS)
    found = suggestions.suggest(search.clean_query(request.args["q"]), limit=limit,
                                external=True)
    return jsonify({"results": [s.as_json() for s in found]})


@bp.get("/articles/<id:article_id>")
def get_article(article_id: int):
    """A published article (staff tokens also see drafts and archived ones)."""
    viewer: User | None = forum_api.viewer()
    article = queries.get_article(article_id)
    if article is None or not permissions.can_view_article(viewer, article):
        raise forum_api.ApiError(404, "not_found", "No article with that id.")
    return jsonify(_document(article))


@bp.get("/articles")
def list_articles():
    """Published articles: matching ?q= (most relevant first), else the most read."""
    forum_api.viewer()
    page = _int_arg("page", 1, 1, MAX_PAGE)
    per_page = current_app.config["SEARCH_PER_PAGE"]
    text = search.clean_query(request.args.get("q", ""))
    if text:
        result = search.run(db.session, SearchQuery(text=text, page=page, per_page=per_page,
                                                    doc_types=(DOC_TYPE,)))
        by_id = {a.id: a for a in _published([h.doc_id for h in result.hits])}
        items = [by_id[h.doc_id] for h in result.hits if h.doc_id in by_id]
        total = result.total
    else:
        listing = queries.published_articles(page=page, per_page=per_page)
        items, total = listing.items, listing.total
    return jsonify({"query": text, "results": [_summary(a) for a in items], "total": total,
                    "page": page, "per_page": per_page,
                    "pages": max(1, -(-total // per_page))})


def _published(ids: list[int]) -> list[Article]:
    return [a for a in queries.articles_by_ids(ids) if a.status is ArticleStatus.PUBLISHED]


# -- OpenAPI -----------------------------------------------------------------------------------
def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*codes: int) -> dict:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "AccountRestricted", 404: "NotFound",
             429: "RateLimited"}
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


STRING, INTEGER = {"type": "string"}, {"type": "integer"}
STAMP = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}
URI = {"type": "string", "format": "uri"}


def _schemas() -> dict:
    return {**_suggestion_schemas(), **_article_schemas()}


def _suggestion_schemas() -> dict:
    return {
        "Suggestion": {"type": "object", "required": ["type", "id", "title", "url", "score"],
                       "properties": {
                           "type": {"type": "string", "enum": ["article", "thread"]},
                           "id": INTEGER, "title": STRING, "url": URI,
                           "score": {"type": "number", "description": "Similarity, at most 1."},
                           "solved": {"type": "boolean", "description": "Articles and solved "
                                      "threads are true."}}},
        "SuggestionList": {"type": "object", "required": ["results"], "properties": {
            "results": {"type": "array", "items": _ref("Suggestion")}}},
    }


def _article_schemas() -> dict:
    summary = {
        "id": INTEGER, "slug": STRING, "title": STRING, "summary": STRING, "url": URI,
        "status": {"type": "string", "enum": [s.value for s in ArticleStatus]},
        "tags": {"type": "array", "items": STRING},
        "category": {"anyOf": [_ref("CategoryRef"), {"type": "null"}]},
        "updated_at": STAMP, "published_at": STAMP,
    }
    thread_ref = {"type": "object", "required": ["id", "title", "url"],
                  "properties": {"id": INTEGER, "title": STRING, "url": URI}}
    extra = {
        "body_html": {"type": "string", "description": "Sanitised HTML."},
        "author": {"type": "object", "properties": {
            "id": INTEGER, "username": STRING, "display_name": STRING}},
        "last_reviewed_at": STAMP, "helpful_count": INTEGER, "not_helpful_count": INTEGER,
        "source_threads": {"type": "array", "items": thread_ref},
    }
    listing = {"query": STRING, "results": {"type": "array", "items": _ref("ArticleSummary")},
               "total": INTEGER, "page": INTEGER, "per_page": INTEGER, "pages": INTEGER}
    return {
        "ArticleSummary": {"type": "object", "required": list(summary), "properties": summary},
        "Article": {"allOf": [_ref("ArticleSummary"), {
            "type": "object", "required": list(extra), "properties": extra}]},
        "ArticleList": {"type": "object", "required": list(listing), "properties": listing},
    }


def contribute_openapi(document: dict) -> None:
    """Document the suggestion and article endpoints."""
    document["components"]["schemas"].update(_schemas())
    public = [{}, {"bearerAuth": []}]
    document["paths"]["/suggest"] = {"get": {
        "operationId": "suggest", "tags": ["knowledge base"], "security": public,
        "summary": "Articles and similar threads for a question title (articles first)",
        "parameters": [
            _query("q", {"type": "string"}, "The title being typed; empty gives no results "
                   "(the parameter itself is required).", required=True),
            _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_SUGGESTIONS},
                   "How many suggestions (default 5)."),
        ],
        "responses": {"200": _json(_ref("SuggestionList"), "Suggestions, best first."),
                      **_errors(400, 401, 403, 429)},
    }}
    document["paths"]["/articles"] = {"get": {
        "operationId": "listArticles", "tags": ["knowledge base"], "security": public,
        "summary": "Published help articles, searched with ?q= or most read first",
        "parameters": [
            _query("q", {"type": "string"}, "Words to find in articles."),
            _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page."),
        ],
        "responses": {"200": _json(_ref("ArticleList"), "Articles."),
                      **_errors(400, 401, 403, 429)},
    }}
    document["paths"]["/articles/{article_id}"] = {"get": {
        "operationId": "getArticle", "tags": ["knowledge base"], "security": public,
        "summary": "One help article (staff tokens also see unpublished ones)",
        "parameters": [{"name": "article_id", "in": "path", "required": True,
                        "schema": openapi.ROW_ID}],
        "responses": {"200": _json(_ref("Article"), "The article."),
                      **_errors(401, 403, 404, 429)},
    }}
