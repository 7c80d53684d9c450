"""Measure the engine honestly: train on the train splits, report on the held-out test splits.

    python -m moderation.engine.evaluate --data ../shared/data [--model FILE] [--sets DIR]

Prints JSON: for spam (YouTube + SMS) and abuse (Davidson), the whole engine's "not published"
precision and recall, and each check's precision and recall on the same texts. `--sets` adds
the hand-written criticism, attack and private-data sets used by the unit tests.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from . import data as datasets
from .config import DEFAULT_CONFIG, EngineConfig
from .engine import screen
from .model import ModelBundle, load_model, train_models
from .pii import find_pii, redact
from .rules import DEFAULT_RULES, RuleSet
from .types import AuthorFacts, Submission, ThreadContext, Verdict

# A member who has posted before: neither a first post nor a trusted regular.
EVAL_AUTHOR = AuthorFacts(author_id="eval", trust_level=1, account_age_days=30, post_count=10)
NEW_AUTHOR = AuthorFacts(author_id="eval-new", trust_level=0, account_age_days=0, post_count=0)
SPAM_CHECKS = ("spam.classifier", "spam.links", "spam.bad_domain", "spam.shortener",
               "spam.flood", "spam.rate", "scam.contact_bait", "scam.helpline")
ABUSE_CHECKS = ("abuse.attack", "abuse.threat", "abuse.self_harm", "abuse.hate",
                "abuse.classifier")


def _ratio(num: int, den: int) -> float | None:
    """num/den rounded, or None when there is nothing to divide by."""
    return round(num / den, 4) if den else None


def precision_recall(predicted: Iterable[bool], actual: Iterable[bool]) -> dict:
    """Precision, recall and F1 of boolean predictions, with the counts behind them."""
    tp = fp = fn = tn = 0
    for p, a in zip(predicted, actual, strict=True):
        tp += p and a
        fp += p and not a
        fn += a and not p
        tn += not a and not p
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = (round(2 * precision * recall / (precision + recall), 4)
          if precision and recall else None)
    return {"precision": precision, "recall": recall, "f1": f1,
            "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def _acted_on(verdict: Verdict, check: str) -> bool:
    """True when a check led to a hold or reject in this verdict."""
    return any(h.check == check and not h.action.published for h in verdict.hits)


def _blocked_by(verdict: Verdict, prefixes: tuple[str, ...]) -> bool:
    """True when a hold or reject came from one family of checks (spam/scam, or abuse)."""
    return any(h.check.startswith(prefixes) and not h.action.published for h in verdict.hits)


def _screen_all(texts: list[str], screen_one: Callable[[str], Verdict]) -> list[Verdict]:
    """Verdicts for many texts."""
    return [screen_one(t) for t in texts]


def evaluate_spam(examples: list[datasets.Example], screen_one: Callable[[str], Verdict],
                  new_user: Callable[[str], Verdict]) -> dict:
    """Not-published precision/recall on the spam test split, overall, per source, per check."""
    verdicts = _screen_all([e.text for e in examples], screen_one)
    actual = [e.label == 1 for e in examples]
    blocked = [_blocked_by(v, ("spam.", "scam.")) for v in verdicts]
    out = {"texts": len(examples), "spam": sum(actual),
           "not_published": precision_recall(blocked, actual),
           "not_published_any_rule": precision_recall([not v.published for v in verdicts],
                                                      actual),
           "by_source": {}, "by_check": {}}
    for source in sorted({e.source for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.source == source]
        out["by_source"][source] = precision_recall([blocked[i] for i in idx],
                                                    [actual[i] for i in idx])
    for check in SPAM_CHECKS:
        out["by_check"][check] = precision_recall([_acted_on(v, check) for v in verdicts], actual)
    newbie = [_blocked_by(v, ("spam.", "scam."))
              for v in _screen_all([e.text for e in examples], new_user)]
    out["not_published_first_post_by_new_member"] = precision_recall(newbie, actual)
    return out


def evaluate_abuse(examples: list[datasets.Example],
                   screen_one: Callable[[str], Verdict]) -> dict:
    """Davidson test split: hate kept out, "neither" published, and each check's share."""
    verdicts = _screen_all([e.text for e in examples], screen_one)
    by_class: dict[str, list[Verdict]] = {"hate": [], "offensive": [], "neither": []}
    names = {datasets.HATE: "hate", datasets.OFFENSIVE: "offensive",
             datasets.NEITHER: "neither"}
    for example, verdict in zip(examples, verdicts, strict=True):
        by_class[names[example.label]].append(verdict)
    def rate(name: str, blocked: bool, *, any_rule: bool = False) -> float | None:
        """Share of one class kept out (blocked) or published, by abuse rules or any rule."""
        hits = [(not v.published) if any_rule else _blocked_by(v, ("abuse.",))
                for v in by_class[name]]
        share = _ratio(sum(hits), len(hits))
        return share if blocked or share is None else round(1 - share, 4)
    actual = [e.label == datasets.HATE for e in examples]
    out = {
        "texts": len(examples), "hate": len(by_class["hate"]),
        "neither": len(by_class["neither"]),
        "hate_not_published_recall": rate("hate", True),
        "neither_published_rate": rate("neither", False),
        "offensive_not_published_rate": rate("offensive", True),
        "any_rule": {"hate_not_published_recall": rate("hate", True, any_rule=True),
                     "neither_published_rate": rate("neither", False, any_rule=True)},
        "hate_vs_rest_not_published": precision_recall(
            [_blocked_by(v, ("abuse.",)) for v in verdicts], actual),
        "note": "R1 also keeps out offensive tweets aimed at people, so precision against the "
                "hate label alone is low by design; see each check's share of each class.",
        "by_check": {},
    }
    abusive = [e.label != datasets.NEITHER for e in examples]
    for check in ABUSE_CHECKS:
        fired = [_acted_on(v, check) for v in verdicts]
        share = {name: _ratio(sum(_acted_on(v, check) for v in group), len(group))
                 for name, group in by_class.items()}
        out["by_check"][check] = {"share_of_class_kept_out": share,
                                  "vs_hate_or_offensive": precision_recall(fired, abusive)}
    return out


