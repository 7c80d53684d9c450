"""Private cases in the JSON API v1: a member's cases (staff: every case, with filters), one
case with its messages, opening a case and writing in one. A case nobody may read is a 404,
as if it did not exist."""
from __future__ import annotations

from flask import jsonify, request, url_for

from forum import api as forum_api
from forum import openapi
from forum.models import User
from forum.queries import ID_MAX
from moderation.models import PrivateConversation, PrivateMessage
from support import permissions
from support.cases import queries, services
from support.cases.queries import CaseFilter
from support.cases.views import opening_limit

bp = forum_api.feature_blueprint("cases_api", __name__)
MAX_PAGE = 1000
BOOLEANS = {"true": True, "false": False}


def _iso(when) -> str | None:
    return when.isoformat() + "Z" if when is not None else None


def _person(user: User) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.name,
            "staff": user.is_staff_side}


def _choice(name: str, allowed: dict, default):
    raw = request.args.get(name)
    if raw is None:
        return default
    if raw not in allowed:
        raise forum_api.ApiError(400, "invalid", f"'{name}' is one of {', '.join(allowed)}.",
                                 field=name)
    return allowed[raw]


def _page() -> int:
    raw = request.args.get("page", "1").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise forum_api.ApiError(400, "invalid", f"'page' is a whole number from 1 to "
                                 f"{MAX_PAGE}.", field="page")
    return int(raw)


def _summary(conversation: PrivateConversation, detail, last_at, messages: int,
             unread: int) -> dict:
    thread = conversation.thread
    return {
        "id": conversation.id, "subject": conversation.subject,
        "state": "closed" if conversation.closed_at else "open",
        "origin": detail.origin.value if detail is not None else "detected",
        "customer": _person(conversation.customer),
        "thread": None if thread is None else {
            "id": thread.id, "title": thread.title,
            "url": url_for("forum.thread", thread_id=thread.id, _external=True)},
        "created_at": _iso(conversation.created_at), "closed_at": _iso(conversation.closed_at),
        "last_activity_at": _iso(last_at), "message_count": messages, "unread": unread,
        "url": url_for("support_cases.case", case_id=conversation.id, _external=True),
    }


def _message(message: PrivateMessage) -> dict:
    return {"id": message.id, "author": _person(message.author),
            "body_html": message.body_html, "created_at": _iso(message.created_at)}


def _readable(case_id: int, viewer: User) -> PrivateConversation:
    conversation = queries.get_case(case_id)
    if conversation is None or not permissions.can_read_case(viewer, conversation.customer_id):
        raise forum_api.ApiError(404, "not_found", "No case with that id.")
    return conversation


def _document(conversation: PrivateConversation, viewer: User) -> dict:
    listed = queries.messages(conversation)
    last = listed[-1].created_at if listed else conversation.created_at
    unread = queries.unread_counts(viewer, [conversation.id]).get(conversation.id, 0)
    return {**_summary(conversation, queries.detail_of(conversation), last, len(listed),
                       unread),
            "messages": [_message(m) for m in listed]}


@bp.get("/cases")
def list_cases():
    """The caller's own cases; a staff token sees every case, filtered by state and mine."""
    viewer = forum_api.viewer(required=True)
    state = _choice("state", {s.value: s for s in CaseFilter}, CaseFilter.ALL)
    mine = _choice("mine", BOOLEANS, False)
    staff = permissions.can_work_cases(viewer)
    page = queries.case_page(viewer, state=state, mine=mine and staff, page=_page(),
                             customer_id=None if staff else viewer.id)
    return jsonify({
        "results": [_summary(r.conversation, r.detail, r.last_at, r.messages, r.unread)
                    for r in page.items],
        "total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages,
    })


@bp.post("/cases")
@opening_limit
def create_case():
    """Write to support privately: {subject, body}."""
    viewer = forum_api.viewer(required=True)
    data = forum_api.json_body("subject", "body")
    subject = forum_api.text_field(data, "subject")
    body = forum_api.text_field(data, "body")
    conversation = services.open_case(actor=viewer, subject=subject, body=body)
    document = _document(conversation, viewer)
    return jsonify(document), 201, {"Location": document["url"]}


@bp.get("/cases/<id:case_id>")
def get_case(case_id: int):
    """One case and its messages, for its customer or staff (reading marks it read)."""
    viewer = forum_api.viewer(required=True)
    conversation = _readable(case_id, viewer)
    services.mark_read(conversation, reader=viewer)
    return jsonify(_document(conversation, viewer))


@bp.post("/cases/<id:case_id>/messages")
def add_message(case_id: int):
    """Write in an open case: {body}; the other side is notified."""
    viewer = forum_api.viewer(required=True)
    conversation = _readable(case_id, viewer)
    body = forum_api.text_field(forum_api.json_body("body"), "body")
    message = services.add_message(conversation, actor=viewer, body=body)
    return jsonify(_message(message)), 201


