"""The public data loaders read ../shared/data; counts match its README's stated row counts."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from moderation.engine import data as datasets

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def data_dir() -> Path:
    """The shared data folder; CI always has it, so a missing one fails loudly."""
    return datasets.default_data_dir()


def test_default_data_dir_env_var_wins(monkeypatch, tmp_path):
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path))
    assert datasets.default_data_dir() == tmp_path


def test_default_data_dir_missing_folder_names_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=datasets.ENV_VAR):
        datasets.default_data_dir()


def test_default_data_dir_without_env_var_is_shared_data(monkeypatch):
    monkeypatch.delenv(datasets.ENV_VAR, raising=False)
    found = datasets.default_data_dir()
    assert found.parts[-2:] == ("shared", "data") and (found / "README.md").is_file()


def test_loader_missing_subfolder_names_env_var(tmp_path):
    with pytest.raises(FileNotFoundError, match=datasets.ENV_VAR):
        datasets.spam_examples(tmp_path)


def test_repository_keeps_no_copy_of_the_data():
    assert not (REPO / "moderation" / "data").exists()
    assert "data/**" not in (REPO / "pyproject.toml").read_text(encoding="utf-8")


def test_hash_split_is_70_10_20_and_agrees_with_is_test(data_dir):
    texts = [e.text for e in datasets.spam_examples(data_dir)]
    shares = Counter(datasets.hash_split(t) for t in texts)
    assert abs(shares["test"] / len(texts) - 0.2) < 0.03
    assert abs(shares["valid"] / len(texts) - 0.1) < 0.03
    assert all((datasets.hash_split(t) == "test") == datasets.is_test(t) for t in texts)
    assert datasets.hash_split("  Hello There ") == datasets.hash_split("hello there")


def test_split_uses_an_examples_own_split():
    own = datasets.Example("x", 0, "s", split="test")
    hashed = [datasets.Example(t, 0, "s") for t in ("a", "b", "c", "d", "e", "f", "g")]
    assert datasets.split([own], test=True) == [own]
    assert datasets.split(hashed, test=True) == [e for e in hashed if datasets.is_test(e.text)]


def test_spam_examples_counts(data_dir):
    examples = datasets.spam_examples(data_dir)
    counts = Counter((e.source, e.label) for e in examples)
    assert counts[("youtube", 0)] + counts[("youtube", 1)] == 1956
    assert counts[("youtube", 1)] == 1005
    assert counts[("sms", 0)] + counts[("sms", 1)] == 5574 and counts[("sms", 1)] == 747
    assert {e.split for e in examples} == {"train", "valid", "test"}


def test_janitr_examples_labels_and_kinds(data_dir):
    examples = datasets.janitr_examples(data_dir)
    spam = [e for e in examples if e.label == 1]
    assert len(spam) == 980
    assert Counter(e.kind for e in spam)["scam"] == 515
    assert all(e.kind in datasets.JANITR_SPAM for e in spam)
    assert {e.kind for e in examples if e.label == 0} == {"clean", "topic"}


def test_davidson_examples_keep_three_way_class(data_dir):
    examples = datasets.davidson_examples(data_dir)
    assert len(examples) == 24783
    assert {(e.label, e.kind) for e in examples} == {
        (datasets.HATE, "hate"), (datasets.OFFENSIVE, "offensive"),
        (datasets.NEITHER, "neither")}


@pytest.mark.parametrize(("split", "rows", "abusive"),
                         [("train", 2501, 339), ("valid", 831, 110), ("test", 853, 128)])
def test_convabuse_examples_majority_abusive(data_dir, split, rows, abusive):
    examples = datasets.convabuse_examples(split, data_dir)
    assert len(examples) == rows and sum(e.label for e in examples) == abusive
    assert all(e.split == split for e in examples)
    assert sum(bool(e.context) for e in examples) > rows * 0.9


def test_convabuse_kinds_mark_severe_and_harassment(data_dir):
    examples = datasets.convabuse_examples("test", data_dir)
    abusive_kinds = {k for e in examples if e.label for k in e.kind.split("+")}
    assert {"severe", "sex_harassment"} <= abusive_kinds
    assert {e.kind for e in examples if not e.label} == {"ok", "ambiguous"}


def test_hatecheck_cases_counts(data_dir):
    cases = datasets.hatecheck_cases(data_dir)
    assert len(cases) == 3728 and sum(e.label for e in cases) == 2563
    kinds = {e.kind for e in cases}
    assert len(kinds) == 29 and {"threat_dir_h", "profanity_nh", "target_obj_nh"} <= kinds
    assert {e.split for e in cases} == {"test"}


def test_implicit_hate_examples_classes(data_dir):
    examples = datasets.implicit_hate_examples(data_dir)
    kinds = Counter(e.kind for e in examples)
    assert len(examples) == 21480
    assert kinds["explicit_hate"] == 1089 and kinds["threatening"] == 666
    assert sum(e.label == 0 for e in examples) == 13291


def test_stormfront_examples_use_authors_split(data_dir):
    train = datasets.stormfront_examples("train", data_dir)
    test = datasets.stormfront_examples("test", data_dir)
    assert (len(train), len(test)) == (1914, 478)
    assert sum(e.label for e in test) == 239
    wider = datasets.stormfront_examples("train", data_dir, unsampled=True)
    assert len(wider) > len(train) and {e.split for e in wider} == {"train"}


def test_op_spam_is_marked_noncommercial_and_split_by_fold(data_dir):
    examples = datasets.op_spam_examples(data_dir)
    assert len(examples) == 1600
    assert Counter(e.split for e in examples) == {"train": 1280, "test": 320}
    assert not any(datasets.commercial_use_ok(e) for e in examples)
    assert datasets.commercial_use_ok(datasets.Example("x", 0, "sms"))
    negative_truthful = [e for e in examples if e.kind == "negative" and e.label == 0]
    assert len(negative_truthful) == 400


def test_intent_sets_counts(data_dir):
    assert len(datasets.customer_questions(data_dir)) == 10003
    assert len(datasets.customer_questions(data_dir, split="test")) == 3080
    assert len(datasets.clinc_examples("test", data_dir)) == 4500 + 1000
    assert sum(e.kind == "oos" for e in datasets.clinc_examples("train", data_dir)) == 100


def test_hint3_examples_all_three_brands(data_dir):
    train = Counter(e.source for e in datasets.hint3_examples("train", data_dir))
    test = datasets.hint3_examples("test", data_dir)
    assert train == {"hint3_sofmattress": 328, "hint3_curekart": 599, "hint3_powerplay11": 471}
    assert Counter(e.source for e in test) == {
        "hint3_sofmattress": 397, "hint3_curekart": 991, "hint3_powerplay11": 983}
    assert sum(e.kind == "NO_NODES_DETECTED" for e in test) == 144 + 532 + 674


def test_fingerprint_is_stable_and_tracks_the_files(data_dir):
    first = datasets.fingerprint(data_dir)
    assert first == datasets.fingerprint(data_dir) and len(first) == 16
    names = {p.name for p in datasets.training_files(data_dir)}
    assert "hatecheck_test_suite_cases.csv" not in names and "op_spam_v1.4.jsonl" not in names
    assert "banking77_test.csv" not in names and "davidson_labeled_data.csv" in names
    only_sms = datasets.fingerprint(data_dir, files=["spam/SMSSpamCollection.tsv"])
    assert only_sms != first


def test_a_local_clone_finds_the_data_beside_the_repository_it_was_cloned_from(tmp_path):
    # `git clone . /tmp/fresh && make test`: the data sits beside the original checkout
    origin = tmp_path / "main"
    origin.mkdir()
    config = tmp_path / "config"
    config.write_text(f'[core]\n\tbare = false\n[remote "origin"]\n\turl = {origin}\n'
                      '\tfetch = +refs/heads/*:refs/remotes/origin/*\n', encoding="utf-8")
    assert datasets._local_origin(config) == origin
    config.write_text('[remote "origin"]\n\turl = https://github.com/example/parley.git\n',
                      encoding="utf-8")
    assert datasets._local_origin(config) is None
