"""Render time of each pathological body, with the limits on (refused fast) and, with
--unlimited, off (the old cost; each case in a subprocess killed after --timeout seconds).

    .venv/bin/python bench/render_limits.py
    .venv/bin/python bench/render_limits.py --unlimited --timeout 60

Prints JSON: {case: {"chars", "outcome", "seconds"}}. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum import rendering  # noqa: E402

CASES = {
    "nested_brackets_30001": lambda: "[" * 15_000 + "x" + "]" * 15_000,
    "open_brackets_50000": lambda: "[" * 50_000,
    "nested_links_8000": lambda: "[" * 8_000 + "x" + "](u)" * 8_000,
    "table_10000_rows": lambda: "|a|b|\n|-|-|\n" + "|x|y|\n" * 10_000,
    "nested_list_10000": lambda: "- " * 10_000 + "x",
    "raw_tags_16000": lambda: "<a " * 16_000,
    "realistic_post": lambda: ("| a | b |\n| - | - |\n" + "| x | y |\n" * 50 + "\n"
                               + " ".join(f"[l{i}](https://e.com/{i})" for i in range(30))
                               + "\n\n- one\n    - two\n\n> quote\n> > inner\n"),
}
UNLIMITED = rendering.Limits(bracket_depth=10**9, links=10**9, table_rows=10**9,
                             nesting=10**9, html_tags=10**9, output_tags=10**9,
                             seconds=10**9)


def measure(name: str, limits: rendering.Limits) -> dict:
    source = CASES[name]()
    start = time.perf_counter()
    try:
        rendering.render(source, limits=limits)
        outcome = "rendered"
    except rendering.TooComplex as exc:
        outcome = f"too_complex:{exc.what}"
    except Exception as exc:  # the old behaviour we are measuring, e.g. RecursionError
        outcome = type(exc).__name__
    return {"chars": len(source), "outcome": outcome,
            "seconds": round(time.perf_counter() - start, 3)}


def unlimited(name: str, timeout: float) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); "
            f"from bench.render_limits import measure, UNLIMITED; "
            f"print(json.dumps(measure({name!r}, UNLIMITED)))")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=timeout, cwd=ROOT)
        return json.loads(done.stdout)
    except subprocess.TimeoutExpired:
        return {"chars": len(CASES[name]()), "outcome": "timeout", "seconds": f">{timeout}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unlimited", action="store_true", help="measure with limits off")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    if args.unlimited:
        report = {name: unlimited(name, args.timeout) for name in CASES}
    else:
        report = {name: measure(name, rendering.DEFAULT_LIMITS) for name in CASES}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
