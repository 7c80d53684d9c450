"""The OpenAPI 3.1 description of the JSON API v1, kept beside the code it describes.

A test compares its paths and methods with the blueprint's real routes, so the two cannot drift.
"""
from __future__ import annotations

from forum.queries import ID_MAX
from forum.services import TITLE_MAX, TITLE_MIN

VERSION = "3.1.0"
PUBLIC = [{}, {"bearerAuth": []}]  # works anonymously; a token shows what its owner may see
TOKEN = [{"bearerAuth": []}]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    """Shared error responses by status; 403 is the one every call with a suspended or banned
    member's token gets (operations that refuse more say so with `forbidden`)."""
    names = {400: "BadRequest", 401: "Unauthorized", 403: "AccountRestricted", 404: "NotFound",
             413: "TooLarge", 429: "RateLimited"}
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


SANCTION_CODES = ("account_suspended", "account_banned")
"""The error codes of any call made with a suspended or banned member's token (403)."""
MUTED_CODE = "account_muted"
SANCTION_NOTE = ("The message names the sanction, its rule, its end and the appeal link; the "
                 "token works again when the sanction ends or is lifted.")


def coded_error(codes) -> dict:
    """The Error body, with the codes one response can carry."""
    return {"allOf": [_ref("Error"), {"type": "object", "properties": {"error": {
        "type": "object", "properties": {"code": {"type": "string", "enum": list(codes)}}}}}]}


def forbidden(codes, description: str) -> dict:
    """A 403 naming every error code the operation refuses with, so clients can tell a
    sanction (account_*) from a plain permission refusal; for features' operations too."""
    return {"403": _json(coded_error(codes), description)}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
NO_NUL = "^[^\\u0000]*$"  # text never holds NUL: 400 (PostgreSQL cannot store it)
TEXT = {"type": "string", "pattern": NO_NUL}
# Python's whitespace (str.split / str.strip), as a character class, so that the document
# states exactly what the server trims: a body of only spaces is empty; a title needs
# services.TITLE_MIN characters that are not spaces.
_WS = "".join(f"\\u{ord(c):04x}" for c in map(chr, range(0x3001)) if c.isspace())
SOME_TEXT = f"^[^\\u0000]*[^{_WS}\\u0000][^\\u0000]*$"
TITLE_TEXT = f"^(?:[{_WS}]*[^{_WS}\\u0000]){{{TITLE_MIN}}}[^\\u0000]*$"
# a row id: the URL converter 404s and JSON bodies 400 outside this (PostgreSQL integer)
ROW_ID = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
TIMESTAMP = {"type": "string", "format": "date-time"}


def _schemas() -> dict:
    """Every body the API sends or accepts."""
    return {**_error_schemas(), **_forum_schemas(), **_request_schemas(), **_search_schemas()}


def _error_schemas() -> dict:
    return {"Error": _object({"error": _object({
        "code": {"type": "string", "examples": ["missing_field", "unauthorized", "not_found"]},
        "message": {"type": "string", "description": "A sentence fit to show a person."},
        "field": {"type": "string", "description": "The request field at fault, if any."},
    }, ["code", "message"])})}


