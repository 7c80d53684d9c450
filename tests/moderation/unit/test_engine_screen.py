"""The entry point, the quality bars on the public test splits, the dry-run and evaluate CLIs."""
import io
import json

import pytest

from moderation.engine import (
    Action,
    AuthorFacts,
    EngineConfig,
    Submission,
    dryrun,
    evaluate,
    screen,
)
from moderation.engine import data as datasets
from moderation.engine.model import save_model


def test_screen_clean_question_is_published_untouched(member, model):
    verdict = screen(Submission("How do I reset my router to factory settings?"), member,
                     model=model)
    assert verdict.action is Action.PUBLISH and verdict.hits == ()
    assert verdict.body == "How do I reset my router to factory settings?"
    assert verdict.model_version == model.version


def test_screen_one_link_is_not_spam_evidence_even_from_a_new_member(model):
    text = "Same problem here, see my screenshot https://imgur.com/a/xyz"
    for author in (AuthorFacts(trust_level=0, post_count=0), AuthorFacts(trust_level=1,
                                                                           post_count=10)):
        verdict = screen(Submission(text), author, model=model)
        assert verdict.published and verdict.scores["spam.classifier"] < 0.5
    basic = AuthorFacts(trust_level=1, post_count=10)
    config = EngineConfig(allowed_domains=frozenset({"acme.example"}))
    own = "I followed https://support.acme.example/reset and it still fails"
    assert screen(Submission(own), basic, model=model, config=config).published


def test_screen_scores_include_both_classifiers(member, model):
    scores = screen(Submission("hello"), member, model=model).scores
    assert 0 <= scores["spam.classifier"] <= 1 and 0 <= scores["abuse.classifier"] <= 1


def test_screen_hold_explanation_names_rule_and_keeps_text(member):
    verdict = screen(Submission("What an idiot."), member)
    assert verdict.action is Action.HOLD
    assert "waiting for a moderator" in verdict.explanation and "R1" in verdict.explanation
    assert verdict.body == "What an idiot."


def test_screen_rejected_post_with_pii_says_it_will_be_removed(member):
    verdict = screen(Submission("You idiot, my number is 07700 900123"), member)
    assert verdict.action is Action.REJECT
    assert "phone number will be removed" in verdict.explanation


def test_spam_test_split_meets_precision_and_recall(model):
    examples = datasets.split(datasets.spam_examples(), test=True)
    report = evaluate.evaluate_spam(
        examples, lambda t: screen(Submission(t), evaluate.EVAL_AUTHOR, model=model),
        lambda t: screen(Submission(t), evaluate.NEW_AUTHOR, model=model))
    # Links and numbers stopped being classifier evidence (they held ordinary support posts):
    # on SMS/YouTube this costs precision (0.98 -> 0.93) and recall (0.91 -> 0.82).
    assert report["not_published"]["precision"] >= 0.92
    assert report["not_published"]["recall"] >= 0.80


def test_davidson_test_split_keeps_hate_out_and_publishes_neither(model):
    examples = datasets.split(datasets.davidson_examples(), test=True)
    report = evaluate.evaluate_abuse(
        examples, lambda t: screen(Submission(t), evaluate.EVAL_AUTHOR, model=model))
    assert report["hate_not_published_recall"] >= 0.85
    # The attack and hate heads now hold at 0.6 (was 0.85): forum insults and threats that
    # use no listed word are caught, at a cost on Davidson's casual tweets (0.95 -> 0.91).
    assert report["neither_published_rate"] >= 0.90


def test_precision_recall_counts():
    result = evaluate.precision_recall([True, True, False, False], [True, False, True, False])
    assert (result["precision"], result["recall"], result["tp"]) == (0.5, 0.5, 1)
    assert evaluate.precision_recall([False], [False])["precision"] is None


def test_dryrun_outputs_one_line_per_input_and_maps_redacted_to_publish(member):
    lines = [
        json.dumps({"id": 1, "title": "Help", "body": "You are an idiot",
                    "author": {"trust_level": 1, "post_count": 5, "account_age_days": 30}}),
        "",
        json.dumps({"id": 2, "body": "Card 4111 1111 1111 1111 charged twice",
                    "author": {"trust_level": 1, "post_count": 5}}),
        "{not json",
        json.dumps([1, 2]),
    ]
    out = list(dryrun.run(lines))
    assert [o.get("id") for o in out] == [1, None, 2, None, None]
    assert out[0]["action"] == "reject" and out[0]["rules"] == ["R1"]
    assert out[2]["action"] == "publish" and "[card number removed]" in out[2]["body"]
    assert set(out[0]) >= {"id", "action", "rules", "body", "scores", "explanation"}
    assert all("error" in out[i] for i in (1, 3, 4))


def test_dryrun_main_reads_stdin_with_saved_model_rules_and_config(small_model, tmp_path):
    path = save_model(small_model, tmp_path)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(dryrun.DEFAULT_RULES.to_dict()), encoding="utf-8")
    config = tmp_path / "config.json"
    config.write_text(json.dumps(EngineConfig(brand_names=frozenset({"Acme"})).to_dict()),
                      encoding="utf-8")
    line = {"id": "a", "body": "Acme you absolute clowns",
            "author": {"trust_level": 3, "post_count": 80, "account_age_days": 200}}
    stdin = io.StringIO(json.dumps(line) + "\n")
    stdout = io.StringIO()
    code = dryrun.main(["--model", str(path), "--rules", str(rules), "--config", str(config)],
                       stdin=stdin, stdout=stdout)
    result = json.loads(stdout.getvalue())
    assert code == 0 and result["id"] == "a" and result["action"] == "publish"
    assert result["scores"]["abuse.brand_criticism"] == 1.0


def test_dryrun_author_defaults_to_a_new_member():
    assert dryrun.author_from(None) == AuthorFacts(trust_level=0, post_count=0)


def test_evaluate_main_prints_json_report(small_model, tmp_path, capsys):
    from engine_helpers import DATA
    path = save_model(small_model, tmp_path)
    assert evaluate.main(["--model", str(path), "--sets", str(DATA), "--limit", "5"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["classes"]) == {"criticism", "abuse", "ordinary", "spam"}
    assert report["engine"]["model"]["version"] == small_model.version
    assert "hand-written criticism.json" in report["classes"]["criticism"]["sources"]


@pytest.mark.parametrize("raw", [{"unknown_setting": 1}])
def test_engine_config_from_dict_refuses_unknown_keys(raw):
    with pytest.raises(ValueError):
        EngineConfig.from_dict(raw)


def test_engine_config_round_trips_through_dict():
    config = EngineConfig(bad_domains=frozenset({"WWW.Spam.Example"}),
                          brand_names=frozenset({"Acme Broadband"}))
    again = EngineConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config and again.bad_domains == frozenset({"spam.example"})
    assert again.brand_names == frozenset({"acme", "broadband"})


def test_staff_display_names_lend_no_ordinary_words_to_the_name_check(model, member):
    # "Sam from Support" once made every "from" and "support" in a post a person: a support
    # answer about where to put a booster was then held as a threat.
    config = EngineConfig(staff_names=frozenset({"Sam from Support", "Mia (moderator)", "admin"}))
    assert config.staff_names == frozenset({"sam", "mia", "admin"})
    text = ("Halfway: first floor landing worked for us. Keep it off the floor and away from "
            "the boiler cupboard.")
    assert screen(Submission(text), member, model=model, config=config).published
