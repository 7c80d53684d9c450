"""Moderators read the audit log (admins export it, with JSON before/after); every version
of the rules is readable with a diff, and saving unchanged rules publishes nothing."""
from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Role
from moderation import audit
from moderation import services as moderation
from moderation.models import RuleSetVersion, SanctionKind
from moderation.runtime import current_rules
from tests.moderation.test_views import (
    flagged_item,
    html,
    signed_in,
)


@pytest.fixture
def moderator(factory):
    """A moderator."""
    return factory.user("mod_one", role=Role.MODERATOR)


@pytest.fixture
def mod_client(app, moderator):
    """A client signed in as the moderator."""
    return signed_in(app, moderator)


def _edited(title: str) -> dict:
    raw = current_rules().to_dict()
    raw["rules"][4]["title"] = title
    return raw


# -- audit log ---------------------------------------------------------------------------------
def test_audit_csv_before_and_after_are_json(app, factory, moderator):
    moderation.reject(flagged_item(app, factory), actor=moderator, rule="R2", message="Ad.")
    rows = list(csv.DictReader(io.StringIO(audit.to_csv(audit.events()))))
    (reject,) = [r for r in rows if r["action"] == "reject"]
    assert json.loads(reject["before"]) == {"status": "published"}
    assert json.loads(reject["after"]) == {"status": "rejected"}
    assert next(r for r in rows if r["action"] == "flag")["before"] == ""


def test_audit_log_page_shows_changes_as_field_old_to_new_not_json(app, factory, mod_client,
                                                                   moderator):
    author = factory.user()
    moderation.reject(flagged_item(app, factory, author=author), actor=moderator, rule="R2",
                      message="Ad.")
    moderation.sanction(author, SanctionKind.MUTE, actor=moderator, rule="R2", reason="Ads.",
                        days=2)
    page = html(mod_client.get("/moderation/audit"))
    assert '<span class="change-field">status</span>: published → rejected' in page
    assert '<span class="change-field">kind</span>: mute' in page
    assert '<span class="change-field">ends at</span>: 20' in page
    assert '{"status"' not in page and '{"kind"' not in page and "&#34;" not in page


def test_audit_changes_read_lists_mappings_and_missing_sides():
    found = audit.changes({"trust_level": 2, "rules": ["R1"]},
                          {"trust_level": 1, "scores": {"spam.rate": 0.7}, "banned": True,
                           "ends_at": None})
    assert [(c.field, c.old, c.new) for c in found] == [
        ("trust level", "2", "1"), ("rules", "R1", None), ("scores", None, "spam.rate 0.7"),
        ("banned", None, "yes"), ("ends at", None, "none")]
    assert audit.changes(None, None) == []


def test_audit_log_readable_by_moderators_without_export(app, factory, mod_client, moderator):
    moderation.reject(flagged_item(app, factory), actor=moderator, rule="R2", message="Ad.")
    page = mod_client.get("/moderation/audit")
    assert page.status_code == 200 and "Ad." in html(page)
    assert "/moderation/audit.csv" not in html(page) and 'href="/moderation/audit"' in html(page)
    assert mod_client.get("/moderation/audit.csv").status_code == 403
    admin_page = html(signed_in(app, factory.user(role=Role.ADMIN)).get("/moderation/audit"))
    assert "/moderation/audit.csv" in admin_page


# -- rules versions ----------------------------------------------------------------------------
def test_update_rules_without_a_change_publishes_no_version(app, factory):
    admin = factory.user(role=Role.ADMIN)
    with pytest.raises(moderation.Unchanged):
        moderation.update_rules(current_rules().to_dict(), actor=admin, note="Just saving.")
    moderation.update_rules(_edited("Keep it on topic"), actor=admin, note="Clearer.")
    db.session.expire_all()
    with pytest.raises(moderation.Unchanged, match="version 2 stays"):
        moderation.update_rules(_edited("Keep it on topic"), actor=admin, note="Again.")
    assert db.session.scalar(select(func.count(RuleSetVersion.id))) == 1


def test_rule_version_page_shows_rules_and_diff_against_previous(app, factory, client):
    admin = factory.user("the_admin", role=Role.ADMIN)
    old_title = current_rules().rule("R5").title
    moderation.update_rules(_edited("Keep it on topic"), actor=admin, note="Clearer.")
    page = client.get("/rules/versions/2")
    assert page.status_code == 200
    text = html(page)
    assert f'<span class="diff-del">- R5 {old_title}</span>' in text
    assert '<span class="diff-add">+ R5 Keep it on topic</span>' in text
    assert "Changes from version 1" in text and "Clearer." in text and "the_admin" in text
    first = html(client.get("/rules/versions/1"))
    assert old_title in first and "shipped with Parley" in first and "diff-add" not in first
    assert client.get("/rules/versions/3").status_code == 404
    listing = html(client.get("/rules/versions"))
    assert 'href="/rules/versions/2"' in listing and 'href="/rules/versions/1"' in listing
    assert 'href="/rules/versions/2"' in html(client.get("/rules"))


def test_edit_rules_saved_unchanged_says_so_and_publishes_nothing(app, factory):
    admin_client = signed_in(app, factory.user(role=Role.ADMIN))
    form = html(admin_client.get("/rules/edit"))
    assert form  # the form renders; post back exactly what it shows
    data = {f"{r.code}__{field}": getattr(r, field) for r in current_rules().rules
            for field in ("title", "summary", "explanation", "example", "advice")}
    response = admin_client.post("/rules/edit", data={**data, "note": "No change."},
                                 follow_redirects=True)
    assert response.status_code == 200 and "Nothing changed" in html(response)
    assert db.session.scalar(select(func.count(RuleSetVersion.id))) == 0
