"""Contact bait and fake helplines are scams: the moderator's pages name the rule the verdict
cited (R3), and nuking such an account bans it under R3, not a hard-coded R2."""
from __future__ import annotations

import re

import pytest

from forum.models import Role
from tests.moderation.test_learning import _held
from tests.moderation.test_views import html, signed_in

BAIT = "Message me on WhatsApp or Telegram @fixit_pro for a quick fix, small fee"


@pytest.fixture
def mod_client(app, factory):
    """A client signed in as a moderator."""
    return signed_in(app, factory.user("mod_one", role=Role.MODERATOR))


def test_item_held_as_scam_shows_r3_and_nuke_bans_under_r3(app, factory, mod_client):
    scammer = factory.user("fixit_pro")
    item = _held(app, factory, scammer, BAIT, rule="R3", check="spam.scam")
    page = html(mod_client.get(f"/moderation/items/{item.id}"))
    assert 'title="No scams or fake support numbers">R3</a>' in page
    assert re.search(r'<option (selected value="R3"|value="R3" selected)', page)
    response = mod_client.post(f"/moderation/users/{scammer.id}/nuke",
                               data={"reason": "Scam account."}, follow_redirects=True)
    text = html(response)
    assert "banned the account under R3" in text
    assert ">R3</a></td>" in text.replace("\n", "")
