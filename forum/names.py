"""Names people cannot use to pass for someone else: pure str -> str, no Flask, no database.

Two names collide when their *skeletons* are equal. A skeleton follows Unicode's UTS #39
idea (confusable characters map to one prototype; the table is confusable-homoglyphs', built
from Unicode's confusables.txt) and adds what a reader of a forum also cannot tell apart:
case, separators (`sam.`, `sam_`, `s-a-m`), accents, digits that stand for letters (`s4m`,
`m0d`) and letter pairs that read as one (`rn` / `m`, `vv` / `w`).

Display names are free text, so they are cleaned first: NFKC, no control, format (zero-width,
right-to-left override), private-use or unassigned characters, one space between words.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from confusable_homoglyphs.confusables import confusables_data

# Digits and signs that stand for letters in names; `1`, `I` and `|` join `l` (sans-serif).
_ASCII_LOOKALIKES = str.maketrans({
    "0": "o", "1": "l", "I": "l", "|": "l", "!": "l", "3": "e", "4": "a", "@": "a",
    "5": "s", "$": "s", "7": "t", "8": "b", "9": "g",
})
_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_SEPARATORS = re.compile(r"[\s._\-'`´‘’\"()\[\]{}<>,:;/\\*~+=#^&%?]+")
# Categories a display name never needs: controls (NUL...), format characters (zero-width,
# bidi overrides), surrogates, private use, unassigned, line and paragraph separators.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Marks that read as an endorsement or a badge when they sit in a name.
_BADGES = frozenset("✓✔☑✅🗸🗹🛡👮🔰Ⓜ®©™")

# Words that claim a role: whole words of the name, or anywhere for the unambiguous ones.
ROLE_WORDS = frozenset({
    "admin", "administrator", "moderator", "mod", "mods", "staff", "support", "official",
    "helpdesk", "employee", "verified", "sysop",
})
ROLE_SUBSTRINGS = ("moderator", "administrator", "helpdesk", "customerservice",
                   "customersupport", "supportteam", "staffmember")


@lru_cache(maxsize=4096)
def _prototype(char: str) -> str:
    """The ASCII letter or digit a character is confusable with, else the character itself."""
    if char.isascii():
        return char
    for glyph in confusables_data.get(char, ()):
        candidate = glyph["c"].replace("\u200e", "")
        if candidate.isascii() and candidate.isalnum():
            return candidate
    return char


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _folded(name: str) -> str:
    """Prototype letters, lower case, no accents; separators and digits still in place."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in text if unicodedata.category(c) not in _DROPPED_CATEGORIES)
    text = "".join(_prototype(c) for c in _strip_accents(text))
    return unicodedata.normalize("NFKC", text)


def skeleton(name: str) -> str:
    """What a name looks like to a reader: equal skeletons are names people confuse."""
    text = _SEPARATORS.sub("", _folded(name)).translate(_ASCII_LOOKALIKES).casefold()
    for pair, single in _PAIRS:
        text = text.replace(pair, single)
    return text


def _coarse(name: str) -> str:
    """The skeleton with `i` joining `l` and `1`: for finding a word inside a name (`BR1GHT`),
    where a near miss costs a member one more try, not their name."""
    return skeleton(name).replace("i", "l")


def clean_display_name(raw: str, limit: int = 64) -> str:
    """NFKC, no invisible or control characters, single spaces, at most `limit` characters."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(
        " " if c.isspace() else c
        for c in text
        if c.isspace() or unicodedata.category(c) not in _DROPPED_CATEGORIES
    )
    return " ".join(text.split())[:limit].strip()


def _words(name: str) -> set[str]:
    folded = _folded(name).casefold()
    words = set(re.findall(r"[a-z]+", folded))
    words |= set(re.findall(r"[a-z]+", folded.translate(_ASCII_LOOKALIKES)))
    return words


def claims(name: str, brand_names: Iterable[str] = ()) -> str | None:
    """What the name claims to be ("a staff role", "the brand", "a badge"), or None."""
    if any(c in _BADGES for c in unicodedata.normalize("NFKC", name)):
        return "a badge"
    words = _words(name)
    joined = _coarse(name)
    if words & ROLE_WORDS or any(_coarse(s) in joined for s in ROLE_SUBSTRINGS):
        return "a staff role"
    for brand in brand_names:
        brand_key = _coarse(brand)
        if len(brand_key) >= 3 and brand_key in joined:
            return "the brand"
    return None
