"""The schema comes from the migrations, and the migrations match the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from forum.extensions import db


def _diff():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrations_upgraded_database_matches_models(app):
    # The session fixture upgraded an empty database to head.
    assert _diff() == []


def test_migrations_downgrade_then_upgrade_round_trips(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'roundtrip.db'}")
    with app.app_context():
        upgrade()
        assert "threads" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert "threads" not in inspect(db.engine).get_table_names()
        upgrade()
        assert _diff() == []
