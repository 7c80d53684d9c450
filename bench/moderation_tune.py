"""Moderation tuning figures on VALIDATION data only: what thresholds were chosen on.

    .venv/bin/python bench/moderation_tune.py [--model FILE] [--data ../shared/data]

Screens the validation splits (hash "valid" split of YouTube, SMS, Janitr, Davidson and
implicit-hate; ConvAbuse's and CLINC150's own valid splits; HINT3's and Stormfront's train
splits, which never train the model; the red-team set's tune half, odd
ids; the forum training set's validation fifth; the first half of the hand-written identity
and criticism sets; the hand-written support posts full of numbers) at trust 0 and trust 1
and prints, per class and source, the share handled correctly, and with --show the misjudged
texts, as JSON. The test splits are never read here: `python -m moderation.engine.evaluate`
reports on them.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.engine import AuthorFacts, EngineConfig, Submission, ThreadContext, screen  # noqa: E402
from moderation.engine import data as datasets  # noqa: E402
from moderation.engine.corpora import forum_rows, redteam_rows  # noqa: E402
from moderation.engine.model import default_model, load_model  # noqa: E402

IDENTITY = ROOT / "tests" / "moderation" / "unit" / "data" / "identity_valid.json"
IDENTITY_EVAL = ROOT / "tests" / "moderation" / "unit" / "data" / "identity_eval.jsonl"
CRITICISM_EVAL = ROOT / "tests" / "moderation" / "unit" / "data" / "criticism_eval.jsonl"
NUMBERS = ROOT / "tests" / "moderation" / "unit" / "data" / "numbers_valid.jsonl"
CRITICISM_FRESH = ROOT / "tests" / "moderation" / "unit" / "data" / "criticism_fresh.jsonl"
CRITICISM_FRESH2 = ROOT / "tests" / "moderation" / "unit" / "data" / "criticism_fresh2.jsonl"
SPAM_FRESH = ROOT / "tests" / "moderation" / "unit" / "data" / "spam_fresh.jsonl"
COUNTER_FRESH = ROOT / "tests" / "moderation" / "unit" / "data" / "counter_fresh.jsonl"
NEGATION_FRESH = ROOT / "tests" / "moderation" / "unit" / "data" / "negation_fresh.jsonl"
INSULT_FRESH = ROOT / "tests" / "moderation" / "unit" / "data" / "insult_fresh.jsonl"
AUTHORS = {
    "trust0": AuthorFacts(author_id="t0", trust_level=0, account_age_days=0, post_count=0),
    "trust1": AuthorFacts(author_id="t1", trust_level=1, account_age_days=30, post_count=10),
}
CONFIG = EngineConfig(brand_names=frozenset({"Brightwave"}),
                      staff_names=frozenset({"Sam", "Mia"}),
                      allowed_domains=frozenset({"brightwave.example"}))
THREAD = ThreadContext(thread_id=1, participants=("Sam", "Mia", "dan_k"))
# class -> must it be published?
PUBLISH = {"criticism": True, "ordinary": True, "abuse": False, "spam": False}


def _rows(path: Path) -> list[dict]:
    """Every row of a JSON-lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def identity_rows(part: str) -> list[dict]:
    """The hand-written identity set: ie-0001..0150 validate, ie-0151.. are the test half."""
    rows = [json.loads(line) for line in IDENTITY_EVAL.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r for r in rows if (int(r["id"][3:]) <= 150) == (part == "valid")]


def criticism_rows(part: str) -> list[dict]:
    """The hand-written criticism set: ce-0001..0162 validate, ce-0163.. are the test half."""
    rows = [json.loads(line) for line in CRITICISM_EVAL.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r for r in rows if (int(r["id"][3:]) <= 162) == (part == "valid")]