def _forum_schemas() -> dict:
    return {
        "Author": _object({
            "id": INTEGER, "username": STRING, "display_name": STRING,
            "role": {"type": "string", "enum": ["customer", "staff", "moderator", "admin"]},
            "badge": _nullable({"type": "string", "examples": ["Support team"]}),
        }),
        "CategoryRef": _object({"id": INTEGER, "name": STRING, "slug": STRING}),
        "Category": {"allOf": [_ref("CategoryRef"), _object(
            {"description": STRING, "thread_count": INTEGER})]},
        "CategoryList": _object({"categories": {"type": "array", "items": _ref("Category")}}),
        "Me": {"allOf": [_ref("Author"), _object(
            {"email": STRING, "post_count": INTEGER, "created_at": TIMESTAMP})]},
        "Post": _object({
            "id": INTEGER, "number": {"type": "integer", "description": "1 is the question."},
            "author": _ref("Author"),
            "body_html": _nullable({"type": "string", "description": "Sanitised HTML; null "
                                    "when the post is deleted."}),
            "created_at": TIMESTAMP, "edited_at": _nullable(TIMESTAMP),
            "helpful_count": INTEGER, "status": _ref("Status"), "accepted": BOOLEAN,
        }),
        "Reply": {"allOf": [_ref("Post"), _object({"thread_id": INTEGER,
                                                   "url": {"type": "string", "format": "uri"}})]},
        "Status": {"type": "string", "enum": ["published", "held", "rejected", "deleted"]},
        "ThreadSummary": _object({
            "id": INTEGER, "url": {"type": "string", "format": "uri"}, "title": STRING,
            "status": _ref("Status"), "solved": BOOLEAN,
            "accepted_post_id": _nullable(INTEGER), "reply_count": INTEGER,
            "created_at": TIMESTAMP, "last_activity_at": TIMESTAMP,
            "author": _ref("Author"), "category": _nullable(_ref("CategoryRef")),
        }),
        "Thread": {"allOf": [_ref("ThreadSummary"), _object({
            "body_html": _nullable(STRING),
            "posts": {"type": "array", "items": _ref("Post"), "description": "The question "
                      "first, then the accepted answer, then this page of replies."},
            "pagination": _ref("Pagination"),
            "tags": {"type": "array", "items": _ref("TagRef"),
                     "description": "The thread's staff-managed tags, by name."},
        })]},
        "TagRef": _object({"slug": STRING, "name": STRING}),
        "Pagination": _object({"page": INTEGER, "per_page": INTEGER, "total": INTEGER,
                               "pages": INTEGER}),
    }


def _request_schemas() -> dict:
    client_token = {"type": "string", "pattern": NO_NUL, "maxLength": 64,
                    "description": "Idempotency key: sending the same key again returns the "
                    "first result with status 200."}
    return {
        "NewThread": _object({
            "title": {"type": "string", "pattern": TITLE_TEXT, "maxLength": TITLE_MAX,
                      "description": f"At least {TITLE_MIN} characters besides spaces."},
            "body": {"type": "string", "pattern": SOME_TEXT, "description": "Markdown."},
            "category": {"oneOf": [ROW_ID, TEXT], "description": "Id, slug or name; the "
                         "first category when absent; 404 when none matches."},
            "client_token": client_token,
        }, ["title", "body"]),
        "NewPost": _object({"body": {"type": "string", "pattern": SOME_TEXT,
                                     "description": "Markdown."},
                            "client_token": client_token}, ["body"]),
    }


def _search_schemas() -> dict:
    return {
        "SearchResult": _object({
            "type": {"type": "string", "examples": ["thread", "article"],
                     "description": "The document type (features add types, e.g. help "
                     "articles); results are ranked by relevance times the type's boost."},
            "id": INTEGER, "title": STRING,
            "url": _nullable({"type": "string", "format": "uri"}),
            "snippet": {"type": "string", "description": "Escaped text with <mark> around "
                        "the matched terms."},
            "solved": BOOLEAN, "category": _nullable(_ref("CategoryRef")),
        }),
        "SearchResults": _object({
            "query": {"type": "string", "description": "The query as it was run."},
            "results": {"type": "array", "items": _ref("SearchResult")},
            "total": INTEGER, "page": INTEGER, "per_page": INTEGER, "pages": INTEGER,
            "partial": {"type": "boolean", "description": "No result held every term, so "
                        "results holding some of them are shown."},
            "fallback": {"type": "boolean", "description": "The search index was missing or "
                         "damaged, so a plain database match answered while it is rebuilt."},
        }),
    }


