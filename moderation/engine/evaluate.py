"""Per-class evaluation of the whole engine on public test splits it was never tuned on.

    python -m moderation.engine.evaluate [--data DIR] [--redteam FILE] [--limit N] [--table]

For each class of issue 10's target table (criticism published, abuse kept out, ordinary
conversation published, spam kept out) it reports the share of texts the whole engine
(`screen()` with the default rules and the given or cold-start model) handles correctly, for a
brand-new member's first post (trust 0) and an ordinary member (trust 1), per source and pooled
over the class, beside two baselines run on the same texts: alt-profanity-check (keeps out
predict_prob >= 0.5) and better-profanity (keeps out contains_profanity); a baseline publishes
everything else and is reported as "not installed" when missing (`pip install -e '.[eval]'`).

Only test splits are scored (the red-team set's "test" half; its "tune" half is for tuning).
Nothing here trains or tunes anything: the model is used as given (the cold-start model is
built from the train splits once by default_model() and cached).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import data as datasets
from .config import EngineConfig
from .engine import screen
from .model import ModelBundle, default_model, load_model
from .rules import DEFAULT_RULES, RuleSet
from .types import AuthorFacts, Kind, Submission, ThreadContext, Verdict

REPO_ROOT = datasets.REPO_ROOT
HAND_WRITTEN = REPO_ROOT / "tests" / "moderation" / "unit" / "data"
DEFAULT_REDTEAM = HAND_WRITTEN / "redteam.jsonl"

TRUST0 = AuthorFacts(author_id="eval-new", trust_level=0, account_age_days=0, post_count=0)
TRUST1 = AuthorFacts(author_id="eval", trust_level=1, account_age_days=30, post_count=10)
# The red-team set's brand and staff; the public texts are screened under the same settings.
EVAL_CONFIG = EngineConfig(brand_names=frozenset({"Brightwave"}),
                           staff_names=frozenset({"Sam", "Mia"}),
                           allowed_domains=frozenset({"brightwave.example"}))
EVAL_THREAD = ThreadContext(thread_id="eval", participants=("Sam", "Mia", "dan_k"))

PARLEY0, PARLEY1 = "parley_trust0", "parley_trust1"
ALT, BETTER = "alt_profanity_check", "better_profanity"
SYSTEMS = (PARLEY0, PARLEY1, ALT, BETTER)
NOT_INSTALLED = "not installed"

# class -> (what counts as handled correctly, target share)
CLASSES = {"criticism": ("published", 0.98), "abuse": ("not_published", 0.90),
           "ordinary": ("published", 0.95), "spam": ("not_published", 0.90)}
REDTEAM_CLASSES = {"criticism": "criticism", "threat": "abuse", "insult": "abuse",
                   "hate": "abuse", "support": "ordinary", "spam": "spam"}
NUMBER_KINDS = frozenset({"order_number", "port", "ip", "version", "error_code", "serial"})
HATECHECK_MUST_PASS = ("profanity_nh", "counter_quote_nh", "counter_ref_nh", "ident_neutral_nh",
                       "ident_pos_nh", "negate_neg_nh", "slur_reclaimed_nh", "target_obj_nh")
HATECHECK_MUST_BLOCK = re.compile(r"^(threat_dir_h|threat_norm_h|slur_h|derog_.*|spell_.*)$")
LINK = re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(?:com|net|org|io|ly|co|xyz)\b", re.I)


@dataclass(frozen=True)
class Case:
    """One text to screen; setting "hand" uses the hand-written sets' brand and staff."""

    text: str
    title: str = ""
    kind: str = ""
    setting: str = "eval"


@dataclass
class Source:
    """A named group of texts of one class; in_total=False for subsets reported apart."""

    name: str
    cls: str
    cases: list[Case]
    in_total: bool = True
    note: str = ""
    outcomes: dict[str, list[bool] | None] = field(default_factory=dict)


