"""Loaders for the public labelled data in ../shared/data, and the fixed hash splits.

The repository holds no copy of these sets: every loader reads the shared data folder
(`default_data_dir()`: $PARLEY_DATA_DIR, else `<repo root>/../shared/data`, else, from a git
worktree, the main checkout's `../shared/data`). Its README describes each set and licence.

Sets with a split of their own keep it (ConvAbuse, Stormfront, op_spam folds, BANKING77,
CLINC150, HINT3; HateCheck is test only). The others (YouTube, SMS, Davidson, Janitr,
implicit-hate) are split by a hash of the normalised text, so the split never changes between
runs or machines and a text repeated in a set always falls on the same side:

    h = int(sha256(text.strip().lower())[:8], 16)
    test  if h % 5 == 0                  (20%, the same texts as is_test)
    valid if not test and (h // 5) % 8 == 0   (10%)
    train otherwise                      (70%)

`Example.label` is 1 when the text must not be published as is for its task (spam, abuse),
except in `davidson_examples`, which keeps Davidson's own 3-way class (HATE/OFFENSIVE/NEITHER).
Nothing here reads the environment at import time.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

ENV_VAR = "PARLEY_DATA_DIR"
REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_BUCKETS = 5  # one text in five (by hash) is held out for evaluation
VALID_BUCKETS = 8  # one in eight of the rest is the validation split
SPLIT_RULE = ("h = int(sha256(text.strip().lower())[:8], 16); test if h % 5 == 0, "
              "else valid if (h // 5) % 8 == 0, else train (70/10/20)")

HATE, OFFENSIVE, NEITHER = 0, 1, 2
DAVIDSON_KINDS = {HATE: "hate", OFFENSIVE: "offensive", NEITHER: "neither"}

# Janitr labels that make a post spam, most severe first (the first present is the kind);
# reply_spam (2 rows with no other spam label) completes the README's 980 spam-type rows.
JANITR_SPAM = ("scam", "phishing", "recovery_scam", "impersonation", "spam", "promo",
               "affiliate", "lead_gen", "engagement_bait", "giveaway", "bot", "reply_spam")
JANITR_MUST_NOT_PUBLISH = frozenset({"scam", "phishing", "recovery_scam", "impersonation"})

CONVABUSE_TYPES = ("ableist", "homophobic", "intellectual", "racist", "sexist",
                   "sex_harassment", "transphobic")
CONVABUSE_SEVERITY = ("1", "0", "-1", "-2", "-3")

# Sources whose licence forbids shipping anything trained on them (CC BY-NC-SA 3.0).
NONCOMMERCIAL_SOURCES = frozenset({"op_spam"})
LICENCES = {
    "youtube": "CC BY 4.0", "sms": "CC BY 4.0", "davidson": "MIT", "banking77": "CC BY 4.0",
    "clinc150": "CC BY 3.0", "hatecheck": "CC BY 4.0", "convabuse": "CC BY 4.0",
    "implicit_hate": "CC BY 4.0", "stormfront": "CC BY-SA 3.0 ES", "janitr": "MIT",
    "op_spam": "CC BY-NC-SA 3.0", "hint3": "ODbL 1.0 + DbCL 1.0",
}
HINT3_BRANDS = ("sofmattress", "curekart", "powerplay11")

# Files that hold no training rows (test-only sets, a non-commercial set): not fingerprinted.
NOT_TRAINING = ("_test.csv", "ConvAbuseEMNLPvalid.csv", "ConvAbuseEMNLPtest.csv",
                "hatecheck_test_suite_cases.csv", "op_spam_v1.4.jsonl", "stackfaq.jsonl")


@dataclass(frozen=True)
class Example:
    """One labelled text: label 1 means "must not be published as is" for its task.

    kind is the set's fine label (a HateCheck functionality, a Janitr label, ...), split is
    "train", "valid" or "test", and context is the turn the text answers (ConvAbuse).
    """

    text: str
    label: int
    source: str
    kind: str = ""
    split: str = ""
    context: str = ""


def default_data_dir() -> Path:
    """The shared data folder: $PARLEY_DATA_DIR, else ../shared/data beside the checkout."""
    override = os.environ.get(ENV_VAR)
    candidates = [Path(override)] if override else _checkout_candidates()
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"public data folder not found (tried {tried}): put shared/data "
                            f"beside the checkout or set {ENV_VAR} to its path")


def _checkout_candidates() -> list[Path]:
    """<repo root>/../shared/data, then the same beside a git worktree's main checkout, then
    beside the local repository this one was cloned from (`git clone . /tmp/fresh`)."""
    candidates = [REPO_ROOT.parent / "shared" / "data"]
    git = REPO_ROOT / ".git"
    if git.is_file():  # a worktree: "gitdir: <main>/.git/worktrees/<name>"
        gitdir = Path(git.read_text(encoding="utf-8").partition("gitdir:")[2].strip())
        main = gitdir.parent.parent.parent
        candidates.append(main.parent / "shared" / "data")
    elif (git / "config").is_file():
        origin = _local_origin(git / "config")
        if origin is not None:
            candidates.append(origin.parent / "shared" / "data")
    return candidates


def _local_origin(config: Path) -> Path | None:
    """The origin remote's folder when it is a local path, from .git/config."""
    section = ""
    for line in config.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == '[remote "origin"]' and line.startswith("url"):
            url = line.partition("=")[2].strip()
            url = url.removeprefix("file://")
            path = Path(url)
            if path.is_absolute() and path.is_dir():
                return path.parent if path.name == ".git" else path
    return None