def _responses() -> dict:
    """The error responses, all with the Error body."""
    error = _ref("Error")
    unauthorized = _json(error, "No token where one is needed, or a wrong or revoked token.")
    unauthorized["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    limited = _json(error, "Too many requests for this token or address.")
    limited["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    return {
        "BadRequest": _json(error, "Bad JSON, a missing field or an invalid value."),
        "Unauthorized": unauthorized,
        "AccountRestricted": _json(coded_error(SANCTION_CODES), "The token's owner is "
                                   "suspended (account_suspended) or banned (account_banned). "
                                   + SANCTION_NOTE),
        "NotFound": _json(error, "No such thing, or not visible to this caller."),
        "TooLarge": _json(error, "The request body is larger than the server accepts."),
        "RateLimited": limited,
    }


def _page_parameter(description: str) -> dict:
    return {"name": "page", "in": "query", "required": False, "description": description,
            "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1}}


THREAD_ID = {"name": "thread_id", "in": "path", "required": True, "schema": ROW_ID}


def _posting_refused() -> dict:
    return forbidden(("forbidden", MUTED_CODE, *SANCTION_CODES),
                     "forbidden: the token's owner may not post here (an imported placeholder "
                     "account, a deleted thread); account_muted: they are muted, nothing is "
                     "stored; account_suspended, account_banned: they are suspended or banned. "
                     + SANCTION_NOTE)


def _thread_paths() -> dict:
    return {
        "/threads": {"post": {
            "operationId": "createThread", "summary": "Ask a question", "tags": ["threads"],
            "security": TOKEN,
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("NewThread")}}},
            "responses": {"201": _json(_ref("Thread"), "The new thread."),
                          "200": _json(_ref("Thread"), "A client_token replay: the thread "
                                       "made the first time."),
                          **_errors(400, 401, 404, 413, 429), **_posting_refused()},
        }},
        "/threads/{thread_id}": {"get": {
            "operationId": "getThread", "summary": "A thread and a page of its posts",
            "tags": ["threads"], "security": PUBLIC,
            "parameters": [THREAD_ID, _page_parameter("Page of replies.")],
            "responses": {"200": _json(_ref("Thread"), "The thread."),
                          **_errors(400, 401, 403, 404, 429)},
        }},
        "/threads/{thread_id}/posts": {"post": {
            "operationId": "createPost", "summary": "Reply to a thread", "tags": ["threads"],
            "security": TOKEN, "parameters": [THREAD_ID],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("NewPost")}}},
            "responses": {"201": _json(_ref("Reply"), "The new reply."),
                          "200": _json(_ref("Reply"), "A client_token replay: the reply "
                                       "made the first time."),
                          **_errors(400, 401, 404, 413, 429), **_posting_refused()},
        }},
    }


def _search_path() -> dict:
    def query(name: str, schema: dict, description: str, required: bool = False) -> dict:
        return {"name": name, "in": "query", "required": required, "schema": schema,
                "description": description}

    return {"/search": {"get": {
        "operationId": "search", "summary": "Search threads", "tags": ["search"],
        "security": PUBLIC,
        "parameters": [
            query("q", STRING, "Words to find; an empty or junk query gives no results "
                  "(the parameter itself is required).", required=True),
            _page_parameter("Page of results."),
            query("category", STRING, "Category id, slug or name; 404 when none matches."),
            query("solved", BOOLEAN, "Only solved (true) or unsolved (false) threads."),
        ],
        "responses": {"200": _json(_ref("SearchResults"), "Matching documents."),
                      **_errors(400, 401, 403, 404, 429)},
    }}}


def _other_paths() -> dict:
    return {
        "/categories": {"get": {
            "operationId": "listCategories", "summary": "Categories in display order",
            "tags": ["categories"], "security": PUBLIC,
            "responses": {"200": _json(_ref("CategoryList"), "The categories."),
                          **_errors(401, 403, 429)},
        }},
        "/me": {"get": {
            "operationId": "me", "summary": "Who the token belongs to", "tags": ["account"],
            "security": TOKEN,
            "responses": {"200": _json(_ref("Me"), "The token's owner."),
                          **_errors(401, 403, 429)},
        }},
        "/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This document", "tags": ["meta"],
            "security": PUBLIC,
            "responses": {"200": _json({"type": "object"}, "The OpenAPI document."),
                          **_errors(429)},
        }},
    }


def document() -> dict:
    """A fresh copy of the whole document (callers may change it freely)."""
    return {
        "openapi": VERSION,
        "info": {
            "title": "Parley API", "version": "1.0.0",
            "description": "Ask, reply, read and search the community. Errors are "
                           "{\"error\": {\"code\", \"message\", \"field\"?}} with a 4xx status.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {**_thread_paths(), **_search_path(), **_other_paths()},
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer", "description": "A token from your "
                "settings page or `flask users token USERNAME`."}},
            "schemas": _schemas(),
            "responses": _responses(),
        },
    }
