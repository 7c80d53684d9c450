"""Text helpers with no database: query normalisation for the anonymous search log, grouping
keys, slugs, tags and a line diff for article history."""
from __future__ import annotations

import difflib
import re
import unicodedata

from whoosh.analysis import StemmingAnalyzer

MAX_QUERY = 200
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.I)
_LONG_NUMBER = re.compile(r"(?<!\w)\+?\d(?:[\d\s().-]{3,}\d)(?!\w)")
_NOT_WORD = re.compile(r"[^\w\s'\[\]-]+")
_SPACES = re.compile(r"\s+")
# English stop words (PostgreSQL's list) plus question words, so the key keeps what was asked
STOP_WORDS = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves what which who whom this that
these those am is are was were be been being have has had having do does did doing a an the and
but if or because as until while of at by for with about against between into through during
before after above below to from up down in out on off over under again further then once here
there when where why how all any both each few more most other some such no nor not only own
same so than too very s t can will just don should now could would get cant wont dont im
""".split())
_ANALYZER = StemmingAnalyzer(stoplist=STOP_WORDS)


def normalise_query(text: str) -> str:
    """What the log keeps of a query: lower-cased, single-spaced, punctuation dropped, and
    emails, links and long numbers (phones, orders, cards) masked, so no personal data stays."""
    text = "".join(ch if ch.isprintable() else " " for ch in text or "")
    text = unicodedata.normalize("NFKC", text).lower()
    text = _EMAIL.sub(" [email] ", text)
    text = _URL.sub(" [link] ", text)
    text = _LONG_NUMBER.sub(lambda m: " [number] " if _digits(m.group()) >= 5 else m.group(), text)
    text = _NOT_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()[:MAX_QUERY]


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def query_key(normalised: str) -> str:
    """A grouping key: stemmed words without stop words, sorted, so 'reset my password' and
    'password resetting' count as one gap."""
    stems = sorted({token.text for token in _ANALYZER(normalised)})
    return " ".join(stems)[:MAX_QUERY] or normalised


def slugify(text: str, max_chars: int = 80) -> str:
    """A readable URL slug: ASCII words joined by hyphens, cut at a word boundary."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_chars:
        slug = slug[:max_chars].rsplit("-", 1)[0]
    return slug


def clean_tags(raw: str, *, limit: int = 10) -> str:
    """Tags as given ('Billing, wifi , WiFi') to a tidy comma list ('billing, wifi')."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,;\n]", raw or ""):
        tag = re.sub(r"[^\w -]+", "", part).strip().lower()[:30]
        if tag:
            seen.setdefault(tag, None)
    return ", ".join(list(seen)[:limit])


def line_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(kind, line) pairs of a unified diff; kind is add, del, same or hunk."""
    kinds = {"+": "add", "-": "del", " ": "same", "@": "hunk"}
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)
    return [(kinds[line[0]], line if line[0] == "@" else line[1:])
            for line in lines if not line.startswith(("---", "+++"))]
