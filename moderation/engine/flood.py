"""Near-duplicate flood detection: the same text posted again and again across threads/accounts.

Texts become sets of word shingles; MinHash signatures estimate the Jaccard similarity of two
sets, and locality-sensitive hashing (bands of the signature) finds candidates without
comparing against every stored text. The caller keeps one FloodIndex per process (or rebuilds
it from recent posts at start-up) and passes it to every screen() call.
"""
from __future__ import annotations

import operator
import re
import threading
import zlib
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np

from .text import lowered
from .types import as_utc

_MERSENNE = np.uint64((1 << 61) - 1)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class FloodEntry:
    """One remembered submission: who posted it, where, when, and its signature."""

    author_id: int | str | None
    thread_id: int | str | None
    at: float
    signature: tuple[int, ...]


MAX_WORDS = 200  # a flood is recognisable from its first couple of hundred words


def words(text: str) -> list[str]:
    """Lower-case words with links and punctuation gone, so trivial edits do not hide a copy."""
    text = lowered(text)[:MAX_WORDS * 16]
    if "http" in text or "www." in text:
        text = re.sub(r"https?://\S+|www\.\S+", " link ", text)
    return _WORD.findall(text)[:MAX_WORDS]


@lru_cache(maxsize=65536)
def _word_hash(word: str) -> int:
    """A stable 32-bit hash of one word (the same in every process)."""
    return zlib.crc32(word.encode("utf-8"))


def shingles(tokens: list[str]) -> set[int]:
    """32-bit hashes of overlapping word triples (or of the whole text when shorter).

    Built from per-word CRC32s so the values are the same in every process and run.
    """
    hashes = [_word_hash(t) for t in tokens]
    if len(hashes) < 3:
        return {sum(h * 31 ** i for i, h in enumerate(hashes)) & 0xFFFFFFFF}
    triples = zip(hashes, hashes[1:], hashes[2:], strict=False)
    return {(a * 0x9E3779B1 + b * 0x85EBCA77 + c) & 0xFFFFFFFF for a, b, c in triples}


def jaccard(a: set[int], b: set[int]) -> float:
    """Exact Jaccard similarity of two shingle sets."""
    return len(a & b) / len(a | b) if a and b else 0.0


class FloodIndex:
    """A bounded, time-windowed MinHash LSH index of recent submissions (thread-safe)."""

    def __init__(self, *, num_perm: int = 32, bands: int = 8, window_seconds: int = 86400,
                 max_entries: int = 50_000, seed: int = 20240501):
        if num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        rng = np.random.default_rng(seed)
        self._a = rng.integers(1, (1 << 31) - 1, size=num_perm, dtype=np.uint64)
        self._b = rng.integers(0, (1 << 31) - 1, size=num_perm, dtype=np.uint64)
        self.bands, self.rows = bands, num_perm // bands
        self.window_seconds = window_seconds
        self.max_entries = max_entries
        self._entries: deque[FloodEntry] = deque()
        self._buckets: dict[tuple, list[FloodEntry]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def signature(self, shingle_set: set[int]) -> tuple[int, ...]:
        """The MinHash signature: for each hash function, the minimum over the shingles."""
        values = np.fromiter(shingle_set, dtype=np.uint64, count=len(shingle_set))
        hashed = (np.outer(values, self._a) + self._b) % _MERSENNE
        return tuple(int(v) for v in hashed.min(axis=0))

    def _band_keys(self, signature: tuple[int, ...]) -> list[tuple]:
        """One bucket key per band of rows."""
        r = self.rows
        return [(band, *signature[band * r:(band + 1) * r]) for band in range(self.bands)]

    def signature_of(self, text: str) -> tuple[int, ...]:
        """The signature of a text, to pass to similar() and add() when calling both."""
        return self.signature(shingles(words(text)))

    def add(self, text: str = "", *, author_id=None, thread_id=None,
            at: datetime | None = None, signature: tuple[int, ...] | None = None) -> None:
        """Remember a submission (call once per submission, whatever the verdict)."""
        signature = signature or self.signature_of(text)
        entry = FloodEntry(author_id, thread_id, as_utc(at).timestamp(), signature)
        with self._lock:
            self._expire(entry.at)
            self._entries.append(entry)
            for key in self._band_keys(entry.signature):
                self._buckets.setdefault(key, []).append(entry)

    def similar(self, text: str = "", *, at: datetime | None = None, threshold: float = 0.8,
                signature: tuple[int, ...] | None = None) -> list[FloodEntry]:
        """Remembered submissions in the window whose estimated similarity is >= threshold."""
        now = as_utc(at).timestamp()
        signature = signature or self.signature_of(text)
        with self._lock:
            self._expire(now)
            candidates = {id(e): e for key in self._band_keys(signature)
                          for e in self._buckets.get(key, ())}
        needed = threshold * len(signature)
        return [e for e in candidates.values()
                if sum(map(operator.eq, e.signature, signature)) >= needed]

    def _expire(self, now: float) -> None:
        """Forget entries older than the window, and the oldest beyond max_entries."""
        entries = self._entries
        while entries and (entries[0].at < now - self.window_seconds
                           or len(entries) > self.max_entries):
            old = entries.popleft()
            for key in self._band_keys(old.signature):
                bucket = self._buckets.get(key)
                if bucket:
                    bucket.remove(old)
                    if not bucket:
                        del self._buckets[key]