def evaluate_sets(sets_dir: Path, model: ModelBundle, rules: RuleSet) -> dict:
    """The hand-written criticism, attack and private-data sets (tests/unit/moderation/data)."""
    crit = json.loads((sets_dir / "criticism.json").read_text(encoding="utf-8"))
    attacks = json.loads((sets_dir / "attacks.json").read_text(encoding="utf-8"))
    config = EngineConfig(brand_names=frozenset(crit["brand_names"]),
                          staff_names=frozenset(attacks["staff_names"]))
    thread = ThreadContext(thread_id=1, participants=tuple(attacks["participants"]))

    def one(text: str) -> Verdict:
        """Screen one hand-written text as an ordinary member in the sets' thread."""
        return screen(Submission(text, thread=thread), EVAL_AUTHOR, rules=rules, model=model,
                      config=config)
    crit_ok = [one(t).published for t in crit["texts"]]
    attack_blocked = [not one(t).published for t in attacks["texts"]]
    return {"criticism_published": _ratio(sum(crit_ok), len(crit_ok)),
            "criticism_texts": len(crit_ok),
            "attacks_not_published": _ratio(sum(attack_blocked), len(attack_blocked)),
            "attack_texts": len(attack_blocked), **_pii_sets(sets_dir)}


def _pii_sets(sets_dir: Path) -> dict:
    """Share of private data redacted, and of harmless numbers touched."""
    positive = json.loads((sets_dir / "pii_positive.json").read_text(encoding="utf-8"))["items"]
    negative = json.loads((sets_dir / "pii_negative.json").read_text(encoding="utf-8"))["texts"]
    redacted = [item["value"] not in redact(item["text"], find_pii(item["text"]))
                for item in positive]
    touched = [bool(find_pii(text)) for text in negative]
    return {"pii_redacted": _ratio(sum(redacted), len(redacted)), "pii_items": len(redacted),
            "non_pii_touched": _ratio(sum(touched), len(touched)), "non_pii_texts": len(touched)}


def evaluate(data_dir: Path | str, *, model: ModelBundle | None = None,
             rules: RuleSet = DEFAULT_RULES, config: EngineConfig = DEFAULT_CONFIG,
             sets_dir: Path | str | None = None) -> dict:
    """Train (unless given a model) on the train splits and report on the test splits."""
    started = time.perf_counter()
    if model is None:
        model = train_models(data_dir)
    trained = time.perf_counter()

    def as_author(author: AuthorFacts) -> Callable[[str], Verdict]:
        """A one-argument screening function for this author."""
        return lambda text: screen(Submission(text), author, rules=rules, model=model,
                                   config=config)
    spam_test = datasets.split(datasets.spam_examples(data_dir), test=True)
    abuse_test = datasets.split(datasets.davidson_examples(data_dir), test=True)
    report = {
        "split": datasets.SPLIT_RULE,
        "author": {"trust_level": EVAL_AUTHOR.trust_level,
                   "post_count": EVAL_AUTHOR.post_count,
                   "account_age_days": EVAL_AUTHOR.account_age_days},
        "model": model.describe(), "ruleset_version": rules.version,
        "spam": evaluate_spam(spam_test, as_author(EVAL_AUTHOR), as_author(NEW_AUTHOR)),
        "abuse_davidson": evaluate_abuse(abuse_test, as_author(EVAL_AUTHOR)),
    }
    questions = Path(data_dir) / "intents" / "banking77_test.csv"
    if questions.exists():
        texts = datasets.customer_questions(data_dir, split="test")
        published = [v.published for v in _screen_all(texts, as_author(EVAL_AUTHOR))]
        report["customer_questions_banking77_test"] = {
            "texts": len(texts), "published_rate": _ratio(sum(published), len(published))}
    if sets_dir:
        report["hand_written_sets"] = evaluate_sets(Path(sets_dir), model, rules)
    report["seconds"] = {"training": round(trained - started, 2),
                         "evaluation": round(time.perf_counter() - trained, 2)}
    return report


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: print the evaluation as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None,
                        help="the public data folder (default: $PARLEY_DATA_DIR or ../shared/data)")
    parser.add_argument("--model", help="a saved model file to evaluate instead of training")
    parser.add_argument("--sets", help="folder with the hand-written test sets")
    args = parser.parse_args(argv)
    model = load_model(args.model) if args.model else None
    report = evaluate(args.data or datasets.default_data_dir(), model=model, sets_dir=args.sets)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
