"""What customers type, folded to one form before either backend sees it.

"Wi-Fi", "wi fi" and "WiFi" are one word, as are "log in" / "login" and "e-mail" / "email";
British spellings become American ones (breame's table of 1,700 pairs: "colour", "cancelled",
"centre"); plurals and tenses are the stemmers' work. Documents keep their own words and gain
the folded ones, so "log" still finds "log in"; a query is replaced by its folded form.

Staff synonyms ("router", "hub") widen a query word to its group at query time, so an edit
takes effect at once, with no reindex. VERSION names this folding: an index built under
another one is stale, and `flask search sync` rebuilds it.
"""
from __future__ import annotations

import functools
import re

from breame.data.spelling_constants import (
    AMERICAN_ENGLISH_SPELLINGS,
    BRITISH_ENGLISH_SPELLINGS,
)

VERSION = 2  # 1: no folding (before this module)

# Compounds customers write as one word, two words or with a hyphen ("set up" / "setup").
COMPOUNDS = (
    "wi fi", "e mail", "log in", "log on", "log out", "sign in", "sign up", "sign out",
    "set up", "back up", "check out", "add on", "on line", "off line", "user name",
    "pass word", "pass code", "voice mail", "smart phone", "lap top", "web site", "web page",
    "touch screen", "plug in", "pop up", "start up", "e book", "hot spot", "blue tooth",
    "pre order", "re install", "un install", "re boot", "re start", "play list", "set top",
    "head phones", "ear buds", "down load", "up load", "up grade", "down grade", "time out",
    "work around", "cash back", "pay pal", "fire wall", "net flix", "you tube", "chrome cast",
    "air pods", "power line", "data base", "dash board", "mother board", "key board",
    "touch pad", "track pad", "screen shot", "wall paper", "ring tone", "lock screen",
    "home page", "check box", "drop down", "e sim", "e commerce", "multi room",
)
_COMPOUND = re.compile(
    r"\b(" + "|".join(rf"{a}[\s_-]*{b}" for a, b in (c.split() for c in COMPOUNDS)) + r")\b",
    re.IGNORECASE,
)
_JOINED = frozenset(c.replace(" ", "") for c in COMPOUNDS)
_HYPHENATED = re.compile(r"\b([^\W\d_]+)-([^\W\d_]+)\b")
_LETTERS = re.compile(r"[^\W\d_]+")
_WORD = re.compile(r"[^\W_]+")  # what forum.search.base.query_words keeps as one word
_BRITISH = frozenset(BRITISH_ENGLISH_SPELLINGS)


def fold_document(text: str) -> str:
    """The text with every folded form added: compounds and hyphenated words also joined
    ("Wi-Fi wifi"), British spellings replaced by American ones."""
    if not text:
        return ""
    text = _COMPOUND.sub(lambda m: f"{m.group(0)} {_join(m.group(0))}", text)
    text = _HYPHENATED.sub(r"\1-\2 \1\2", text)
    return _american(text)


def fold_query(text: str) -> str:
    """The query in folded form: compounds joined, American spellings; a hyphenated word that
    is no known compound stays two words, as it was indexed."""
    if not text:
        return ""
    return _american(_COMPOUND.sub(lambda m: _join(m.group(0)), text))


def _join(compound: str) -> str:
    return re.sub(r"[\s_-]+", "", compound).lower()


def _american(text: str) -> str:
    """British words replaced, found by a set intersection first: most texts have none."""
    found = {w.lower() for w in _LETTERS.findall(text)} & _BRITISH
    if not found:
        return text
    pattern = _british_pattern(frozenset(found))
    return pattern.sub(lambda m: BRITISH_ENGLISH_SPELLINGS[m.group(0).lower()], text)


@functools.lru_cache(maxsize=4096)
def _british_pattern(words: frozenset[str]) -> re.Pattern:
    return re.compile(r"\b(" + "|".join(sorted(words, key=len, reverse=True)) + r")\b",
                      re.IGNORECASE)


def written_forms(word: str) -> list[str]:
    """Other ways the folded word may be written in a text, as regular expressions: the
    compound's spaced and hyphenated forms, the British spelling. For marking matches."""
    forms = []
    if word in _JOINED:
        first, second = next(c.split() for c in COMPOUNDS if c.replace(" ", "") == word)
        forms.append(rf"{re.escape(first)}[\s_-]*{re.escape(second)}")
    british = AMERICAN_ENGLISH_SPELLINGS.get(word)
    if british:
        forms.append(re.escape(british))
    return forms


# -- synonyms ----------------------------------------------------------------------------------
MAX_GROUP_TERMS = 12
MAX_TERM_CHARS = 40


def parse_group(text: str) -> list[str]:
    """A synonym group as staff type it ("router, hub, gateway"): folded, lower-cased, each
    term once, in the order given. Raises ValueError with a message for the form."""
    terms = []
    for raw in re.split(r"[,\n;]+", text or ""):
        term = " ".join(fold_query(raw).lower().split())
        if not term:
            continue
        if " " in term:
            raise ValueError(f"“{raw.strip()}” is more than one word. Write each synonym as "
                             f"one word; compounds such as “log in” or “Wi-Fi” are already "
                             f"folded for you.")
        if len(term) > MAX_TERM_CHARS or not _WORD.fullmatch(term):
            raise ValueError(f"“{raw.strip()[:MAX_TERM_CHARS]}” is not a word search can use.")
        if term not in terms:
            terms.append(term)
    if len(terms) < 2:
        raise ValueError("A synonym group needs at least two words, separated by commas.")
    if len(terms) > MAX_GROUP_TERMS:
        raise ValueError(f"A group holds at most {MAX_GROUP_TERMS} words; split it in two.")
    return terms