def _cases(examples: Iterable[datasets.Example]) -> list[Case]:
    """Examples as cases (the text only: the engine sees what a member would type)."""
    return [Case(e.text, kind=e.kind) for e in examples]


def _source(name: str, cls: str, examples: Iterable[datasets.Example], **kw) -> Source:
    """A source built from examples."""
    return Source(name, cls, _cases(examples), **kw)


# ---------------------------------------------------------------- the sources


def public_sources(data_dir: Path | str | None = None) -> list[Source]:
    """Every public test-split source of every class."""
    return (_criticism_sources(data_dir) + _abuse_sources(data_dir)
            + _ordinary_sources(data_dir) + _spam_sources(data_dir))


def _criticism_sources(data_dir) -> list[Source]:
    """op_spam's real negative reviews (fold 5 counted; all 400 reported apart)."""
    reviews = [e for e in datasets.op_spam_examples(data_dir)
               if e.kind == "negative" and e.label == 0]
    return [
        _source("op_spam negative truthful (fold 5)", "criticism",
                [e for e in reviews if e.split == "test"], note="CC BY-NC-SA: evaluation only"),
        _source("op_spam negative truthful (all 400)", "criticism", reviews, in_total=False,
                note="folds 1-5; the model is not trained on op_spam"),
    ]


def _abuse_sources(data_dir) -> list[Source]:
    """Identity hate, threats and attacks on people, from five public sets."""
    hateful = [e for e in datasets.hatecheck_cases(data_dir) if e.label == 1]
    convabuse = [e for e in datasets.convabuse_examples("test", data_dir) if e.label == 1]
    implicit = datasets.of_split(datasets.implicit_hate_examples(data_dir), "test")
    davidson = datasets.of_split(datasets.davidson_examples(data_dir), "test")
    return [
        _source("HateCheck hateful cases", "abuse", hateful),
        _source("ConvAbuse test, majority abusive", "abuse", convabuse),
        _source("ConvAbuse test, severe (-3) or sex_harassment", "abuse",
                [e for e in convabuse if {"severe", "sex_harassment"} & set(e.kind.split("+"))],
                in_total=False),
        _source("Davidson hate (test)", "abuse", [e for e in davidson if e.kind == "hate"]),
        _source("implicit-hate explicit_hate (test)", "abuse",
                [e for e in implicit if e.kind == "explicit_hate"]),
        _source("implicit-hate threatening/incitement (test)", "abuse",
                [e for e in implicit if e.kind in ("threatening", "incitement")]),
        _source("Stormfront hate (test)", "abuse",
                [e for e in datasets.stormfront_examples("test", data_dir) if e.label == 1]),
    ]


def _ordinary_sources(data_dir) -> list[Source]:
    """Support questions and everyday conversation that must be published."""
    spam = datasets.of_split(datasets.spam_examples(data_dir), "test")
    janitr = [e for e in datasets.of_split(datasets.janitr_examples(data_dir), "test")
              if e.label == 0]
    davidson = datasets.of_split(datasets.davidson_examples(data_dir), "test")
    hatecheck = datasets.hatecheck_cases(data_dir)
    return [
        _source("BANKING77 test", "ordinary", datasets.banking77_examples("test", data_dir)),
        _source("HINT3 test (3 brands)", "ordinary", datasets.hint3_examples("test", data_dir)),
        _source("CLINC150 test (incl. oos)", "ordinary", datasets.clinc_examples("test", data_dir)),
        _source("Janitr clean/topic-only (test)", "ordinary", janitr),
        _source("Janitr clean/topic-only with a link (test)", "ordinary",
                [e for e in janitr if LINK.search(e.text)], in_total=False),
        _source("SMS ham (test)", "ordinary", [e for e in spam if e.source == "sms" and
                                               e.label == 0]),
        _source("YouTube ham (test)", "ordinary", [e for e in spam if e.source == "youtube" and
                                                   e.label == 0]),
        _source("Davidson neither (test)", "ordinary",
                [e for e in davidson if e.kind == "neither"]),
        _source("Stormfront noHate (test)", "ordinary",
                [e for e in datasets.stormfront_examples("test", data_dir) if e.label == 0]),
        _source("ConvAbuse test, not abusive", "ordinary",
                [e for e in datasets.convabuse_examples("test", data_dir) if e.kind == "ok"]),
        _source("HateCheck must-pass functionalities", "ordinary",
                [e for e in hatecheck if e.kind in HATECHECK_MUST_PASS]),
        _source("HateCheck target_indiv_nh (\"I hate you.\")", "ordinary",
                [e for e in hatecheck if e.kind == "target_indiv_nh"], in_total=False,
                note="a personal attack a forum may hold back: reported apart"),
    ]


