"""Dry run: screen JSON lines from stdin and print one verdict per line; nothing is stored.

    echo '{"id": 1, "title": "Help", "body": "You are an idiot",
           "author": {"trust_level": 1, "post_count": 5, "account_age_days": 30}}' \\
      | python -m moderation.engine.dryrun [--model FILE] [--rules FILE] [--config FILE]

Each output line is {"id", "action": "publish"|"hold"|"reject", "rules", "body", "scores",
"explanation"}; a post published with redactions prints "publish" and the redacted body. A line
that is not valid JSON gets {"id": null, "error": ...} and the run goes on. No flood index is
used, so the same text fed twice gets the same verdict twice.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from .config import DEFAULT_CONFIG, EngineConfig
from .engine import screen
from .model import ModelBundle, default_model, load_model
from .rules import DEFAULT_RULES, RuleSet
from .types import AuthorFacts, Kind, Submission


def author_from(raw: dict | None) -> AuthorFacts:
    """Author facts from the input's "author" object (missing values: a brand-new member)."""
    raw = raw or {}
    return AuthorFacts(author_id=raw.get("id"), trust_level=int(raw.get("trust_level", 0)),
                       post_count=int(raw.get("post_count", 0)),
                       account_age_days=float(raw.get("account_age_days", 0)),
                       past_sanctions=int(raw.get("past_sanctions", 0)),
                       is_staff=bool(raw.get("is_staff", False)))


def verdict_line(item: dict, *, rules: RuleSet, model: ModelBundle | None,
                 config: EngineConfig) -> dict:
    """The output object for one input object."""
    kind = Kind.NEW_THREAD if item.get("title") else Kind.REPLY
    submission = Submission(body=str(item.get("body", "")), title=str(item.get("title", "")),
                            kind=kind)
    verdict = screen(submission, author_from(item.get("author")), rules=rules, model=model,
                     config=config)
    return {"id": item.get("id"), "action": "publish" if verdict.published else
            verdict.action.value, "rules": verdict.rules, "title": verdict.title,
            "body": verdict.body, "scores": {k: round(v, 4) for k, v in verdict.scores.items()},
            "explanation": verdict.explanation}


def run(lines: Iterable[str], *, rules: RuleSet = DEFAULT_RULES,
        model: ModelBundle | None = None, config: EngineConfig = DEFAULT_CONFIG) -> Iterator[dict]:
    """One output object per non-blank input line, in order."""
    for line in lines:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("each line must be a JSON object")
            yield verdict_line(item, rules=rules, model=model, config=config)
        except (ValueError, TypeError) as error:
            yield {"id": None, "error": str(error)}


def main(argv: list[str] | None = None, stdin: TextIO = sys.stdin,
         stdout: TextIO = sys.stdout) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a saved model file (default: the cold-start model)")
    parser.add_argument("--rules", help="a rule set as JSON (default: the shipped rules)")
    parser.add_argument("--config", help="engine settings as JSON (default: the defaults)")
    args = parser.parse_args(argv)
    model = load_model(args.model) if args.model else default_model()
    rules = RuleSet.from_dict(_json(args.rules)) if args.rules else DEFAULT_RULES
    config = EngineConfig.from_dict(_json(args.config)) if args.config else DEFAULT_CONFIG
    for result in run(stdin, rules=rules, model=model, config=config):
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    stdout.flush()
    return 0


def _json(path: str) -> dict:
    """Read a JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


if __name__ == "__main__":
    raise SystemExit(main())
