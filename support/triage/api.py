"""Triage endpoints of the JSON API v1, for staff tokens: the inbox and assigning a thread."""
from __future__ import annotations

from flask import current_app, jsonify, request
from sqlalchemy import select

from forum import api as forum_api
from forum import openapi
from forum.extensions import db
from forum.models import Thread, User
from forum.services import username_key
from support import permissions
from support.triage import queries, services
from support.triage.models import TargetKind

bp = forum_api.feature_blueprint("triage_api", __name__)
MAX_PAGE = 10_000
TRUE, FALSE = {"1", "true", "yes"}, {"0", "false", "no", ""}


def _staff() -> User:
    user = forum_api.viewer(required=True)
    if not permissions.can_triage(user):
        raise forum_api.ApiError(403, "forbidden", "This needs a staff member's token.")
    return user


def _flag(name: str) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw not in TRUE | FALSE:
        raise forum_api.ApiError(400, "invalid", f"'{name}' is true or false.", field=name)
    return raw in TRUE


def _page() -> int:
    raw = request.args.get("page", "1").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise forum_api.ApiError(400, "invalid", f"'page' is a whole number from 1 to "
                                 f"{MAX_PAGE}.", field="page")
    return int(raw)


def _person(name: str, field: str) -> User:
    user = db.session.scalar(select(User).where(User.username_key == username_key(name)))
    if user is None:
        raise forum_api.ApiError(400, "invalid", f"No member is called {name!r}.", field=field)
    return user


def _category_id() -> int | None:
    raw = request.args.get("category", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= openapi.ID_MAX:
        raise forum_api.ApiError(400, "invalid", "'category' is a category id.",
                                 field="category")
    return int(raw)


def _filters(viewer: User) -> queries.InboxFilters:
    assignee: str | int = request.args.get("assignee", queries.ANY).strip() or queries.ANY
    if _flag("mine"):
        assignee = viewer.id
    elif assignee not in (queries.ANY, queries.NONE):
        assignee = _person(assignee, "assignee").id
    return queries.InboxFilters(_category_id(), assignee, _flag("overdue"))


def _iso(when) -> str | None:
    return when.isoformat() + "Z" if when is not None else None


def _target(state) -> dict:
    return {"due_at": _iso(state.due), "minutes": state.minutes, "done": state.done,
            "met": state.met, "overdue": state.overdue,
            "minutes_left": None if state.minutes_left is None
            else round(state.minutes_left, 1)}


def _person_ref(user: User | None) -> dict | None:
    return None if user is None else {"id": user.id, "username": user.username,
                                      "display_name": user.name}


def _row(row: queries.InboxRow) -> dict:
    thread = row.thread
    return {
        "thread": forum_api._thread_summary(thread), "score": row.priority.score,
        "reasons": row.reasons, "overdue": row.priority.overdue,
        "close_to_target": row.priority.close, "assignee": _person_ref(row.assignee),
        "target": None if row.target is None else row.target.kind.value,
        TargetKind.FIRST_RESPONSE.value: _target(row.first_response),
        TargetKind.RESOLUTION.value: _target(row.resolution),
        "waiting_since": _iso(row.waiting_since),
    }


@bp.get("/staff/inbox")
def inbox():
    """Threads awaiting a staff answer, highest priority first, with the reasons."""
    viewer = _staff()
    filters = _filters(viewer)
    page = queries.inbox(filters, page=_page(), per_page=current_app.config["THREADS_PER_PAGE"])
    return jsonify({"results": [_row(r) for r in page.items], "page": page.page,
                    "per_page": page.per_page, "total": page.total, "pages": page.pages})


@bp.post("/threads/<id:thread_id>/assign")
def assign(thread_id: int):
    """Assign a thread to a staff member by username, or to nobody (null)."""
    actor = _staff()
    thread = db.session.get(Thread, thread_id)
    if thread is None or thread.status.value == "deleted":
        raise forum_api.ApiError(404, "not_found", "No thread with that id.")
    data = forum_api.json_body("assignee")
    if "assignee" not in data:
        raise forum_api.ApiError(400, "missing_field", "'assignee' is required (a username, "
                                 "or null to unassign).", field="assignee")
    name = data["assignee"]
    if name is not None and not isinstance(name, str):
        raise forum_api.ApiError(400, "invalid", "'assignee' is a username or null.",
                                 field="assignee")
    person = _person(name, "assignee") if name is not None else None
    services.assign(thread, actor=actor, assignee=person)
    return jsonify({"thread_id": thread.id, "assignee": _person_ref(person)})


# -- OpenAPI -----------------------------------------------------------------------------------
def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    names = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 413: "TooLarge",
             429: "RateLimited"}
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


