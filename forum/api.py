"""JSON API v1 for integrations: bearer tokens, JSON errors."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
