"""Per-class moderation evaluation: the engine at trust 0 and 1 beside two baselines.

    python bench/moderation_eval.py [--data ../shared/data] [--limit N] [--table]

The same as `flask --app wsgi moderation evaluate --cold-start` without an app: the cold-start
model, the default rules, the public test splits and the red-team set's test half
(moderation/engine/evaluate.py documents every source). Prints JSON, then with --table the
Markdown tables kept in bench/README.md ("Moderation per-class evaluation").
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.engine import evaluate  # noqa: E402


def main() -> int:
    """Parse arguments, run the evaluation, print JSON (and the tables)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    evaluate.add_arguments(parser)
    args = parser.parse_args()
    evaluate.print_report(evaluate.run_from_args(args), table=args.table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