def _spam_sources(data_dir) -> list[Source]:
    """SMS, YouTube and X spam, and paid fake reviews."""
    spam = datasets.of_split(datasets.spam_examples(data_dir), "test")
    janitr = [e for e in datasets.of_split(datasets.janitr_examples(data_dir), "test")
              if e.label == 1]
    out = [
        _source("SMS spam (test)", "spam", [e for e in spam if e.source == "sms" and e.label]),
        _source("YouTube spam (test)", "spam",
                [e for e in spam if e.source == "youtube" and e.label]),
        _source("Janitr spam/scam kinds (test)", "spam", janitr),
    ]
    out += [_source(f"Janitr {kind} (test)", "spam", [e for e in janitr if e.kind == kind],
                    in_total=False) for kind in sorted({e.kind for e in janitr})]
    deceptive = [e for e in datasets.op_spam_examples(data_dir)
                 if e.split == "test" and e.label == 1]
    # Paid fake hotel reviews read exactly like real ones (people tell them apart at chance,
    # Ott et al. 2011); only a model trained on them finds them, and their licence (CC BY-NC-SA)
    # forbids shipping one. None of the kinds of spam, so reported apart, not pooled.
    out.append(_source("op_spam deceptive (fold 5)", "spam", deceptive, in_total=False,
                       note="CC BY-NC-SA: evaluation only; fake reviews, reported apart"))
    return out


def hand_written_sources(sets_dir: Path | str = HAND_WRITTEN) -> list[Source]:
    """The hand-written criticism and attack sets (brand Acme, staff Sarah and Tom)."""
    sets_dir = Path(sets_dir)
    out = []
    for name, cls in (("criticism.json", "criticism"), ("attacks.json", "abuse")):
        path = sets_dir / name
        if path.is_file():
            texts = json.loads(path.read_text(encoding="utf-8"))["texts"]
            out.append(Source(f"hand-written {name}", cls,
                              [Case(t, setting="hand") for t in texts]))
    return out


def hand_setting(sets_dir: Path | str = HAND_WRITTEN) -> tuple[EngineConfig, ThreadContext]:
    """The settings the hand-written sets are written for."""
    crit = json.loads((Path(sets_dir) / "criticism.json").read_text(encoding="utf-8"))
    attacks = json.loads((Path(sets_dir) / "attacks.json").read_text(encoding="utf-8"))
    config = EngineConfig(brand_names=frozenset(crit["brand_names"]),
                          staff_names=frozenset(attacks["staff_names"]))
    return config, ThreadContext(thread_id="hand", participants=tuple(attacks["participants"]))


def redteam_rows(path: Path | str) -> list[dict]:
    """The red-team set's rows (id, class, kind, split, text, title)."""
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def redteam_sources(path: Path | str) -> list[Source]:
    """The red-team set's test half: one source per class, and one per kind reported apart."""
    rows = [r for r in redteam_rows(path) if r.get("split") == "test"]
    out = []
    for label in REDTEAM_CLASSES:
        mine = [r for r in rows if r["class"] == label]
        cases = [Case(r["text"], r.get("title") or "", r.get("kind") or "") for r in mine]
        out.append(Source(f"red-team {label} (test)", REDTEAM_CLASSES[label], cases))
        for kind in sorted({c.kind for c in cases if c.kind}):
            out.append(Source(f"red-team {label}: {kind}", REDTEAM_CLASSES[label],
                              [c for c in cases if c.kind == kind], in_total=False))
    return out


