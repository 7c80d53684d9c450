"""Moderation endpoints of the JSON API v1: flagging a post."""
from __future__ import annotations

from flask import jsonify

from forum import api as forum_api
from forum import openapi
from forum.extensions import db
from forum.models import Post
from moderation import services
from moderation.models import FlagReason

bp = forum_api.feature_blueprint("moderation_api", __name__)
REASONS = [r.value for r in FlagReason]


@bp.post("/posts/<id:post_id>/flags")
def flag(post_id: int):
    """Flag a post as the token's owner: {reason, text?}."""
    actor = forum_api.viewer(required=True)
    post = db.session.get(Post, post_id)
    if post is None or post.status.value != "published":
        raise forum_api.ApiError(404, "not_found", "No such post.")
    data = forum_api.json_body("reason", "text")
    reason = forum_api.text_field(data, "reason")
    if reason not in REASONS:
        raise forum_api.ApiError(400, "invalid", f"reason must be one of {', '.join(REASONS)}.",
                                 field="reason")
    text = forum_api.text_field(data, "text", required=False) or ""
    row = services.flag_post(post, actor=actor, reason=FlagReason(reason), text=text)
    return jsonify({
        "id": row.id, "post_id": post.id, "reason": row.reason.value, "weight": row.weight,
        "post_status": post.status.value,
    }), 201


def contribute_openapi(document: dict) -> None:
    """Document the flag endpoint in the API's OpenAPI description."""
    schemas = document["components"]["schemas"]
    schemas["NewFlag"] = {
        "type": "object", "required": ["reason"],
        "properties": {"reason": {"type": "string", "enum": REASONS},
                       "text": {"type": "string", "pattern": "^[^\\u0000]*$",
                                "description": "Required for 'other'."}},
    }
    schemas["Flag"] = {
        "type": "object", "required": ["id", "post_id", "reason", "weight", "post_status"],
        "properties": {
            "id": {"type": "integer"}, "post_id": {"type": "integer"},
            "reason": {"type": "string", "enum": REASONS},
            "weight": {"type": "number", "description": "Trust- and accuracy-weighted."},
            "post_status": {"type": "string", "description": "'held' once flags hide it."},
        },
    }
    errors = {str(code): {"$ref": f"#/components/responses/{name}"} for code, name in
              [(400, "BadRequest"), (401, "Unauthorized"), (404, "NotFound"),
               (429, "RateLimited")]}
    document["paths"]["/posts/{post_id}/flags"] = {"post": {
        "operationId": "flagPost",
        "summary": "Flag a post for moderators (one flag per member per post).",
        "security": [{"bearerAuth": []}],
        "parameters": [{"name": "post_id", "in": "path", "required": True,
                        "schema": openapi.ROW_ID}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/NewFlag"}}}},
        "responses": {
            "201": {"description": "Flag recorded.", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Flag"}}}},
            "409": {"description": "Already flagged, own post, or not public.",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}}}},
            **errors,
            **openapi.forbidden(
                ("forbidden", openapi.MUTED_CODE, *openapi.SANCTION_CODES),
                "forbidden: the token's owner may not flag (an imported placeholder account); "
                "account_muted, account_suspended, account_banned: they are muted, suspended "
                "or banned, and nothing is recorded. " + openapi.SANCTION_NOTE),
        },
    }}