def validation_sets(data_dir) -> dict[str, dict[str, list[str]]]:
    """class -> source -> texts, from validation splits only."""
    def valid(examples):
        return datasets.of_split(examples, "valid")
    spam = valid(datasets.spam_examples(data_dir))
    janitr = valid(datasets.janitr_examples(data_dir))
    davidson = valid(datasets.davidson_examples(data_dir))
    implicit = valid(datasets.implicit_hate_examples(data_dir))
    conv = datasets.convabuse_examples("valid", data_dir)
    stormfront = datasets.stormfront_examples("train", data_dir)
    team = redteam_rows(part="valid")
    by_team, by_forum = {}, {}
    ident = identity_rows("valid")
    for rows, into in ((team, by_team), (forum_rows(part="valid"), by_forum)):
        for row in rows:
            text = f"{row['title']}\n{row['text']}" if row.get("title") else row["text"]
            into.setdefault(row["class"], []).append(text)
    return {
        "criticism": {"redteam": by_team.get("criticism", []),
                      "forum": by_forum.get("criticism", []),
                      "criticism eval": [f"{r['title']}\n{r['text']}" if r["title"] else r["text"]
                                         for r in criticism_rows("valid")],
                      "criticism fresh": [r["text"] for r in _rows(CRITICISM_FRESH)
                                          if int(r["id"][3:]) % 2 == 1],
                      "criticism fresh 2": [r["text"] for r in _rows(CRITICISM_FRESH2)
                                            if int(r["id"][3:]) % 2 == 1]},
        "ordinary": {
            "sms+youtube ham": [e.text for e in spam if e.label == 0],
            "janitr clean": [e.text for e in janitr if e.label == 0],
            "davidson neither": [e.text for e in davidson if e.label == datasets.NEITHER],
            "convabuse ok": [e.text for e in conv if e.label == 0],
            "clinc valid": [e.text for e in datasets.clinc_examples("valid", data_dir)][:1500],
            "redteam support": by_team.get("support", []),
            "forum support": by_forum.get("support", []),
            "identity mentions": json.loads(IDENTITY.read_text(encoding="utf-8"))["texts"],
            "identity eval": [r["text"] for r in ident if r["class"] != "hate"],
            # HINT3's and Stormfront's train splits never train the model (their licences keep
            # them out of it): they validate here, and their test splits report
            "hint3 train": [e.text for e in datasets.hint3_examples("train", data_dir)],
            "stormfront noHate train": [e.text for e in stormfront if e.label == 0],
            "counter-speech fresh": [r["text"] for r in _rows(COUNTER_FRESH)
                                     if int(r["id"][3:]) % 2 == 1],
            "negation fresh": [r["text"] for r in _rows(NEGATION_FRESH)
                               if int(r["id"][3:]) % 2 == 1],
            "numbers support": [f"{r['title']}\n{r['text']}" if r["title"] else r["text"]
                                for r in (json.loads(line) for line in NUMBERS.read_text(
                                    encoding="utf-8").splitlines() if line.strip())],
        },
        "abuse": {
            "convabuse abusive": [e.text for e in conv if e.label == 1],
            "davidson hate": [e.text for e in davidson if e.label == datasets.HATE],
            "implicit explicit": [e.text for e in implicit if e.kind == "explicit_hate"],
            "implicit threat": [e.text for e in implicit
                                if e.kind in ("threatening", "incitement")],
            "redteam threat": by_team.get("threat", []),
            "redteam insult": by_team.get("insult", []),
            "redteam hate": by_team.get("hate", []),
            "forum threat": by_forum.get("threat", []),
            "forum insult": by_forum.get("insult", []),
            "forum hate": by_forum.get("hate", []),
            "identity eval hate": [r["text"] for r in ident if r["class"] == "hate"],
            "stormfront hate train": [e.text for e in stormfront if e.label == 1],
            "condescension fresh": [r["text"] for r in _rows(INSULT_FRESH)
                                    if int(r["id"][3:]) % 2 == 1],
        },
        "spam": {
            "sms+youtube spam": [e.text for e in spam if e.label == 1],
            "janitr spam": [e.text for e in janitr if e.label == 1],
            "redteam spam": by_team.get("spam", []),
            "forum spam": by_forum.get("spam", []),
            "spam fresh": [r["text"] for r in _rows(SPAM_FRESH) if int(r["id"][3:]) % 2 == 1],
        },
    }


def main(argv=None) -> int:
    """Print the validation figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model")
    parser.add_argument("--data")
    parser.add_argument("--show", type=int, default=0, help="print N misjudged texts per source")
    args = parser.parse_args(argv)
    model = load_model(args.model) if args.model else default_model()
    out, wrong = {}, {}
    for cls, sources in validation_sets(args.data).items():
        for source, texts in sources.items():
            if not texts:
                continue
            row = {"n": len(texts)}
            for name, author in AUTHORS.items():
                verdicts = [screen(Submission(t, thread=THREAD), author, model=model,
                                   config=CONFIG) for t in texts]
                ok = [v.published == PUBLISH[cls] for v in verdicts]
                row[name] = round(sum(ok) / len(ok), 3)
                bad = [(t[:140], v.rules) for t, v, good in zip(texts, verdicts, ok, strict=True)
                       if not good]
                if args.show and name == os.environ.get("SHOW_AUTHOR", "trust0"):
                    wrong[f"{cls}/{source}"] = bad[:args.show]
            out[f"{cls}/{source}"] = row
    json.dump({"correct_share": out, "misjudged": wrong}, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