IDENTITY_CLASSES = {"ordinary": "ordinary", "criticism": "criticism", "hate": "abuse"}
IDENTITY_TEST_FROM = 151  # ie-0001..0150 are validation rows (bench/moderation_tune.py)


def identity_sources(sets_dir: Path | str = HAND_WRITTEN) -> list[Source]:
    """The hand-written identity sets: posts that mention who people are, and hate without
    slurs. identity_eval.jsonl's test half (its first half validates) and all of
    identity_test2.jsonl (written later, by another hand, for testing only); one source per
    set and class, kinds reported apart."""
    out = []
    for name, label_of, keep in (
            ("identity_eval.jsonl", "identity", lambda r: int(r["id"].split("-")[1])
             >= IDENTITY_TEST_FROM),
            ("identity_test2.jsonl", "identity set 2", lambda r: True)):
        path = Path(sets_dir) / name
        if not path.is_file():
            continue
        rows = [r for r in redteam_rows(path) if keep(r)]
        half = " (test half)" if name == "identity_eval.jsonl" else " (test)"
        for label, cls in IDENTITY_CLASSES.items():
            cases = [Case(r["text"], kind=r.get("kind") or "") for r in rows
                     if r["class"] == label]
            out.append(Source(f"hand-written {label_of} {label}{half}", cls, cases))
            for kind in sorted({c.kind for c in cases if c.kind}):
                out.append(Source(f"hand-written {label_of} {label}: {kind}", cls,
                                  [c for c in cases if c.kind == kind], in_total=False))
    return out


CRITICISM_TEST_FROM = 163  # ce-0001..0162 are validation rows (bench/moderation_tune.py)


def criticism_sources(sets_dir: Path | str = HAND_WRITTEN) -> list[Source]:
    """The test half of the hand-written criticism set (criticism_eval.jsonl, Brightwave's
    customers: profane, sarcastic, with links, numbers, regulators, violent idioms...)."""
    path = Path(sets_dir) / "criticism_eval.jsonl"
    if not path.is_file():
        return []
    rows = [r for r in redteam_rows(path) if int(r["id"].split("-")[1]) >= CRITICISM_TEST_FROM]
    cases = [Case(r["text"], r.get("title") or "", r.get("kind") or "") for r in rows]
    out = [Source("hand-written criticism set (test half)", "criticism", cases)]
    for kind in sorted({c.kind for c in cases if c.kind}):
        out.append(Source(f"hand-written criticism set: {kind}", "criticism",
                          [c for c in cases if c.kind == kind], in_total=False))
    return out + fresh_sources(sets_dir)


# Written on 3 Dec 2026 (afternoon), before the rules they validate: odd ids validate
# (bench/moderation_tune.py), even ids are the test half reported here.
FRESH_SETS = (("criticism_fresh.jsonl", "hand-written criticism set 3 (test half)", "criticism"),
              ("criticism_fresh2.jsonl", "hand-written criticism set 4 (test half)",
               "criticism"),
              ("spam_fresh.jsonl", "hand-written spam set 2 (test half)", "spam"),
              ("counter_fresh.jsonl", "hand-written counter-speech set (test half)",
               "ordinary"),
              ("insult_fresh.jsonl", "hand-written condescension set (test half)", "abuse"),
              ("negation_fresh.jsonl", "hand-written negated-hate set (test half)",
               "ordinary"))


def fresh_sources(sets_dir: Path | str = HAND_WRITTEN) -> list[Source]:
    """The test halves of the hand-written sets in FRESH_SETS."""
    out = []
    for filename, name, cls in FRESH_SETS:
        path = Path(sets_dir) / filename
        if path.is_file():
            rows = [r for r in redteam_rows(path) if int(r["id"].split("-")[1]) % 2 == 0]
            out.append(Source(name, cls, [Case(r["text"]) for r in rows]))
    return out


