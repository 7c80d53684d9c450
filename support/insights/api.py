"""GET /api/v1/metrics: the insights dashboard's numbers as JSON, for staff tokens."""
from __future__ import annotations

from flask import current_app, jsonify, request

from forum import api as forum_api
from forum import openapi
from support import permissions
from support.insights import report
from support.insights.queries import category_names
from support.insights.window import MAX_DAYS, WindowError, parse_window, support_timezone

bp = forum_api.feature_blueprint("insights_api", __name__)


@bp.get("/metrics")
def metrics():
    """Every insights figure for ?from=&to= (ISO dates) and an optional ?category= id."""
    actor = forum_api.viewer(required=True)
    if not permissions.can_view_insights(actor):
        raise forum_api.ApiError(403, "forbidden", "Only staff tokens can read metrics.")
    names = category_names()
    try:
        window = parse_window(request.args, categories=set(names), tz=support_timezone())
    except WindowError as exc:
        raise forum_api.ApiError(400, "invalid", exc.message, field=exc.field) from exc
    return jsonify(report.cached_insights(window, current_app)[1])


NUMBER = {"type": ["number", "null"]}


def _bucket_schema() -> dict:
    keys = ("asked", "answered", "within_target", "solved")
    figures = ("within_target_share", "solved_share", "first_response_median",
               "first_response_p90", "first_staff_response_median", "first_staff_response_p90",
               "resolution_median", "resolution_p90")
    properties = {"label": {"type": "string"}, **{k: {"type": "integer"} for k in keys},
                  **{k: NUMBER for k in figures}}
    return {"type": "object", "required": list(properties), "properties": properties}


def _metrics_schema() -> dict:
    array = {"type": "array"}
    return {"type": "object",
            "required": ["window", "totals", "weeks", "categories", "backlog", "heatmap",
                         "tone", "moderation", "deflection", "search"],
            "properties": {
                "window": {"type": "object", "properties": {
                    "from": {"type": "string", "format": "date"},
                    "to": {"type": "string", "format": "date"},
                    "timezone": {"type": "string"}}},
                "totals": {"allOf": [{"$ref": "#/components/schemas/MetricsBucket"},
                                     {"type": "object", "properties": {
                                         "backlog": {"type": "integer"}}}]},
                "weeks": {**array, "items": {"$ref": "#/components/schemas/MetricsBucket"}},
                "categories": {**array,
                               "items": {"$ref": "#/components/schemas/MetricsBucket"}},
                "backlog": {**array, "items": {"type": "object", "properties": {
                    "day": {"type": "string", "format": "date"},
                    "waiting": {"type": "integer"}}}},
                "heatmap": {"type": "object", "description": "counts[weekday][hour], Monday "
                            "first, in the support time zone."},
                "tone": array, "moderation": {"type": "object"},
                "deflection": {"type": "object"}, "search": {"type": "object"},
            }}


def _date_parameter(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False,
            "schema": {"type": "string", "format": "date"}, "description": description}


def contribute_openapi(document: dict) -> None:
    """Document GET /metrics."""
    schemas = document["components"]["schemas"]
    schemas["MetricsBucket"] = _bucket_schema()
    schemas["Metrics"] = _metrics_schema()
    errors = {str(code): {"$ref": f"#/components/responses/{name}"} for code, name in
              [(400, "BadRequest"), (401, "Unauthorized"), (429, "RateLimited")]}
    document["paths"]["/metrics"] = {"get": {
        "operationId": "getMetrics", "tags": ["insights"],
        "summary": "The insights dashboard's numbers for a period (staff tokens only).",
        "description": f"Minutes for times, 0..1 for shares. At most {MAX_DAYS} days; `to` "
                       "on or after `from`; default the last eight weeks.",
        "security": [{"bearerAuth": []}],
        "parameters": [
            _date_parameter("from", "First day (YYYY-MM-DD), in the support time zone."),
            _date_parameter("to", "Last day (YYYY-MM-DD), included; default today."),
            {"name": "category", "in": "query", "required": False, "schema": openapi.ROW_ID,
             "description": "Only this category's questions."},
        ],
        "responses": {
            "200": {"description": "The numbers.", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Metrics"}}}},
            **errors,
            **openapi.forbidden(("forbidden", *openapi.SANCTION_CODES),
                                "forbidden: not a staff token; account_suspended, "
                                "account_banned: " + openapi.SANCTION_NOTE),
        },
    }}
