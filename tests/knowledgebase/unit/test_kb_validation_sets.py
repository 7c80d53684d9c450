"""The validation sets clustering settings are chosen on never hold a test row: the forum
sets' valid half, HINT3 train with other brands' questions as strangers, StackFAQ's dev half
and a BANKING77 train sample (knowledgebase.evaluate --validation, bench/kb_tune.py)."""
from collections import Counter

from knowledgebase import evaluate
from tests.knowledgebase.unit.test_kb_quality import _data_dir


def _texts(sets: evaluate.Labelled) -> set[tuple[str, str]]:
    return {(q.title, q.body) for q in sets.questions}


def test_hint3_with_strangers_adds_one_question_per_other_brand_intent_as_alone():
    data = _data_dir()
    own = evaluate.load_hint3(data, "curekart", "train")
    others = [evaluate.load_hint3(data, b, "train") for b in ("sofmattress", "powerplay11")]
    mixed = evaluate.hint3_with_strangers(data, "curekart")
    intents = sum(len(set(o.labels)) for o in others)
    assert len(mixed.questions) == len(own.questions) + intents
    assert mixed.alone == list(range(len(own.questions), len(mixed.questions)))
    assert mixed.labels[:len(own.labels)] == own.labels
    strangers = [mixed.labels[i] for i in mixed.alone]
    assert max(Counter(strangers).values()) == 1  # each repeats nothing
    from_others = set().union(*(_texts(o) for o in others))
    assert {(mixed.questions[i].title, "") for i in mixed.alone} <= from_others


def test_hint3_with_strangers_same_seed_same_set():
    data = _data_dir()
    first = evaluate.hint3_with_strangers(data, "sofmattress")
    again = evaluate.hint3_with_strangers(data, "sofmattress")
    assert [q.title for q in first.questions] == [q.title for q in again.questions]


def test_validation_sets_hold_no_test_question():
    data = _data_dir()
    sets = evaluate.validation_sets(data)
    forum_test = _texts(evaluate.load_forum("test"))
    assert sets["forum_hand_written_valid_half"].questions
    assert not _texts(sets["forum_hand_written_valid_half"]) & forum_test
    stack_test = set(evaluate.load_stackfaq(data, "test").labels)
    assert not set(sets["stackfaq_dev_half"].labels) & stack_test
    train = set(evaluate.load_banking77(data, "train")[0])
    sample = {q.title for q in sets["banking77_train_sample"].questions}
    assert len(sample) > 3000 and sample <= train
    hint3_train = {q.title for b in evaluate.HINT3_BRANDS
                   for q in evaluate.load_hint3(data, b, "train").questions}
    for brand in evaluate.HINT3_BRANDS:
        titles = {q.title for q in sets[f"hint3_{brand}_train_with_strangers"].questions}
        assert titles <= hint3_train


def test_evaluate_validation_flag_runs_validation_not_test(monkeypatch, tmp_path, capsys):
    calls = []
    monkeypatch.setattr(evaluate, "run_validation",
                        lambda data, *, modes, cache: calls.append(modes) or {"ok": 1})
    monkeypatch.setattr(evaluate, "run", lambda *a, **k: calls.append("test") or {})
    assert evaluate.main(["--data", str(tmp_path), "--modes", "lexical", "--validation",
                          "--cache", str(tmp_path)]) == 0
    assert calls == [("lexical",)]
    assert '"ok": 1' in capsys.readouterr().out