def limit_sources(sources: list[Source], limit: int | None) -> list[Source]:
    """A deterministic slice: each source's first `limit` cases by a hash of their text."""
    if not limit:
        return sources
    def key(case: Case) -> str:
        """The slice order."""
        return hashlib.sha256(f"{case.title}\n{case.text}".encode()).hexdigest()
    for source in sources:
        source.cases = sorted(source.cases, key=key)[:limit]
    return sources


# ---------------------------------------------------------------- the systems


class Screener:
    """Publish-or-not for every case, by the engine at trust 0 and 1, memoised per text."""

    def __init__(self, model, rules: RuleSet, settings: dict[str, tuple]):
        self.model, self.rules, self.settings = model, rules, settings
        self.memo: dict[tuple, bool] = {}

    def published(self, case: Case, author: AuthorFacts) -> bool:
        """True when the engine publishes this case for this author."""
        key = (case.text, case.title, case.setting, author.trust_level)
        if key not in self.memo:
            config, thread = self.settings[case.setting]
            submission = (Submission(case.text, title=case.title, kind=Kind.NEW_THREAD)
                          if case.title else Submission(case.text, thread=thread))
            self.memo[key] = screen(submission, author, rules=self.rules, model=self.model,
                                    config=config).published
        return self.memo[key]


def _baseline_text(case: Case) -> str:
    """What a baseline reads: the title and body together."""
    return f"{case.title}\n{case.text}" if case.title else case.text


def alt_profanity_check(python: str | None = None) -> Callable[[list[str]], list[bool]] | None:
    """alt-profanity-check as "keeps out" flags (prob >= 0.5), or None when not installed.

    python: another interpreter (e.g. a venv under /tmp) to run it in, for when its pinned
    scikit-learn differs from the one the engine uses.
    """
    if python:
        return _subprocess_profanity_check(python)
    try:
        from profanity_check import predict_prob
    except ImportError:
        return None
    return lambda texts: [bool(p >= 0.5) for p in predict_prob(texts)] if texts else []


_CHILD = ("import json,sys\nfrom profanity_check import predict_prob\n"
          "t=json.load(sys.stdin)\njson.dump([float(p) for p in predict_prob(t)] if t else [],"
          "sys.stdout)\n")


def _subprocess_profanity_check(python: str) -> Callable[[list[str]], list[bool]] | None:
    """alt-profanity-check run by another interpreter through a pipe; None if it lacks it."""
    probe = subprocess.run([python, "-c", "import profanity_check"], capture_output=True)
    if probe.returncode:
        return None
    def flags(texts: list[str]) -> list[bool]:
        """Keep-out flags computed in the child process."""
        done = subprocess.run([python, "-c", _CHILD], input=json.dumps(texts), text=True,
                              capture_output=True, check=True)
        return [p >= 0.5 for p in json.loads(done.stdout)]
    return flags


def better_profanity() -> Callable[[list[str]], list[bool]] | None:
    """better-profanity as "keeps out" flags (contains_profanity), or None when not installed."""
    try:
        from better_profanity import profanity
    except ImportError:
        return None
    profanity.load_censor_words()
    if all(len(c) == 1 for w in profanity.CENSOR_WORDSET for combo in w._char_combos
           for c in combo):
        profanity.CENSOR_WORDSET = IndexedWordset(profanity.CENSOR_WORDSET)
    return lambda texts: [bool(profanity.contains_profanity(t)) for t in texts]


