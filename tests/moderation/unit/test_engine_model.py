"""Learned classifiers: the compiled scorer, the safe file format, versions, the shipped model."""
import pickle

import numpy as np
import pytest
from engine_helpers import SMALL_SPAM, small_bundle

from moderation.engine import data as datasets
from moderation.engine.build import build
from moderation.engine.model import (
    HEADS,
    SHIPPED_MODEL,
    SPAM,
    default_model,
    fit_heads,
    latest_version,
    load_latest,
    load_model,
    model_path,
    prepare,
    reload_if_newer,
    save_model,
    train_bundle,
)

TEXTS = ["win a free prize now", "how do I reset my router", "cheap watches here",
         "my bill is wrong", "claim your reward", "", "the app logs me out every day",
         "A long post, long enough for the matrix path of the fast scorer: " + " ".join(
             f"word{i} router bill app update{i % 7}" for i in range(60))]


def test_compiled_scores_match_scikit_learn_for_short_and_long_texts():
    tasks = {SPAM: SMALL_SPAM, "other": [(t, 1 - label) for t, label in SMALL_SPAM]}
    vectoriser, known, fitted = fit_heads(tasks, min_df=1)
    bundle = train_bundle(tasks, min_df=1)
    for text in TEXTS:
        features = vectoriser.transform([prepare(text, known=known)])
        got = bundle.scores(text)
        for name, clf in fitted.items():
            assert got[name] == pytest.approx(clf.predict_proba(features)[0, 1], abs=1e-9)


def test_training_without_both_labels_is_refused():
    with pytest.raises(ValueError, match="both labels"):
        train_bundle({SPAM: [("spam", 1), ("more spam", 1)]})


def test_prepare_undoes_spacing_and_leetspeak_into_known_words():
    known = frozenset({"you", "are", "an", "idiot"})
    assert prepare("y o u  a r e  a n  i d i 0 t", known=known).split() == [
        "you", "are", "an", "idiot"]
    assert prepare("u r a 1d10t", known=known).split() == ["u", "r", "a", "idiot"]


def test_prepare_drops_links_and_long_numbers_so_they_are_never_spam_evidence():
    text = prepare("Order 20231145 is late, see https://help.example.com/orders and www.x.co")
    assert "20231145" not in text and "http" not in text and "www" not in text
    assert "order" in text and "late" in text


def test_saved_file_round_trips_exactly_and_holds_no_pickled_objects(tmp_path, small_model):
    path = save_model(small_model, tmp_path)
    assert path == model_path(tmp_path, small_model.version)
    with np.load(path, allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)
    loaded = load_model(path)
    assert loaded.vocab == small_model.vocab and loaded.heads == small_model.heads
    for text in TEXTS:
        assert loaded.scores(text) == pytest.approx(small_model.scores(text))


def test_a_pickle_in_place_of_a_model_is_refused(tmp_path, small_model):
    path = model_path(tmp_path, 3)
    path.write_bytes(pickle.dumps({"not": "a model"}))
    with pytest.raises(ValueError):
        load_model(path)


def test_latest_version_and_reload_pick_the_newest_file(tmp_path):
    assert latest_version(tmp_path) == 0 and load_latest(tmp_path) is None
    first = small_bundle(version=1)
    save_model(first, tmp_path)
    assert reload_if_newer(None, tmp_path).version == 1
    save_model(small_bundle([("router reset guide", 1)], version=2), tmp_path)
    assert latest_version(tmp_path) == 2
    assert reload_if_newer(first, tmp_path).version == 2
    assert reload_if_newer(load_latest(tmp_path), tmp_path).version == 2


def test_shipped_model_has_every_head_and_ships_no_noncommercial_data():
    bundle = default_model()
    assert bundle.heads == HEADS
    assert "op_spam" not in bundle.trained_on and "stormfront" not in bundle.trained_on
    assert (set(bundle.trained_on) - {"redteam-tune", "forum-train", "identity-train"}
            <= set(datasets.LICENCES))
    assert bundle.data_fingerprint == datasets.fingerprint()


def test_build_command_reproduces_the_shipped_model(tmp_path):
    built = build(out=tmp_path / "cold-start.npz")
    fresh, shipped = load_model(built["path"]), load_model(SHIPPED_MODEL)
    assert fresh.vocab == shipped.vocab
    # liblinear stops at a tolerance, so another numpy or scipy build moves the last digits
    # (seen: 5e-4 at most on a weight); a stale artifact after a change to the training data
    # is off by far more than this
    np.testing.assert_allclose(fresh.weights, shipped.weights, rtol=1e-4, atol=2e-3)
    np.testing.assert_allclose(fresh.intercepts, shipped.intercepts, rtol=1e-4, atol=2e-3)
    for text in ("Your billing is a joke and I'm switching", "i will find you", "buy cheap pills"):
        assert fresh.scores(text) == pytest.approx(shipped.scores(text), abs=1e-3)


def test_a_very_short_text_discounts_only_the_heads_asked(small_model):
    def logit(p):
        return float(np.log(p / (1 - p)))
    intercept = float(small_model.intercepts[0])
    full = small_model.scores("cheap watches")[SPAM]
    discounted = small_model.scores("cheap watches", short=(SPAM,))[SPAM]
    # two words of SHORT_WORDS = 4: the evidence beyond the intercept is scaled by sqrt(2 / 4)
    assert logit(discounted) - intercept == pytest.approx((logit(full) - intercept) * 0.5 ** 0.5)
    assert small_model.scores("cheap watches", short=("abuse.classifier",))[SPAM] == full
    longer = "cheap watches buy now at our shop today"
    assert small_model.scores(longer, short=(SPAM,)) == small_model.scores(longer)
