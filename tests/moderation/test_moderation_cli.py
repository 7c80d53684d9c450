"""flask moderation dry-run | evaluate | train."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from forum.extensions import db
from moderation import learning
from moderation.models import AuditEvent, TrainingTask

LINES = [
    {"id": "crit", "title": "", "body": "Your billing is a joke and I'm switching providers.",
     "author": {"trust_level": 1, "post_count": 5, "account_age_days": 30}},
    {"id": "card", "title": "", "body": "Charged twice on 4111 1111 1111 1111, please help",
     "author": {"trust_level": 1, "post_count": 5, "account_age_days": 30}},
    {"id": "attack", "title": "", "body": "You are a pathetic idiot and everyone hates you.",
     "author": {"trust_level": 1, "post_count": 5, "account_age_days": 30}},
]


def test_dry_run_prints_one_verdict_per_line_and_writes_nothing(app):
    stdin = "\n".join(json.dumps(line) for line in LINES) + "\nnot json\n"
    result = app.test_cli_runner().invoke(args=["moderation", "dry-run"], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    by_id = {o["id"]: o for o in out if o["id"]}
    assert by_id["crit"]["action"] == "publish" and by_id["crit"]["rules"] == []
    assert by_id["card"]["action"] == "publish" and "R4" in by_id["card"]["rules"]
    assert "4111" not in by_id["card"]["body"]
    assert by_id["attack"]["action"] in ("hold", "reject") and "R1" in by_id["attack"]["rules"]
    assert any("error" in o for o in out)
    assert db.session.scalar(select(AuditEvent)) is None


def test_evaluate_prints_per_class_json_and_table(app):
    result = app.test_cli_runner().invoke(
        args=["moderation", "evaluate", "--limit", "3", "--table"])
    assert result.exit_code == 0, result.output
    text = result.output[result.output.index("{"):]
    report, end = json.JSONDecoder().raw_decode(text)
    assert set(report["classes"]) == {"criticism", "abuse", "ordinary", "spam"}
    for block in report["classes"].values():
        share = block["systems"]["parley_trust1"]["share"]
        assert 0.0 <= share <= 1.0
    assert "| **spam** (pooled) |" in text[end:]


def test_train_uses_moderator_decisions_and_logs(app):
    learning.record("limited offer buy followers cheap now", task=TrainingTask.SPAM, label=True,
                    author_id=None, rule="R2", decided_by=None)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["moderation", "train"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output.strip().splitlines()[-1])
    assert info["version"] >= 2 and info["extra_examples"] == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "model_trained"))


BAD_LINES = [
    "not json", "[1, 2]", "42", "null", '"text"', "", "   ", '{"id": "no-body"}',
    '{"id": "t", "body": 5}', '{"id": "a", "body": "hi", "author": [1]}',
    '{"id": "n", "body": "hi", "author": {"trust_level": "high"}}',
    '{"id": "h", "body": "hi", "author": {"post_count": 1e400}}',
    '{"id": "x", "body": "hi", "author": {"account_age_days": -1}}',
    '{"id": {"nested": 1}, "body": "hi"}', '{"id": "big", "body": "hi", "author": 99}',
    "[" * 50_000, '{"id": "z", "body": "hi", "title": ["a"]}',
]


@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(
    st.text(max_size=60).map(lambda t: t.replace("\n", " ").replace("\r", " ")),
    st.dictionaries(st.sampled_from(["id", "body", "title", "author"]),
                    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                              st.text(max_size=20), st.lists(st.integers(), max_size=3),
                              st.dictionaries(st.sampled_from(["trust_level", "post_count"]),
                                              st.one_of(st.integers(), st.floats(),
                                                        st.text(max_size=5)))),
                    max_size=4).map(json.dumps),
), min_size=150, max_size=150))
def test_dry_run_answers_every_line_of_a_fuzzed_mix_and_goes_on(app_for_fuzz, fuzzed):
    good = [json.dumps(line) for line in LINES]
    lines = good[:1] + BAD_LINES + fuzzed + good[1:]
    result = app_for_fuzz.test_cli_runner().invoke(args=["moderation", "dry-run"],
                                                   input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == len(lines)
    assert (out[0]["id"], out[0]["action"]) == ("crit", "publish")
    assert out[-2]["id"] == "card" and "4111" not in out[-2]["body"]
    assert out[-1]["id"] == "attack" and out[-1]["action"] in ("hold", "reject")
    assert all("error" in o for o in out[1:1 + len(BAD_LINES)])
    assert all(("error" in o) != ("action" in o) for o in out)


@pytest.fixture
def app_for_fuzz(app):
    return app