class IndexedWordset(list):
    """better-profanity's word list with the same membership answers, found by one regex.

    Its own lookup compares a word with ~900 VaryingString objects one by one (25 ms a
    comment, 0.4 s a hotel review). A VaryingString whose substitutes are all single
    characters equals exactly the strings of its length with one of its substitutes at each
    position, so one alternation of character classes per length gives the same answer.
    """

    def __init__(self, words):
        super().__init__(words)
        by_length: dict[int, list[str]] = {}
        for word in words:
            classes = "".join("[" + "".join(re.escape(c) for c in combo) + "]"
                              for combo in word._char_combos)
            by_length.setdefault(len(word._char_combos), []).append(classes)
        self.patterns = {n: re.compile("|".join(alts)) for n, alts in by_length.items()}

    def __contains__(self, word) -> bool:
        if not isinstance(word, str):
            return list.__contains__(self, word)
        pattern = self.patterns.get(len(word))
        return bool(pattern and pattern.fullmatch(word))


def _run_baseline(flags: Callable[[list[str]], list[bool]] | None,
                  sources: list[Source], name: str) -> None:
    """Each source's published flags under one baseline (None when it is not installed)."""
    if flags is None:
        for source in sources:
            source.outcomes[name] = None
        return
    unique = sorted({_baseline_text(c) for s in sources for c in s.cases})
    kept_out = dict(zip(unique, flags(unique), strict=True))
    for source in sources:
        source.outcomes[name] = [not kept_out[_baseline_text(c)] for c in source.cases]


def _run_engine(screener: Screener, sources: list[Source]) -> None:
    """Each source's published flags for the engine at trust 0 and trust 1."""
    for source in sources:
        for name, author in ((PARLEY0, TRUST0), (PARLEY1, TRUST1)):
            source.outcomes[name] = [screener.published(c, author) for c in source.cases]


# ---------------------------------------------------------------- the figures


def _figure(published: list[bool] | None, goal: str) -> dict | str:
    """Correct count, n and share for one system on one group of texts."""
    if published is None:
        return NOT_INSTALLED
    correct = sum(published) if goal == "published" else len(published) - sum(published)
    n = len(published)
    return {"correct": correct, "n": n, "share": round(correct / n, 4) if n else None}


def _source_report(source: Source) -> dict:
    """One source's figures for every system."""
    goal = CLASSES[source.cls][0]
    return {"class": source.cls, "n": len(source.cases), "in_total": source.in_total,
            "note": source.note,
            "systems": {name: _figure(source.outcomes[name], goal) for name in SYSTEMS}}


def _pooled(sources: list[Source], name: str) -> list[bool] | None:
    """One system's flags over every counted source of a class."""
    parts = [s.outcomes[name] for s in sources if s.in_total]
    if any(p is None for p in parts):
        return None
    return [flag for part in parts for flag in part]


def _macro(sources: list[Source], name: str, goal: str) -> float | str | None:
    """The mean of the counted sources' shares (each source weighs the same)."""
    figures = [_figure(s.outcomes[name], goal) for s in sources if s.in_total and s.cases]
    if any(isinstance(f, str) for f in figures):
        return NOT_INSTALLED
    return round(sum(f["share"] for f in figures) / len(figures), 4) if figures else None


def _numbers_held(sources: list[Source]) -> dict:
    """Red-team support texts with numbers (order, port, IP ...) that were not published."""
    picked = [(s, i) for s in sources if s.in_total and s.name.startswith("red-team support")
              for i, c in enumerate(s.cases) if c.kind in NUMBER_KINDS]
    out = {"n": len(picked)}
    for name in SYSTEMS:
        if any(s.outcomes[name] is None for s, _ in picked):
            out[name] = NOT_INSTALLED
        else:
            out[name] = sum(not s.outcomes[name][i] for s, i in picked)
    return out


def class_report(cls: str, sources: list[Source]) -> dict:
    """A class's pooled figures and its sources."""
    goal, target = CLASSES[cls]
    mine = [s for s in sources if s.cls == cls]
    report = {"goal": goal, "target": target,
              "n": sum(len(s.cases) for s in mine if s.in_total),
              "systems": {name: _figure(_pooled(mine, name), goal) for name in SYSTEMS},
              "macro": {name: _macro(mine, name, goal) for name in SYSTEMS},
              "sources": {s.name: _source_report(s) for s in mine}}
    if cls == "ordinary":
        report["held_for_numbers_alone"] = _numbers_held(mine)
    return report


