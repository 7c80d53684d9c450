"""Moderation tests run with screening on."""
import pytest

from forum.extensions import db
from tests.conftest import _empty_tables


@pytest.fixture
def app(make_app):
    """An app with the moderation screener active, in an app context, with empty tables."""
    application = make_app(MODERATION_ENABLED=True)
    with application.app_context():
        _empty_tables()
        yield application
        db.session.remove()