def _root(data_dir: Path | str | None) -> Path:
    """The given data folder, or the default one."""
    return Path(data_dir) if data_dir is not None else default_data_dir()


def _bucket(text: str) -> int:
    """The split hash of a normalised text."""
    return int(hashlib.sha256(text.strip().lower().encode("utf-8")).hexdigest()[:8], 16)


def is_test(text: str) -> bool:
    """The deterministic split: about 20% of texts, chosen by hash, are the test split."""
    return _bucket(text) % TEST_BUCKETS == 0


def hash_split(text: str) -> str:
    """"train" (70%), "valid" (10%) or "test" (20%, exactly the is_test texts), by hash."""
    bucket = _bucket(text)
    if bucket % TEST_BUCKETS == 0:
        return "test"
    return "valid" if (bucket // TEST_BUCKETS) % VALID_BUCKETS == 0 else "train"


def split(examples: Iterable[Example], *, test: bool) -> list[Example]:
    """Only the held-out split (test=True) or everything else (test=False).

    An example's own split decides when it has one; otherwise the hash (is_test).
    """
    return [e for e in examples if ((e.split == "test") if e.split else is_test(e.text)) == test]


def of_split(examples: Iterable[Example], name: str) -> list[Example]:
    """The examples of one named split ("train", "valid" or "test")."""
    return [e for e in examples if e.split == name]


def _dir(data_dir: Path | str | None, name: str) -> Path:
    """A data subfolder, with a clear error when the data is missing."""
    root = _root(data_dir)
    path = root / name
    if not path.is_dir():
        raise FileNotFoundError(f"no {name}/ data under {root} (set {ENV_VAR})")
    return path


def _csv_rows(path: Path, delimiter: str = ",") -> list[dict]:
    """All rows of a CSV/TSV file with a header."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def _jsonl(path: Path) -> Iterator[dict]:
    """The objects of a JSON-lines file."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _hashed(text: str, label: int, source: str, kind: str) -> Example:
    """An example of a set with no split of its own: the split comes from the hash."""
    return Example(text, label, source, kind=kind, split=hash_split(text))


# ---------------------------------------------------------------- spam


def spam_examples(data_dir: Path | str | None = None) -> list[Example]:
    """YouTube comments and SMS messages: label 1 = spam, kind "spam"/"ham", hash split."""
    root = _dir(data_dir, "spam")
    return list(_youtube(root)) + list(_sms(root / "SMSSpamCollection.tsv"))


def _youtube(root: Path) -> Iterator[Example]:
    """The five UCI YouTube comment files (CONTENT, CLASS columns)."""
    for path in sorted(root.glob("Youtube0*.csv")):
        for row in _csv_rows(path):
            label = int(row["CLASS"])
            yield _hashed(row["CONTENT"], label, "youtube", "spam" if label else "ham")


def _sms(path: Path) -> Iterator[Example]:
    """The UCI SMS collection: "ham|spam<TAB>text" per line."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            label, _, text = line.rstrip("\n").partition("\t")
            if text:
                yield _hashed(text, int(label == "spam"), "sms", label)


def janitr_examples(data_dir: Path | str | None = None) -> list[Example]:
    """Janitr X posts: label 1 with any JANITR_SPAM label (kind = the most severe one),
    0 for clean or topic-only posts (kind "clean" or "topic"); other rows (ragebait,
    low_effort, ai_slop with no spam label, ...) are left out. Hash split."""
    out = []
    for row in _jsonl(_dir(data_dir, "spam") / "janitr_sample.jsonl"):
        labels = row["labels"]
        kind = next((name for name in JANITR_SPAM if name in labels), "")
        if kind:
            out.append(_hashed(row["text"], 1, "janitr", kind))
        elif all(name == "clean" or name.startswith("topic_") for name in labels):
            out.append(_hashed(row["text"], 0, "janitr", "clean" if "clean" in labels
                               else "topic"))
    return out


def op_spam_examples(data_dir: Path | str | None = None) -> list[Example]:
    """Ott et al. hotel reviews: label 1 = deceptive (paid fake), 0 = truthful; kind =
    polarity ("negative"/"positive"); folds 1-4 train, fold 5 test.

    NON-COMMERCIAL (CC BY-NC-SA 3.0): source "op_spam" is in NONCOMMERCIAL_SOURCES, for
    evaluation only; training code must refuse it (see commercial_use_ok).
    """
    return [Example(row["text"], int(row["label"] == "deceptive"), "op_spam",
                    kind=row["polarity"], split="test" if int(row["fold"]) == 5 else "train")
            for row in _jsonl(_dir(data_dir, "spam") / "op_spam_v1.4.jsonl")]


def commercial_use_ok(example: Example) -> bool:
    """False for examples from a non-commercial set: a model trained on them must not ship."""
    return example.source not in NONCOMMERCIAL_SOURCES


# ---------------------------------------------------------------- abuse


def davidson_examples(data_dir: Path | str | None = None) -> list[Example]:
    """Davidson et al. tweets; label = their 3-way class (HATE 0, OFFENSIVE 1, NEITHER 2),
    kind "hate"/"offensive"/"neither", hash split."""
    path = _dir(data_dir, "abuse") / "davidson_labeled_data.csv"
    return [Example(row["tweet"], int(row["class"]), "davidson",
                    kind=DAVIDSON_KINDS[int(row["class"])], split=hash_split(row["tweet"]))
            for row in _csv_rows(path)]


def hatecheck_cases(data_dir: Path | str | None = None) -> list[Example]:
    """HateCheck functional tests: label 1 = hateful (gold), kind = functionality; test only."""
    path = _dir(data_dir, "abuse") / "hatecheck_test_suite_cases.csv"
    return [Example(row["test_case"].strip(), int(row["label_gold"] == "hateful"), "hatecheck",
                    kind=row["functionality"], split="test")
            for row in _csv_rows(path)]


def convabuse_examples(split: str = "train", data_dir: Path | str | None = None
                       ) -> list[Example]:
    """ConvAbuse user turns (split "train", "valid" or "test"), context = the agent turn just
    before. Label 1 when a majority of the row's annotators gave -1..-3; kind joins with "+"
    "severe" (any annotator gave -3) and each abuse type (sexist, sex_harassment, ...) that a
    majority of the annotators who called it abusive marked ("abusive" when neither applies).
    Label-0 rows have kind "ok" when a
    majority said 1 (not abusive), else "ambiguous"."""
    name = {"train": "train", "valid": "valid", "test": "test"}[split]
    path = _dir(data_dir, "abuse") / f"ConvAbuseEMNLP{name}.csv"
    return [_convabuse_row(row, split) for row in _csv_rows(path)]


def _convabuse_row(row: dict, split: str) -> Example:
    """One ConvAbuse row as an Example (see convabuse_examples)."""
    votes = {}
    for n in range(1, 9):
        given = [v for v in CONVABUSE_SEVERITY if row.get(f"Annotator{n}_is_abuse.{v}") == "1"]
        if given:
            votes[n] = given[0]
    abusive = [n for n, v in votes.items() if v.startswith("-")]
    if 2 * len(abusive) > len(votes):
        kinds = ["severe"] if "-3" in votes.values() else []
        kinds += [t for t in CONVABUSE_TYPES
                  if 2 * sum(row.get(f"Annotator{n}_{t}") == "1" for n in abusive) > len(abusive)]
        label, kind = 1, "+".join(kinds) or "abusive"
    else:
        ok = 2 * sum(v == "1" for v in votes.values()) > len(votes)
        label, kind = 0, "ok" if ok else "ambiguous"
    return Example(row["user"], label, "convabuse", kind=kind, split=split,
                   context=row["agent"])


def implicit_hate_examples(data_dir: Path | str | None = None) -> list[Example]:
    """Latent Hatred tweets: label 1 for explicit_hate and implicit_hate, 0 for not_hate; kind =
    the stg2 implicit_class where the post has one (threatening, incitement, ...), else the
    stg1 class. Hash split."""
    root = _dir(data_dir, "abuse")
    csv.field_size_limit(1 << 24)
    fine = {row["post"]: row["implicit_class"]
            for row in _csv_rows(root / "implicit_hate_v1_stg2_posts.tsv", "\t")}
    return [_hashed(row["post"].strip(), int(row["class"] != "not_hate"), "implicit_hate",
                    (row["class"] == "implicit_hate" and fine.get(row["post"])) or row["class"])
            for row in _csv_rows(root / "implicit_hate_v1_stg1_posts.tsv", "\t")]


def stormfront_examples(split: str = "train", data_dir: Path | str | None = None, *,
                        unsampled: bool = False) -> list[Example]:
    """Stormfront sentences of the authors' split ("train" or "test"): label 1 = hate,
    0 = noHate ("relation" and "idk/skip" are left out). The unsampled rows (split "") are
    left out unless unsampled=True, which adds them to train (they are almost all noHate)."""
    wanted = {split} | ({""} if unsampled and split == "train" else set())
    return [Example(row["text"], int(row["label"] == "hate"), "stormfront", kind=row["label"],
                    split=row["split"] or "train")
            for row in _jsonl(_dir(data_dir, "abuse") / "stormfront_degibert2018.jsonl")
            if row["split"] in wanted and row["label"] in ("hate", "noHate")]


# ---------------------------------------------------------------- ordinary questions


def customer_questions(data_dir: Path | str | None = None, *, split: str = "train") -> list[str]:
    """BANKING77 customer questions (split "train" or "test"): never spam and never abuse."""
    return [e.text for e in banking77_examples(split, data_dir)]


def banking77_examples(split: str = "train", data_dir: Path | str | None = None
                       ) -> list[Example]:
    """BANKING77 questions as examples: label 0, kind = intent."""
    path = _dir(data_dir, "intents") / f"banking77_{split}.csv"
    return [Example(row["text"], 0, "banking77", kind=row["category"], split=split)
            for row in _csv_rows(path)]


def clinc_examples(split: str = "train", data_dir: Path | str | None = None) -> list[Example]:
    """CLINC150 queries of a split ("train", "valid" or "test"), out-of-scope ones included
    (kind "oos"); label 0, kind = intent."""
    name = {"train": "train", "valid": "val", "test": "test"}[split]
    data = json.loads((_dir(data_dir, "intents") / "clinc150_data_full.json")
                      .read_text(encoding="utf-8"))
    return [Example(text, 0, "clinc150", kind=intent, split=split)
            for key in (name, f"oos_{name}") for text, intent in data[key]]


def hint3_examples(split: str = "train", data_dir: Path | str | None = None) -> list[Example]:
    """HINT3 v2 customer messages of all three brands (source "hint3_<brand>"): label 0,
    kind = intent, NO_NODES_DETECTED (matches no known question) kept."""
    root = _dir(data_dir, "intents")
    return [Example(row["sentence"], 0, f"hint3_{brand}", kind=row["label"], split=split)
            for brand in HINT3_BRANDS
            for row in _csv_rows(root / f"hint3_v2_{brand}_{split}.csv")]


def with_split(examples: Iterable[Example], name: str) -> list[Example]:
    """The same examples marked as one split."""
    return [replace(e, split=name) for e in examples]


# ---------------------------------------------------------------- fingerprint


def training_files(data_dir: Path | str | None = None) -> list[Path]:
    """Every data file that holds training rows (test-only and non-commercial files left out)."""
    root = _root(data_dir)
    return sorted(p for p in root.glob("*/*")
                  if p.suffix in {".csv", ".tsv", ".json", ".jsonl"}
                  and not p.name.endswith(NOT_TRAINING))


def fingerprint(data_dir: Path | str | None = None,
                files: Iterable[Path | str] | None = None) -> str:
    """A stable 16-hex hash of the training files (names and bytes), for a trained artifact.

    files (paths relative to the data folder, or absolute) narrows it to what was used.
    """
    root = _root(data_dir)
    paths = sorted(root / p for p in files) if files is not None else training_files(root)
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
