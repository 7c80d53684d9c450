"""The per-class evaluation on a small slice: its structure and figures (never its timings)."""
from __future__ import annotations

import json
import sys

import pytest

from moderation.engine import evaluate

LIMIT = 30
REDTEAM_ROWS = [
    {"id": "t1", "class": "support", "kind": "order_number", "split": "test",
     "text": "Order 55512093 still says processing after nine days, any idea?", "title": ""},
    {"id": "t2", "class": "support", "kind": "port", "split": "test",
     "text": "Which port does the router use for remote admin, 8443?", "title": "Remote admin"},
    {"id": "t3", "class": "spam", "kind": "pharma", "split": "test",
     "text": "Cheap v1agra no prescription, fast shipping, order now at pills-now.example",
     "title": ""},
    {"id": "t4", "class": "threat", "kind": "direct", "split": "test",
     "text": "Keep this up Sam and we will find you.", "title": ""},
    {"id": "t5", "class": "criticism", "kind": "harsh", "split": "test",
     "text": "Brightwave's support is useless, third outage this month.", "title": ""},
    {"id": "u1", "class": "spam", "kind": "pharma", "split": "tune",
     "text": "Tuning row: never scored.", "title": ""},
]


@pytest.fixture(scope="module")
def redteam(tmp_path_factory):
    """A tiny red-team file: five test rows and one tune row."""
    path = tmp_path_factory.mktemp("redteam") / "redteam.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in REDTEAM_ROWS) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def report(model, redteam):
    """The evaluation on LIMIT texts per source, with the tiny red-team file."""
    return evaluate.evaluate(model=model, redteam=redteam, limit=LIMIT)


def _figures(block: dict):
    """Every (system, figure) pair of one class, source or functionality."""
    return block["systems"].items()


def _check(figure, n: int) -> None:
    """A figure is "not installed" or a share in [0, 1] matching its counts."""
    if figure == evaluate.NOT_INSTALLED:
        return
    assert figure["n"] == n and 0 <= figure["correct"] <= n
    assert 0.0 <= figure["share"] <= 1.0
    assert figure["share"] == round(figure["correct"] / n, 4)


def test_evaluate_slice_has_every_class_with_target(report):
    assert list(report["classes"]) == ["criticism", "abuse", "ordinary", "spam"]
    targets = {cls: block["target"] for cls, block in report["classes"].items()}
    assert targets == {"criticism": 0.98, "abuse": 0.90, "ordinary": 0.95, "spam": 0.90}
    assert report["limit"] == LIMIT


def test_evaluate_slice_sources_are_limited_and_figures_are_shares(report):
    for block in report["classes"].values():
        for source in block["sources"].values():
            assert 1 <= source["n"] <= LIMIT
            assert set(source["systems"]) == set(evaluate.SYSTEMS)
            for _, figure in _figures(source):
                _check(figure, source["n"])


def test_evaluate_slice_pooled_counts_only_counted_sources(report):
    for block in report["classes"].values():
        counted = sum(s["n"] for s in block["sources"].values() if s["in_total"])
        assert block["n"] == counted
        for _, figure in _figures(block):
            _check(figure, counted)


def test_evaluate_engine_columns_always_present(report):
    for block in report["classes"].values():
        for name in (evaluate.PARLEY0, evaluate.PARLEY1):
            assert isinstance(block["systems"][name], dict)
    assert report["authors"][evaluate.PARLEY0]["trust_level"] == 0
    assert report["authors"][evaluate.PARLEY1]["trust_level"] == 1


def test_evaluate_redteam_scores_only_test_rows(report):
    sources = {name: s for block in report["classes"].values()
               for name, s in block["sources"].items()}
    assert sources["red-team spam (test)"]["n"] == 1
    assert sources["red-team support (test)"]["n"] == 2
    assert sources["red-team support: port"]["in_total"] is False
    assert report["classes"]["ordinary"]["held_for_numbers_alone"]["n"] == 2
    held = report["classes"]["ordinary"]["held_for_numbers_alone"][evaluate.PARLEY1]
    assert held in (0, 1, 2)


def test_evaluate_hatecheck_functionalities_each_reported(report):
    functionalities = report["hatecheck_functionalities"]
    assert len(functionalities) == 29
    assert functionalities["threat_dir_h"]["expected"] == "not_published"
    assert functionalities["threat_dir_h"]["must"] is True
    assert functionalities["profanity_nh"]["expected"] == "published"
    for source in functionalities.values():
        for _, figure in _figures(source):
            _check(figure, source["n"])


