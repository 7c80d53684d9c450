"""The evaluation command itself, on every 6th group of every set (figures, never timings):
the full run's figures are in bench/README.md; this keeps the command and the default model
honest in CI."""
import json

import pytest

from knowledgebase import evaluate
from tests.knowledgebase.unit.test_kb_quality import _data_dir


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("eval") / "report.json"
    cache = tmp_path_factory.mktemp("cache")
    data = _data_dir()
    with open(out, "w") as stream:
        import contextlib

        with contextlib.redirect_stdout(stream):
            assert evaluate.main(["--data", str(data), "--modes", "lexical,wordllama",
                                  "--slice", "6", "--cache", str(cache)]) == 0
    return json.loads(out.read_text())


def test_evaluate_slice_reports_every_set_for_both_modes(report):
    for mode in ("lexical", "wordllama"):
        section = report[mode]
        for key in ("suggestions_banking77", "clusters_banking77", "clinc150_out_of_scope",
                    "stackfaq_test_half", "hint3_sofmattress_test", "hint3_curekart_test",
                    "hint3_powerplay11_test", "forum_hand_written_test_half"):
            assert key in section, (mode, key)
        assert section["forum_hand_written_test_half"]["clusters"]["questions"] > 20


def test_evaluate_slice_default_model_beats_lexical_on_paraphrases(report):
    lexical, semantic = report["lexical"], report["wordllama"]
    assert semantic["suggestions_banking77"]["recall@5"] >= 0.95
    assert semantic["stackfaq_test_half"]["suggestions"]["hit@5"] >= 0.9
    assert semantic["stackfaq_test_half"]["clusters"]["recall"] > \
        lexical["stackfaq_test_half"]["clusters"]["recall"] + 0.3
    forum = semantic["forum_hand_written_test_half"]
    assert forum["suggestions"]["hit@5"] > \
        lexical["forum_hand_written_test_half"]["suggestions"]["hit@5"] + 0.3


def test_evaluate_slice_title_and_body_never_worse_than_title_alone(report):
    forum = report["wordllama"]["forum_hand_written_test_half"]
    assert forum["suggestions"]["hit@5"] >= forum["suggestions_title_only"]["hit@5"]
    assert forum["suggestions"]["hit@1"] >= forum["suggestions_title_only"]["hit@1"]


def test_evaluate_slice_keeps_questions_that_match_nothing_mostly_alone(report):
    semantic = report["wordllama"]
    assert semantic["clinc150_out_of_scope"]["oos_in_no_cluster"] >= 0.8
    assert semantic["hint3_sofmattress_test"]["clusters"]["alone_in_no_cluster"] >= 0.8


def test_every_kth_group_keeps_whole_groups():
    labels = ["a", "b", "a", "c", "b", "d", "a"]
    assert evaluate.every_kth_group(labels, 2) == [0, 2, 3, 6]
