"""Dry run: screen JSON lines from stdin and print one verdict per line; nothing is stored.

    echo '{"id": 1, "title": "Help", "body": "You are an idiot",
           "author": {"trust_level": 1, "post_count": 5, "account_age_days": 30}}' \\
      | python -m moderation.engine.dryrun [--model FILE] [--rules FILE] [--config FILE]

Each output line is {"id", "action": "publish"|"hold"|"reject", "rules", "body", "scores",
"explanation"}; a post published with redactions prints "publish" and the redacted body. A line
that cannot be screened (not JSON, not an object, a field of the wrong type or out of range,
blank) gets {"id": <its id or null>, "error": ...} and the run goes on: every input line gets
exactly one output line. No flood index is
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

MAX_TEXT = 100_000  # characters of title or body screened; a longer line is refused
_AUTHOR_NUMBERS = {"trust_level": (0, 4), "post_count": (0, 10**9),
                   "account_age_days": (0, 10**6), "past_sanctions": (0, 10**6)}


def _number(raw: dict, name: str) -> float:
    value = raw.get(name, 0)
    low, high = _AUTHOR_NUMBERS[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"author.{name} must be a number from {low} to {high}")
    return value


def author_from(raw: dict | None) -> AuthorFacts:
    """Author facts from the input's "author" object (missing values: a brand-new member)."""
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ValueError("author must be a JSON object")
    if not isinstance(raw.get("id"), int | str | None) or isinstance(raw.get("id"), bool):
        raise ValueError("author.id must be a number or a string")
    return AuthorFacts(author_id=raw.get("id"), trust_level=int(_number(raw, "trust_level")),
                       post_count=int(_number(raw, "post_count")),
                       account_age_days=float(_number(raw, "account_age_days")),
                       past_sanctions=int(_number(raw, "past_sanctions")),
                       is_staff=raw.get("is_staff", False) is True)


def _text(item: dict, name: str) -> str:
    value = item.get(name, "")
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    if len(value) > MAX_TEXT:
        raise ValueError(f"{name} is longer than {MAX_TEXT} characters")
    return value


def _id(item: dict):
    """The line's id when it is one we can echo (a number within JSON's safe range, a short
    string, or null)."""
    value = item.get("id")
    if value is None or (isinstance(value, str) and len(value) <= 200):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53:
        return value
    return None


def verdict_line(item: dict, *, rules: RuleSet, model: ModelBundle | None,
                 config: EngineConfig) -> dict:
    """The output object for one input object."""
    if "body" not in item:
        raise ValueError("body is missing")
    if item.get("id") is not None and _id(item) is None:
        raise ValueError("id must be a number, a string of at most 200 characters or null")
    title, body = _text(item, "title"), _text(item, "body")
    kind = Kind.NEW_THREAD if title else Kind.REPLY
    verdict = screen(Submission(body=body, title=title, kind=kind),
                     author_from(item.get("author")), rules=rules, model=model, config=config)
    return {"id": _id(item), "action": "publish" if verdict.published else
            verdict.action.value, "rules": verdict.rules, "title": verdict.title,
            "body": verdict.body, "scores": {k: round(v, 4) for k, v in verdict.scores.items()},
            "explanation": verdict.explanation}


def run(lines: Iterable[str], *, rules: RuleSet = DEFAULT_RULES,
        model: ModelBundle | None = None, config: EngineConfig = DEFAULT_CONFIG) -> Iterator[dict]:
    """One output object per input line, in order; a bad line gets an error object."""
    for line in lines:
        item = None
        try:
            if not line.strip():
                raise ValueError("blank line")
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("each line must be a JSON object")
            yield verdict_line(item, rules=rules, model=model, config=config)
        except Exception as error:  # one odd line must not end the run
            said = isinstance(error, ValueError | TypeError | RecursionError)
            yield {"id": _id(item) if isinstance(item, dict) else None,
                   "error": str(error) if said else
                   f"could not screen this line ({type(error).__name__})"}


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
