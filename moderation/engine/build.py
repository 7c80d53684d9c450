"""Build the shipped cold-start model from the public data: one reproducible command.

    python -m moderation.engine.build [--data ../shared/data] [--out FILE]

Writes moderation/artifacts/cold-start.npz by default. Reads only the train splits (see
moderation/engine/corpora.py for which set teaches which head),
writes arrays + JSON (no pickle), and prints what it was trained on as JSON.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import data as datasets
from .model import SHIPPED_MODEL, to_bytes, train_models, write_atomic


def build(data_dir: Path | str | None = None, out: Path | str = SHIPPED_MODEL) -> dict:
    """Train every head and write the artifact; returns its description."""
    started = time.perf_counter()
    bundle = train_models(data_dir)
    bundle.trained_at = 0.0  # the same data gives the same file, byte for byte
    path = write_atomic(Path(out), to_bytes(bundle))
    licences = {s: datasets.LICENCES.get(s.split("-")[0], "the project's own")
                for s in bundle.trained_on}
    return {**bundle.describe(), "path": str(path), "bytes": path.stat().st_size,
            "licences": licences, "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--out", default=str(SHIPPED_MODEL), help="where to write the model")
    args = parser.parse_args(argv)
    json.dump(build(args.data, args.out), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