# -- the OpenAPI contribution --------------------------------------------------------------------
STRING, INTEGER, STAMP = {"type": "string"}, {"type": "integer"}, {"type": "string",
                                                                   "format": "date-time"}
_WS = "".join(f"\\u{ord(c):04x}" for c in map(chr, range(0x3001)) if c.isspace())
SUBJECT_TEXT = f"^(?:[{_WS}]*[^{_WS}\\u0000]){{{services.SUBJECT_MIN}}}[^\\u0000]*$"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, required=None) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _schemas() -> dict:
    person = _obj({"id": INTEGER, "username": STRING, "display_name": STRING,
                   "staff": {"type": "boolean"}})
    summary = _obj({
        "id": INTEGER, "subject": STRING, "state": {"type": "string", "enum": ["open", "closed"]},
        "origin": {"type": "string", "enum": ["detected", "customer", "moved_post",
                                              "moved_thread"]},
        "customer": _ref("CasePerson"),
        "thread": _nullable(_obj({"id": INTEGER, "title": STRING,
                                  "url": {"type": "string", "format": "uri"}})),
        "created_at": STAMP, "closed_at": _nullable(STAMP), "last_activity_at": STAMP,
        "message_count": INTEGER, "unread": INTEGER, "url": {"type": "string", "format": "uri"},
    })
    message = _obj({"id": INTEGER, "author": _ref("CasePerson"),
                    "body_html": {"type": "string", "description": "Sanitised HTML."},
                    "created_at": STAMP})
    return {
        "CasePerson": person, "CaseSummary": summary, "CaseMessage": message,
        "Case": {"allOf": [_ref("CaseSummary"), _obj(
            {"messages": {"type": "array", "items": _ref("CaseMessage")}})]},
        "CaseList": _obj({"results": {"type": "array", "items": _ref("CaseSummary")},
                          "total": INTEGER, "page": INTEGER, "per_page": INTEGER,
                          "pages": INTEGER}),
        "NewCase": _obj({
            "subject": {"type": "string", "pattern": SUBJECT_TEXT,
                        "maxLength": services.SUBJECT_MAX,
                        "description": f"At least {services.SUBJECT_MIN} characters besides "
                        "spaces."},
            "body": {"type": "string", "pattern": openapi.SOME_TEXT, "description": "Markdown."},
        }),
        "NewCaseMessage": _obj({"body": {"type": "string", "pattern": openapi.SOME_TEXT,
                                         "description": "Markdown."}}),
    }


def _errors(*codes: int) -> dict:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "AccountRestricted", 404: "NotFound",
             413: "TooLarge", 429: "RateLimited"}
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


CASE_ID = {"name": "case_id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX}}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def contribute_openapi(document: dict) -> None:
    """Document the private-case endpoints."""
    document["components"]["schemas"].update(_schemas())
    token = [{"bearerAuth": []}]
    refused = openapi.forbidden(("forbidden", *openapi.SANCTION_CODES),
                                "Not allowed (e.g. a placeholder account), or a sanction.")
    conflict = {"409": _json(_ref("Error"), "The case is closed.")}
    document["paths"]["/cases"] = {
        "get": {
            "operationId": "listCases", "tags": ["cases"], "security": token,
            "summary": "Your private cases; staff tokens see every case (open first)",
            "parameters": [
                _query("state", {"type": "string", "enum": [s.value for s in CaseFilter]},
                       "open, closed or all (default)."),
                _query("mine", {"type": "string", "enum": list(BOOLEANS)},
                       "Staff: only cases they opened or wrote in."),
                _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                       "Page."),
            ],
            "responses": {"200": _json(_ref("CaseList"), "Cases."),
                          **_errors(400, 401, 403, 429)},
        },
        "post": {
            "operationId": "createCase", "tags": ["cases"], "security": token,
            "summary": "Write to support privately (only you and staff can read it)",
            "requestBody": _body("NewCase"),
            "responses": {"201": _json(_ref("Case"), "The new case."),
                          **_errors(400, 401, 413, 429), **refused},
        },
    }
    document["paths"]["/cases/{case_id}"] = {"get": {
        "operationId": "getCase", "tags": ["cases"], "security": token,
        "summary": "One case with its messages (its customer and staff only)",
        "parameters": [CASE_ID],
        "responses": {"200": _json(_ref("Case"), "The case."),
                      **_errors(401, 403, 404, 429)},
    }}
    document["paths"]["/cases/{case_id}/messages"] = {"post": {
        "operationId": "addCaseMessage", "tags": ["cases"], "security": token,
        "summary": "Write in an open case; the other side is notified",
        "parameters": [CASE_ID], "requestBody": _body("NewCaseMessage"),
        "responses": {"201": _json(_ref("CaseMessage"), "The message."),
                      **_errors(400, 401, 404, 413, 429), **refused, **conflict},
    }}
