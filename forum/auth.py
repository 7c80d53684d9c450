"""Accounts: register, sign in and out, password reset, settings and API tokens."""
from flask import Blueprint

bp = Blueprint("auth", __name__)
