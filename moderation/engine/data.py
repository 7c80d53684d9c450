"""The public labelled data the engine trains on, and the one fixed split into train and test.

The split is by a hash of the normalised text, so it never changes between runs or machines,
and a text repeated in a data set (common in SMS spam) always falls on the same side: the
test split measures texts the model has never seen.
"""
from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DATA = Path(__file__).resolve().parent.parent / "data"
TEST_BUCKETS = 5  # one text in five (by hash) is held out for evaluation
SPLIT_RULE = "test if int(sha256(text.strip().lower())[:8], 16) % 5 == 0"

HATE, OFFENSIVE, NEITHER = 0, 1, 2


@dataclass(frozen=True)
class Example:
    """One labelled text: label 1 means "must not be published as is" for its task."""

    text: str
    label: int
    source: str


def is_test(text: str) -> bool:
    """The deterministic split: about 20% of texts, chosen by hash, are the test split."""
    digest = hashlib.sha256(text.strip().lower().encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % TEST_BUCKETS == 0


def split(examples: Iterable[Example], *, test: bool) -> list[Example]:
    """Only the train split (test=False) or only the held-out split (test=True)."""
    return [e for e in examples if is_test(e.text) == test]


def spam_examples(data_dir: Path | str = PACKAGE_DATA) -> list[Example]:
    """YouTube comments and SMS messages, label 1 = spam."""
    root = _dir(data_dir, "spam")
    examples = list(_youtube(root))
    examples += list(_sms(root / "SMSSpamCollection.tsv"))
    return examples


def _youtube(root: Path) -> Iterator[Example]:
    """The five UCI YouTube comment files (CONTENT, CLASS columns)."""
    for path in sorted(root.glob("Youtube0*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                yield Example(row["CONTENT"], int(row["CLASS"]), "youtube")


def _sms(path: Path) -> Iterator[Example]:
    """The UCI SMS collection: "ham|spam<TAB>text" per line."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            label, _, text = line.rstrip("\n").partition("\t")
            if text:
                yield Example(text, int(label == "spam"), "sms")


def davidson_examples(data_dir: Path | str = PACKAGE_DATA) -> list[Example]:
    """Davidson et al. tweets with their 3-way class: 0 hate, 1 offensive, 2 neither."""
    path = _dir(data_dir, "abuse") / "davidson_labeled_data.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return [Example(row["tweet"], int(row["class"]), "davidson")
                for row in csv.DictReader(handle)]


def customer_questions(data_dir: Path | str = PACKAGE_DATA, *, split: str = "train") -> list[str]:
    """BANKING77 customer questions: real support questions, never spam and never abuse."""
    path = _dir(data_dir, "intents") / f"banking77_{split}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def _dir(data_dir: Path | str, name: str) -> Path:
    """A data subfolder, with a clear error when the data is missing."""
    path = Path(data_dir) / name
    if not path.is_dir():
        raise FileNotFoundError(f"no {name}/ data under {data_dir}")
    return path


def fingerprint(data_dir: Path | str = PACKAGE_DATA) -> str:
    """A short hash of the training files, so a cached model is retrained when they change."""
    digest = hashlib.sha256()
    root = Path(data_dir)
    for path in sorted(root.glob("*/*")):
        if path.suffix in {".csv", ".tsv"} and "_test" not in path.name:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
