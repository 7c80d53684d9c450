"""BM25F ranking and exact counts computed straight from a Whoosh index's posting blocks.

Whoosh's own matchers cost a dozen Python calls per matching document and per term; on
10,000 threads a three-word query spent ~100 ms there. Here each term's postings of a
segment are read once, a block at a time, and kept (segments never change; deletions are
applied per search), matches are found with set operations, and only the matching
documents are scored, in one tight loop. Same formula as Whoosh's BM25F, times the
document type's boost (forum.search.documents.boosts).
"""
from __future__ import annotations

import heapq
import math
import threading
from array import array
from collections import OrderedDict
from collections.abc import Sequence, Set
from dataclasses import dataclass

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

K1 = 1.2
B = 0.75
CACHED_POSTINGS = 2_000_000  # postings kept per process (about 16 MB as arrays)
CACHED_LENGTHS = 64  # (segment, field) length arrays kept


Boosts = Sequence[tuple[Set[int], float]]  # (index-wide document numbers, score factor)


@dataclass(frozen=True)
class Ranked:
    """How many documents matched, and the best of them as (score, docnum), best first."""

    total: int
    top: list[tuple[float, int]]


class PostingsCache:
    """Per-segment postings and field lengths, least recently used dropped first."""

    def __init__(self, limit: int = CACHED_POSTINGS):
        self.limit = limit
        self._postings: OrderedDict[tuple, tuple[array, array]] = OrderedDict()
        self._lengths: OrderedDict[tuple, array] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def postings(self, reader, field: str, text: str) -> tuple[array, array]:
        """(segment-local docnums, term frequencies) of a term in one segment."""
        key = (reader.segment().segment_id(), field, text)
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        found = _read_postings(reader, field, text)
        with self._lock:
            self._postings[key] = found
            self._size += len(found[0])
            while self._size > self.limit and len(self._postings) > 1:
                _, (ids, _w) = self._postings.popitem(last=False)
                self._size -= len(ids)
        return found

    def lengths(self, reader, field: str) -> array:
        """Every document's length of a field in one segment (read once per segment)."""
        key = (reader.segment().segment_id(), field)
        with self._lock:
            found = self._lengths.get(key)
        if found is None:
            found = array("f", (reader.doc_field_length(n, field, 0) or 0
                                for n in range(reader.doc_count_all())))
            with self._lock:
                self._lengths[key] = found
                while len(self._lengths) > CACHED_LENGTHS:
                    self._lengths.popitem(last=False)
        return found


def _read_postings(reader, field: str, text: str) -> tuple[array, array]:
    """All postings of a term in a segment, deleted documents included (they are removed
    per search), read block by block; the public matcher API as a fallback."""
    ids, weights = array("i"), array("f")
    try:
        matcher = reader.postings(field, text)
    except TermNotFound:
        return ids, weights
    leaf = matcher.child if isinstance(matcher, FilterMatcher) else matcher
    if isinstance(leaf, W3LeafMatcher):
        try:
            while leaf.is_active():
                leaf._read_ids()  # the current block, decoded at once
                leaf._read_weights()
                ids.extend(leaf._ids)
                weights.extend(leaf._weights)
                leaf._next_block()
            return ids, weights
        except AttributeError:  # Whoosh changed its internals: take the public road
            ids, weights = array("i"), array("f")
            leaf = reader.postings(field, text)
    while leaf.is_active():
        ids.append(leaf.id())
        weights.append(leaf.weight())
        leaf.next()
    return ids, weights


def rank(searcher, cache: PostingsCache, words: list[list[tuple[str, str, float]]], *,
         match_all: bool, allowed: set[int] | None, limit: int,
         boosts: Boosts = ()) -> Ranked:
    """Count and rank documents matching every word (match_all) or any word.

    words: per query word, its (field, stem, boost) alternatives; a word matches a document
    when any alternative does. boosts: (documents, factor) pairs; a matching document's
    score is multiplied by the factor of each set holding it (its document type's boost).
    """
    idf = {(f, t): _idf(searcher, f, t) for word in words for f, t, _b in word}
    avg = {f: searcher.avg_field_length(f) or 1.0 for word in words for f, _t, _b in word}
    total, heap = 0, []
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if reader.segment() is None:  # an empty index
            continue
        matched, terms = _segment_matches(reader, cache, words, match_all=match_all)
        if reader.has_deletions():
            matched -= reader.deleted_docs_set
        if allowed is not None:
            matched = {n for n in matched if n + offset in allowed}
        total += len(matched)
        if matched:
            scored = _scores(reader, cache, matched, terms, idf, avg)
            _boost(scored, boosts, offset)
            for docnum, score in scored.items():
                _push(heap, (score, -(docnum + offset)), limit)
    top = [(score, -neg) for score, neg in sorted(heap, reverse=True)]
    return Ranked(total=total, top=top)


def _segment_matches(reader, cache: PostingsCache, words, *, match_all: bool):
    """The segment's documents matching the words, and each (field, stem, boost)'s postings."""
    per_word, terms = [], []
    for word in words:
        docs: set[int] = set()
        for field, stem, boost in word:
            ids, weights = cache.postings(reader, field, stem)
            if ids:
                docs.update(ids)
                terms.append((field, stem, boost, ids, weights))
        per_word.append(docs)
    if not per_word:
        return set(), terms
    if match_all:
        per_word.sort(key=len)
        matched = per_word[0].intersection(*per_word[1:])
    else:
        matched = set().union(*per_word)
    return matched, terms


def _scores(reader, cache: PostingsCache, matched: set[int], terms, idf, avg) -> dict:
    """BM25F: sum over matching terms of boost * idf * tf(K1+1) / (tf + K1(1-B+B*len/avg))."""
    scores = dict.fromkeys(matched, 0.0)
    for field, stem, boost, ids, weights in terms:
        lengths = cache.lengths(reader, field)
        factor, norm = boost * idf[(field, stem)] * (K1 + 1), K1 * B / avg[field]
        base = K1 * (1 - B)
        for docnum, tf in zip(ids, weights, strict=True):
            if docnum in scores:
                scores[docnum] += factor * tf / (tf + base + norm * lengths[docnum])
    return scores


def _boost(scores: dict[int, float], boosts: Boosts, offset: int) -> None:
    """Multiply the scores of boosted documents, walking whichever side is smaller."""
    for docs, factor in boosts:
        if len(docs) < len(scores):
            for docnum in docs:
                local = docnum - offset
                if local in scores:
                    scores[local] *= factor
        else:
            for local in scores:
                if local + offset in docs:
                    scores[local] *= factor


def _idf(searcher, field: str, text: str) -> float:
    """Whoosh's idf: log(N / (df + 1)) + 1 (0 for an empty index, which matches nothing)."""
    total = searcher.doc_count_all()
    if total <= 0:
        return 0.0
    return math.log(total / (searcher.doc_frequency(field, text) + 1)) + 1


def _push(heap: list, item: tuple[float, int], limit: int) -> None:
    if len(heap) < limit:
        heapq.heappush(heap, item)
    elif item > heap[0]:
        heapq.heapreplace(heap, item)