def hatecheck_report(data_dir, screener: Screener, flags: dict, limit: int | None) -> dict:
    """Every HateCheck functionality on its own, with what a brand forum expects of it."""
    cases = datasets.hatecheck_cases(data_dir)
    sources = []
    for kind in sorted({e.kind for e in cases}):
        cls = "abuse" if kind.endswith("_h") else "ordinary"
        sources.append(_source(kind, cls, [e for e in cases if e.kind == kind],
                               note=CLASSES[cls][0]))
    limit_sources(sources, limit)
    _run_engine(screener, sources)
    for name, flag in flags.items():
        _run_baseline(flag, sources, name)
    return {s.name: {**_source_report(s), "expected": s.note,
                     "must": bool(HATECHECK_MUST_BLOCK.match(s.name)
                                  or s.name in HATECHECK_MUST_PASS)} for s in sources}


def baseline_status(flags: dict) -> dict:
    """Which baselines ran, and which versions."""
    from importlib import metadata

    out = {}
    for name, package in ((ALT, "alt-profanity-check"), (BETTER, "better-profanity")):
        if flags.get(name) is None:
            out[name] = NOT_INSTALLED
        else:
            try:
                out[name] = metadata.version(package)
            except metadata.PackageNotFoundError:
                out[name] = "installed (other interpreter)"
    return out


def evaluate(data_dir: Path | str | None = None, *, model: ModelBundle | None = None,
             rules: RuleSet = DEFAULT_RULES, redteam: Path | str | None = DEFAULT_REDTEAM,
             sets_dir: Path | str | None = HAND_WRITTEN, limit: int | None = None,
             baseline_python: str | None = None) -> dict:
    """The per-class report (JSON-ready): classes, sources, HateCheck functionalities."""
    started = time.perf_counter()
    model = model if model is not None else default_model()
    settings = {"eval": (EVAL_CONFIG, EVAL_THREAD)}
    sources = public_sources(data_dir)
    if sets_dir and (Path(sets_dir) / "criticism.json").is_file():
        settings["hand"] = hand_setting(sets_dir)
        sources += (hand_written_sources(sets_dir) + identity_sources(sets_dir)
                    + criticism_sources(sets_dir))
    redteam_found = bool(redteam) and Path(redteam).is_file()
    if redteam_found:
        sources += redteam_sources(redteam)
    sources = [s for s in limit_sources(sources, limit) if s.cases]  # empty ones say nothing
    loaded = time.perf_counter()
    screener = Screener(model, rules, settings)
    _run_engine(screener, sources)
    screened = time.perf_counter()
    flags = {ALT: alt_profanity_check(baseline_python), BETTER: better_profanity()}
    for name, flag in flags.items():
        _run_baseline(flag, sources, name)
    baselined = time.perf_counter()
    report = {
        "engine": {"model": model.describe(), "ruleset_version": rules.version,
                   "brand_names": ["Brightwave"], "staff_names": ["Sam", "Mia"],
                   "allowed_domains": ["brightwave.example"]},
        "authors": {PARLEY0: _facts(TRUST0), PARLEY1: _facts(TRUST1)},
        "baselines": baseline_status(flags),
        "redteam": str(redteam) if redteam_found else f"not found: {redteam}",
        "limit": limit,
        "classes": {cls: class_report(cls, sources) for cls in CLASSES},
        "hatecheck_functionalities": hatecheck_report(data_dir, screener, flags, limit),
    }
    report["seconds"] = {"loading": round(loaded - started, 2),
                         "engine": round(screened - loaded, 2),
                         "baselines": round(baselined - screened, 2),
                         "total": round(time.perf_counter() - started, 2)}
    return report


def _facts(author: AuthorFacts) -> dict:
    """The author facts a column was screened with."""
    return {"trust_level": author.trust_level, "post_count": author.post_count,
            "account_age_days": author.account_age_days}


