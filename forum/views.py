"""Public forum pages: categories, thread lists, threads, posting, search, profiles."""
from flask import Blueprint

bp = Blueprint("forum", __name__)
