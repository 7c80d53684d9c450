"""Learned classifiers: training (with moderator decisions), versioned files, fast scoring."""
import csv
import pickle

import pytest
from engine_helpers import SMALL_SPAM, small_bundle

from moderation.engine import data as datasets
from moderation.engine.model import (
    ModelBundle,
    default_model,
    latest_version,
    load_latest,
    load_model,
    model_path,
    prepare,
    reload_if_newer,
    save_model,
    train_classifier,
    train_models,
)

TEXTS = ["win a free prize now", "how do I reset my router", "cheap watches here",
         "my bill is wrong", "claim your reward", "", "the app logs me out every day",
         "A long post, long enough for the matrix path of the fast scorer: " + " ".join(
             f"word{i} router bill app update{i % 7}" for i in range(60))]


@pytest.fixture
def tiny_data(tmp_path):
    """A miniature copy of the data layout: enough to run train_models in a second."""
    spam, abuse, intents = (tmp_path / d for d in ("spam", "abuse", "intents"))
    for folder in (spam, abuse, intents):
        folder.mkdir()
    with (spam / "Youtube01-Test.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "CLASS"])
        for i, (text, label) in enumerate(SMALL_SPAM):
            writer.writerow([i, "a", "2015-01-01", f"{text} {i}", label])
    (spam / "SMSSpamCollection.tsv").write_text(
        "ham\tsee you at lunch\nspam\tWIN cash now text WIN to 80086\n" * 5, encoding="utf-8")
    with (abuse / "davidson_labeled_data.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["", "count", "hate_speech", "offensive_language", "neither", "class",
                         "tweet"])
        for i in range(10):
            writer.writerow([2 * i, 3, 0, 3, 0, 1, f"you stupid idiot {i}"])
            writer.writerow([2 * i + 1, 3, 0, 0, 3, 2, f"nice weather today {i}"])
    (intents / "banking77_train.csv").write_text(
        "text,category\nwhere is my card,card_arrival\nhow do I top up,top_up\n",
        encoding="utf-8")
    return tmp_path


def test_fast_scorer_equals_scikit_learn_pipeline(model):
    for text in TEXTS:
        prepared = prepare(text)
        fast = model.scores(text)
        assert fast["spam.classifier"] == pytest.approx(model.spam.probabilities([text])[0],
                                                        abs=1e-9)
        assert fast["abuse.classifier"] == pytest.approx(
            model.abuse.probabilities([text])[0], abs=1e-9)
        assert model.spam.probability(prepared) == pytest.approx(fast["spam.classifier"])


def test_save_then_load_gives_same_predictions_and_version(small_model, tmp_path):
    path = save_model(small_model, tmp_path)
    loaded = load_model(path)
    assert path.name == "moderation-model-v000001.pkl"
    assert loaded.version == 1
    for text in TEXTS:
        assert loaded.scores(text) == pytest.approx(small_model.scores(text))


def test_latest_version_and_reload_pick_the_newest_file(tmp_path):
    first, third = small_bundle(version=1), small_bundle(version=3)
    save_model(first, tmp_path)
    save_model(third, tmp_path)
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    assert latest_version(tmp_path) == 3
    assert load_latest(tmp_path).version == 3
    assert reload_if_newer(first, tmp_path).version == 3
    assert reload_if_newer(third, tmp_path) is third
    assert load_latest(tmp_path / "empty") is None


def test_moderator_decisions_change_a_prediction():
    text = "acme loyalty voucher bundle for my router bill"
    before = small_bundle().scores(text)["spam.classifier"]
    after = small_bundle(extra=[(text, 1)]).scores(text)["spam.classifier"]
    assert before < 0.5 < after


def test_train_models_uses_extra_decisions_and_records_them(tiny_data):
    text = "acme loyalty voucher bundle for my router bill"
    plain = train_models(tiny_data, version=4)
    taught = train_models(tiny_data, extra_spam=[(text, 1)] * 3, version=5)
    assert plain.scores(text)["spam.classifier"] < taught.scores(text)["spam.classifier"]
    assert taught.version == 5 and taught.extra_examples == 3
    assert taught.describe()["has_abuse_model"]


def test_train_classifier_needs_both_labels():
    with pytest.raises(ValueError):
        train_classifier([("a", 1), ("b", 1)])


def test_load_model_refuses_other_pickles(tmp_path):
    path = tmp_path / "x.pkl"
    path.write_bytes(pickle.dumps({"not": "a model"}))
    with pytest.raises(ValueError):
        load_model(path)


def test_default_model_is_trained_once_then_loaded_from_cache(tiny_data, tmp_path):
    cache = tmp_path / "cache"
    first = default_model(cache, tiny_data)
    files = list(cache.glob("cold-start-*.pkl"))
    second = default_model(cache, tiny_data)
    assert len(files) == 1 and isinstance(second, ModelBundle)
    assert second.trained_at == first.trained_at


def test_default_model_corrupt_cache_is_rebuilt(tiny_data, tmp_path):
    cache = tmp_path / "cache"
    default_model(cache, tiny_data)
    path = next(cache.glob("cold-start-*.pkl"))
    path.write_bytes(b"garbage")
    assert isinstance(default_model(cache, tiny_data), ModelBundle)


def test_split_is_deterministic_and_holds_out_about_a_fifth():
    examples = datasets.spam_examples()
    test = datasets.split(examples, test=True)
    assert datasets.split(examples, test=True) == test
    assert 0.15 < len(test) / len(examples) < 0.25
    assert not {e.text for e in test} & {e.text for e in datasets.split(examples, test=False)}


def test_model_path_names_the_version(tmp_path):
    assert model_path(tmp_path, 12).name == "moderation-model-v000012.pkl"