# ---------------------------------------------------------------- per-check precision and recall
# The earlier report (spam and Davidson only), kept for the engine tests that use it.

EVAL_AUTHOR, NEW_AUTHOR = TRUST1, TRUST0
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


# ---------------------------------------------------------------- the tables


COLUMNS = ("target", PARLEY0, PARLEY1, ALT, BETTER, "n")
HEADERS = ("target", "Parley trust 0", "Parley trust 1", "alt-profanity-check",
           "better-profanity", "n")


def _cell(figure) -> str:
    """A share as a percentage, or "not installed"."""
    if isinstance(figure, str) or figure.get("share") is None:
        return figure if isinstance(figure, str) else "-"
    return f"{100 * figure['share']:.1f}%"


def _row(label: str, target: str, figures: dict, n: int) -> str:
    """One Markdown table row."""
    return "| " + " | ".join([label, target] + [_cell(figures[s]) for s in SYSTEMS]
                             + [str(n)]) + " |"


def markdown_tables(report: dict) -> str:
    """The per-class table and the per-HateCheck-functionality table, in Markdown."""
    lines = ["| class / source | " + " | ".join(HEADERS) + " |",
             "|---" * (len(HEADERS) + 1) + "|"]
    for cls, block in report["classes"].items():
        target = f"{'>=' } {100 * block['target']:.0f}% {block['goal'].replace('_', ' ')}"
        lines.append(_row(f"**{cls}** (pooled)", target, block["systems"], block["n"]))
        for name, src in block["sources"].items():
            label = name if src["in_total"] else f"{name} (apart)"
            lines.append(_row(f"&nbsp;&nbsp;{label}", "", src["systems"], src["n"]))
        if "held_for_numbers_alone" in block:
            held = block["held_for_numbers_alone"]
            lines.append("| &nbsp;&nbsp;held for numbers alone (count) | 0 | " + " | ".join(
                str(held[s]) for s in SYSTEMS) + f" | {held['n']} |")
    lines += ["", "| HateCheck functionality | expected | " + " | ".join(HEADERS[1:]) + " |",
              "|---" * (len(HEADERS) + 1) + "|"]
    for name, src in report["hatecheck_functionalities"].items():
        expected = src["expected"].replace("_", " ") + (" (must)" if src["must"] else "")
        lines.append(_row(name, expected, src["systems"], src["n"]))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: print the report as JSON (and the tables with --table)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    report = run_from_args(args)
    print_report(report, table=args.table)
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options (shared with bench/moderation_eval.py)."""
    parser.add_argument("--data", default=None,
                        help="the public data folder (default: $PARLEY_DATA_DIR or ../shared/data)")
    parser.add_argument("--model", help="a saved model file (default: the cold-start model)")
    parser.add_argument("--redteam", default=str(DEFAULT_REDTEAM),
                        help="the red-team JSONL (only its split 'test' rows are scored)")
    parser.add_argument("--sets", default=str(HAND_WRITTEN),
                        help="folder with the hand-written sets (criticism.json, attacks.json,"
                        " the identity and criticism JSONL sets)")
    parser.add_argument("--limit", type=int, default=None,
                        help="score only the first N texts of each source (by hash)")
    parser.add_argument("--baseline-python", default=None,
                        help="run alt-profanity-check with this interpreter (another venv)")
    parser.add_argument("--table", action="store_true",
                        help="print the Markdown tables after the JSON")


def run_from_args(args: argparse.Namespace) -> dict:
    """Run the evaluation with parsed command-line options."""
    model = load_model(args.model) if args.model else None
    return evaluate(args.data, model=model, redteam=args.redteam, sets_dir=args.sets,
                    limit=args.limit, baseline_python=args.baseline_python)


def print_report(report: dict, *, table: bool) -> None:
    """The JSON report, then (optionally) the Markdown tables."""
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    if table:
        sys.stdout.write("\n" + markdown_tables(report))


if __name__ == "__main__":
    raise SystemExit(main())
