"""Thread tools in the JSON API v1, for staff tokens: tags on a thread, internal notes.
Anyone else gets 403 before anything is looked up, so notes never leak, not even as a 404."""
from __future__ import annotations

from flask import jsonify, request

from forum import api as forum_api
from forum import openapi
from forum import permissions as forum_permissions
from forum import queries as forum_queries
from support import permissions
from support.tools import queries, services

bp = forum_api.feature_blueprint("support_tools_api", __name__)


def _staff(allowed) -> object:
    viewer = forum_api.viewer(required=True)
    if not allowed(viewer):
        raise forum_api.ApiError(403, "forbidden", "Only staff tokens may do this.")
    return viewer


def _thread(thread_id: int, viewer):
    found = forum_queries.get_thread(thread_id)
    if found is None or not forum_permissions.can_view_thread(viewer, found):
        raise forum_api.ApiError(404, "not_found", "No thread with that id.")
    return found


def _tags_of(thread) -> dict:
    return {"thread_id": thread.id, "tags": forum_api.tag_refs(
        forum_queries.tags_for_threads([thread.id]).get(thread.id, []))}


def _iso(when) -> str | None:
    return when.isoformat() + "Z" if when is not None else None


def _note(note) -> dict:
    author = note.author
    return {"id": note.id, "thread_id": note.thread_id,
            "author": {"id": author.id, "username": author.username, "display_name": author.name,
                       "role": author.role.value} if author is not None else None,
            "body": note.body_source, "body_html": note.body_html,
            "created_at": _iso(note.created_at),
            "edited_at": _iso(note.edited_at)}


@bp.post("/threads/<id:thread_id>/tags")
def add_tag(thread_id: int):
    """Put a tag on a thread: {tag: slug}; 201 when added, 200 when it was there already."""
    viewer = _staff(permissions.can_manage_tags)
    thread = _thread(thread_id, viewer)
    slug = forum_api.text_field(forum_api.json_body("tag"), "tag")
    tag = forum_queries.tag_by_slug(slug)
    if tag is None:
        raise forum_api.ApiError(404, "not_found", "No tag with that slug.", field="tag")
    added = services.tag_thread(thread, tag, actor=viewer)
    return jsonify(_tags_of(thread)), 201 if added else 200


@bp.delete("/threads/<id:thread_id>/tags/<slug>")
def remove_tag(thread_id: int, slug: str):
    """Take a tag off a thread (200 with the tags left, whether or not it had it)."""
    viewer = _staff(permissions.can_manage_tags)
    thread = _thread(thread_id, viewer)
    tag = forum_queries.tag_by_slug(slug)
    if tag is None:
        raise forum_api.ApiError(404, "not_found", "No tag with that slug.")
    services.untag_thread(thread, tag, actor=viewer)
    return jsonify(_tags_of(thread))


@bp.route("/threads/<id:thread_id>/notes", methods=["GET", "POST"])
def notes(thread_id: int):
    """GET: a thread's internal notes, oldest first; POST {body}: leave one (staff only).
    One rule for both methods, so an id out of range is a 404 for either (two rules made
    werkzeug answer 405 for the method whose rule did not convert the id)."""
    viewer = _staff(permissions.can_see_notes)
    thread = _thread(thread_id, viewer)
    if request.method == "GET":
        return jsonify({"thread_id": thread.id,
                        "notes": [_note(n) for n in queries.notes_for(thread)]})
    body = forum_api.text_field(forum_api.json_body("body"), "body")
    note = services.add_note(thread, actor=viewer, body=body)
    return jsonify(_note(note)), 201


def _schemas() -> dict:
    string, integer = {"type": "string"}, {"type": "integer"}
    stamp = {"type": "string", "format": "date-time"}
    author = {"type": "object", "required": ["id", "username", "display_name", "role"],
              "properties": {"id": integer, "username": string, "display_name": string,
                             "role": string}}
    return {
        "ThreadTags": {"type": "object", "required": ["thread_id", "tags"], "properties": {
            "thread_id": integer,
            "tags": {"type": "array", "items": {"$ref": "#/components/schemas/TagRef"}}}},
        "NewThreadTag": {"type": "object", "required": ["tag"], "properties": {
            "tag": {"type": "string", "pattern": openapi.NO_NUL, "description": "A tag's slug."}}},
        "Note": {"type": "object", "required": ["id", "thread_id", "author", "body", "body_html",
                                                "created_at", "edited_at"], "properties": {
            "id": integer, "thread_id": integer, "author": {"anyOf": [author, {"type": "null"}]},
            "body": string, "body_html": string, "created_at": stamp,
            "edited_at": {"anyOf": [stamp, {"type": "null"}]}}},
        "NoteList": {"type": "object", "required": ["thread_id", "notes"], "properties": {
            "thread_id": integer,
            "notes": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}}}},
        "NewNote": {"type": "object", "required": ["body"], "properties": {
            "body": {"type": "string", "pattern": openapi.SOME_TEXT, "description": "Markdown."}}},
    }


def _json(name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{name}"}}}}


def _errors(*codes: int) -> dict:
    names = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 413: "TooLarge",
             429: "RateLimited"}
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


FORBIDDEN = openapi.forbidden(("forbidden", *openapi.SANCTION_CODES),
                              "forbidden: the token is not a staff member's; account_*: its "
                              "owner is suspended or banned. " + openapi.SANCTION_NOTE)


def _operation(operation_id: str, summary: str, responses: dict, body: str | None = None,
               parameters: list | None = None) -> dict:
    found = {"operationId": operation_id, "summary": summary, "tags": ["staff"],
             "security": [{"bearerAuth": []}],
             "parameters": parameters or [openapi.THREAD_ID],
             "responses": {**responses, **FORBIDDEN}}
    if body:
        found["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body}"}}}}
    return found


def contribute_openapi(document: dict) -> None:
    """Document the thread tools' endpoints in the API's OpenAPI description."""
    document["components"]["schemas"].update(_schemas())
    slug = {"name": "slug", "in": "path", "required": True,
            "schema": {"type": "string", "pattern": openapi.NO_NUL, "minLength": 1}}
    paths = document["paths"]
    paths["/threads/{thread_id}/tags"] = {"post": _operation(
        "addThreadTag", "Put a staff-managed tag on a thread (staff tokens)",
        {"201": _json("ThreadTags", "Added; the thread's tags."),
         "200": _json("ThreadTags", "It already had the tag; the thread's tags."),
         **_errors(400, 401, 404, 413, 429)}, body="NewThreadTag")}
    paths["/threads/{thread_id}/tags/{slug}"] = {"delete": _operation(
        "removeThreadTag", "Take a tag off a thread (staff tokens)",
        {"200": _json("ThreadTags", "The thread's tags left."), **_errors(400, 401, 404, 429)},
        parameters=[openapi.THREAD_ID, slug])}
    paths["/threads/{thread_id}/notes"] = {
        "get": _operation("listThreadNotes", "A thread's internal notes (staff tokens)",
                          {"200": _json("NoteList", "The notes, oldest first."),
                           **_errors(400, 401, 404, 429)}),
        "post": _operation("addThreadNote", "Leave an internal note (staff tokens)",
                           {"201": _json("Note", "The new note."),
                            **_errors(400, 401, 404, 413, 429)}, body="NewNote"),
    }