def test_evaluate_markdown_tables_have_a_row_per_class(report):
    table = evaluate.markdown_tables(report)
    for cls in report["classes"]:
        assert f"**{cls}** (pooled)" in table
    assert "| threat_norm_h |" in table and "Parley trust 0" in table


def test_evaluate_missing_baselines_reported_not_installed(model, redteam, monkeypatch):
    monkeypatch.setitem(sys.modules, "profanity_check", None)
    monkeypatch.setitem(sys.modules, "better_profanity", None)
    small = evaluate.evaluate(model=model, redteam=redteam, limit=2)
    assert small["baselines"] == {evaluate.ALT: evaluate.NOT_INSTALLED,
                                  evaluate.BETTER: evaluate.NOT_INSTALLED}
    for block in small["classes"].values():
        assert block["systems"][evaluate.ALT] == evaluate.NOT_INSTALLED
        assert isinstance(block["systems"][evaluate.PARLEY0], dict)
    assert "not installed" in evaluate.markdown_tables(small)


def test_evaluate_missing_redteam_file_is_reported(model, tmp_path):
    small = evaluate.evaluate(model=model, redteam=tmp_path / "none.jsonl", limit=1)
    assert small["redteam"].startswith("not found")
    assert not any(name.startswith("red-team") for block in small["classes"].values()
                   for name in block["sources"])


def test_limit_sources_slice_is_deterministic():
    def make():
        cases = [evaluate.Case(f"text {i}") for i in range(50)]
        return [evaluate.Source("s", "ordinary", cases)]
    first = evaluate.limit_sources(make(), 5)[0].cases
    assert first == evaluate.limit_sources(make(), 5)[0].cases and len(first) == 5


class _Varying:
    """Stands in for better-profanity's VaryingString: one substitute set per position."""

    def __init__(self, word, mapping):
        self._char_combos = [mapping.get(c, (c,)) for c in word]

    def __eq__(self, other):
        return (isinstance(other, str) and len(other) == len(self._char_combos)
                and all(ch in combo for ch, combo in zip(other, self._char_combos, strict=True)))

    __hash__ = None


def test_indexed_wordset_answers_like_a_linear_scan():
    mapping = {"a": ("a", "@", "*", "4"), "s": ("s", "$", "5"), "i": ("i", "1", "*")}
    words = [_Varying(w, mapping) for w in ("ass", "idiot", "asshat", "b.i.t")]
    indexed = evaluate.IndexedWordset(words)
    for probe in ("ass", "@$5", "4ss", "as", "asss", "1diot", "id1ot", "idiom", "*****",
                  "b.i.t", "bxixt", "asshat", "@sshat", ""):
        assert (probe in indexed) == any(w == probe for w in words), probe


def test_identity_set_reports_only_its_test_half_by_class(tmp_path):
    rows = [{"id": f"ie-{i:04d}", "class": cls, "kind": "k", "text": f"text {i}"}
            for i, cls in ((1, "hate"), (150, "ordinary"), (151, "hate"), (152, "ordinary"),
                           (300, "criticism"))]
    (tmp_path / "identity_eval.jsonl").write_text(
        "\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    (tmp_path / "identity_test2.jsonl").write_text(json.dumps(
        {"id": "i2-0001", "class": "hate", "kind": "k", "text": "second set"}) + "\n",
        encoding="utf-8")
    found = {s.name: (s.cls, [c.text for c in s.cases])
             for s in evaluate.identity_sources(tmp_path)
             if s.in_total and s.cases}
    assert found == {
        "hand-written identity ordinary (test half)": ("ordinary", ["text 152"]),
        "hand-written identity criticism (test half)": ("criticism", ["text 300"]),
        "hand-written identity hate (test half)": ("abuse", ["text 151"]),
        "hand-written identity set 2 hate (test)": ("abuse", ["second set"]),
    }
    assert evaluate.identity_sources(tmp_path / "missing") == []


def test_criticism_set_reports_only_its_test_half(tmp_path):
    rows = [{"id": f"ce-{i:04d}", "class": "criticism", "kind": kind, "title": title,
             "text": f"text {i}"}
            for i, kind, title in ((162, "profane", ""), (163, "sarcastic", "Speeds"),
                                   (300, "profane", ""))]
    (tmp_path / "criticism_eval.jsonl").write_text(
        "\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    sources = evaluate.criticism_sources(tmp_path)
    pooled = [s for s in sources if s.in_total]
    assert [(s.cls, [(c.title, c.text) for c in s.cases]) for s in pooled] == [
        ("criticism", [("Speeds", "text 163"), ("", "text 300")])]
    assert {s.name for s in sources if not s.in_total} == {
        "hand-written criticism set: profane", "hand-written criticism set: sarcastic"}