FORBIDDEN = openapi.forbidden(
    ("forbidden", *openapi.SANCTION_CODES),
    "forbidden: the token's owner is not on the support team; account_suspended, "
    "account_banned: they are suspended or banned. " + openapi.SANCTION_NOTE)
NULLABLE_STAMP = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}
NULLABLE_NUMBER = {"anyOf": [{"type": "number"}, {"type": "null"}]}
NULLABLE_BOOL = {"anyOf": [{"type": "boolean"}, {"type": "null"}]}


def _schemas() -> dict:
    person = {"type": "object", "required": ["id", "username", "display_name"],
              "properties": {"id": {"type": "integer"}, "username": {"type": "string"},
                             "display_name": {"type": "string"}}}
    target = {"type": "object", "required": ["due_at", "minutes", "done", "met", "overdue",
                                             "minutes_left"],
              "properties": {"due_at": {"type": "string", "format": "date-time"},
                             "minutes": {"type": "integer"}, "done": {"type": "boolean"},
                             "met": NULLABLE_BOOL, "overdue": {"type": "boolean"},
                             "minutes_left": NULLABLE_NUMBER}}
    row = {
        "thread": _ref("ThreadSummary"), "score": {"type": "number"},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "overdue": {"type": "boolean"}, "close_to_target": {"type": "boolean"},
        "assignee": {"anyOf": [_ref("TriagePerson"), {"type": "null"}]},
        "target": {"anyOf": [{"type": "string", "enum": [k.value for k in TargetKind]},
                             {"type": "null"}]},
        "first_response": _ref("TriageTarget"), "resolution": _ref("TriageTarget"),
        "waiting_since": NULLABLE_STAMP,
    }
    inbox = {"results": {"type": "array", "items": _ref("InboxRow")},
             "page": {"type": "integer"}, "per_page": {"type": "integer"},
             "total": {"type": "integer"}, "pages": {"type": "integer"}}
    return {
        "TriagePerson": person, "TriageTarget": target,
        "InboxRow": {"type": "object", "required": list(row), "properties": row},
        "Inbox": {"type": "object", "required": list(inbox), "properties": inbox},
        "NewAssignment": {"type": "object", "required": ["assignee"], "properties": {
            "assignee": {"anyOf": [{"type": "string", "pattern": openapi.NO_NUL},
                                   {"type": "null"}],
                         "description": "A staff member's username; null unassigns."}}},
        "AssignmentResult": {"type": "object", "required": ["thread_id", "assignee"],
                             "properties": {"thread_id": {"type": "integer"},
                                            "assignee": {"anyOf": [_ref("TriagePerson"),
                                                                   {"type": "null"}]}}},
    }


def _inbox_path() -> dict:
    flag = {"type": "boolean"}
    return {"get": {
        "operationId": "staffInbox", "tags": ["support"], "security": openapi.TOKEN,
        "summary": "Threads awaiting a staff answer, highest priority first (staff tokens)",
        "parameters": [
            _query("category", openapi.ROW_ID, "Only this category (id)."),
            _query("assignee", {"type": "string"}, "'any' (default), 'none' (unassigned) "
                   "or a username; 400 when no member has that name."),
            _query("overdue", flag, "Only threads past a target."),
            _query("mine", flag, "Only threads assigned to the token's owner."),
            _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page."),
        ],
        "responses": {"200": _json(_ref("Inbox"), "A page of the inbox."),
                      **_errors(400, 401, 429), **FORBIDDEN},
    }}


def _assign_path() -> dict:
    return {"post": {
        "operationId": "assignThread", "tags": ["support"], "security": openapi.TOKEN,
        "summary": "Assign a thread to a staff member, or unassign it (staff tokens)",
        "parameters": [openapi.THREAD_ID],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": _ref("NewAssignment")}}},
        "responses": {"200": _json(_ref("AssignmentResult"), "The thread's assignee now."),
                      **_errors(400, 401, 404, 413, 429), **FORBIDDEN},
    }}


def contribute_openapi(document: dict) -> None:
    """Document the inbox and assignment endpoints."""
    document["components"]["schemas"].update(_schemas())
    document["paths"]["/staff/inbox"] = _inbox_path()
    document["paths"]["/threads/{thread_id}/assign"] = _assign_path()
