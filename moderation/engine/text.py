"""Text normalisation shared by the checks: undo obfuscation once, cheaply, before matching."""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

# Look-alike letters from other scripts folded to the Latin letter they imitate.
_HOMOGLYPHS = {
    # Cyrillic lower case
    "а": "a", "в": "b", "е": "e", "ё": "e", "г": "r", "к": "k", "м": "m", "н": "h", "о": "o",
    "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ц": "u", "ь": "b", "ѵ": "v",
    # Cyrillic upper case
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ԁ": "D", "Һ": "H",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z",
    "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y",
    "Χ": "X",
    # Latin look-alikes and typographic quotes
    "ı": "i", "ł": "l", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ɡ": "g", "ɑ": "a",
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
}
# Invisible characters used to split words so filters miss them.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_FOLD = str.maketrans({**{ord(k): v for k, v in _HOMOGLYPHS.items()}, **_INVISIBLE})

# Leet and symbol substitutions, applied only when they turn a token into a known word.
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                      "9": "g", "@": "a", "$": "s", "!": "i", "|": "i", "+": "t", "€": "e"})
MASK_CHARS = frozenset("*#%?_")

URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>()\[\]\"']+|\[[^\]]*\]\((https?://[^)\s]+)\)", re.IGNORECASE
)
# Starts with a character class (no lookbehind) so long texts are scanned quickly; the
# leftmost match already begins at the start of the local part.
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_BARE_TLDS = (
    "com|net|org|info|biz|io|co|xyz|top|online|site|store|shop|club|live|ru|cn|tk|ml|ga|cf|gq|"
    "ly|me|us|in|de|fr|uk|eu|link|click|win|bid|loan|work|vip|pw|cc|ws|su|today|icu|"
    # the top-level domains spam is registered under (Spamhaus's lists): a post rarely ends
    # a sentence with one of these words glued to the next
    "love|sex|bet|stream|download|agency|travel|fun|space|website|cam|dating|casino|poker|"
    "loans|money|cash|deals|sale|discount|reviews|buzz|gold"
)
_TLD_HINT = re.compile(rf"\.(?:{_BARE_TLDS})\b", re.IGNORECASE)
BARE_DOMAIN_RE = re.compile(
    rf"(?<![\w@./-])((?:[a-z0-9-]{{1,63}}\.)+(?:{_BARE_TLDS}))(?![\w-])(?:/[^\s<>()]*)?",
    re.IGNORECASE,
)


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@lru_cache(maxsize=256)
def lowered(text: str) -> str:
    """Entities decoded, folded and lower-cased, cached: the form every check reads.

    Every check of one submission asks for the same text, so only the first call does work.
    """
    return fold(clean_markup(text)).lower()


@lru_cache(maxsize=256)
def fold(text: str) -> str:
    """Fold homoglyphs, invisible characters, accents and compatibility forms to plain text.

    Cached: every check folds the same submission, and only the first call does the work.
    """
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


_RUNS = re.compile(r"(.)\1{2,}")


def squeeze(word: str, keep: int) -> str:
    """Shorten runs of three or more identical letters ("stuuupid") to `keep` letters."""
    return _RUNS.sub(lambda m: m.group(1) * keep, word)


def clean_markup(text: str) -> str:
    """Undo HTML entities so "&amp;" or "&#8220;" read as the characters they are."""
    return html.unescape(text) if "&" in text else text


_LOCAL_PART = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")


def email_spans(text: str) -> list[tuple[int, int]]:
    """Spans of e-mail addresses, found from each "@" (quick on long texts with none)."""
    spans: list[tuple[int, int]] = []
    at = text.find("@")
    while at != -1:
        start, floor = at, max(at - 64, spans[-1][1] if spans else 0)
        while start > floor and text[start - 1] in _LOCAL_PART:
            start -= 1
        match = EMAIL_RE.match(text, start, at + 256) if start < at else None
        if match and match.end() > at:
            spans.append(match.span())
        at = text.find("@", match.end() if match and match.end() > at else at + 1)
    return spans


def replace_emails(text: str, replacement: str) -> str:
    """The text with every e-mail address replaced."""
    out, last = [], 0
    for start, end in email_spans(text):
        out += [text[last:start], replacement]
        last = end
    return "".join(out) + text[last:]


def has_url(text: str) -> bool:
    """Cheap pre-check before running the URL pattern over a long text."""
    lowered = text.lower()
    return "http" in lowered or "www." in lowered or "](" in text


def extract_links(text: str) -> tuple[str, ...]:
    """Every link a reader could follow: URLs, www. addresses, markdown targets, bare domains."""
    links: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in URL_RE.finditer(text) if has_url(text) else ():
        links.append((match.group(1) or match.group(0)).rstrip(".,;:!?"))
        spans.append(match.span())
    for start, end in _bare_domains(text):
        if not any(s <= start < e for s, e in spans):
            links.append(text[start:end].rstrip(".,;:!?"))
    return tuple(links)


_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")


def _bare_domains(text: str) -> list[tuple[int, int]]:
    """Spans of domains written without a scheme ("cheap-meds.xyz/buy"), found from their TLD."""
    spans = []
    for match in _TLD_HINT.finditer(text):
        start, end = match.start(), match.end()
        while start > 0 and text[start - 1] in _DOMAIN_CHARS:
            start -= 1
        if start == match.start() or (start > 0 and text[start - 1] in "@/_") or (
                spans and start < spans[-1][1]):
            continue
        if text[match.start() + 1].isupper() and not text[start:match.end()].isupper():
            continue  # "Great service.Love it", "Thanks.Me too": a space left out, no domain
        while end < len(text) and text[end] in _DOMAIN_CHARS:
            end += 1
        while text[end - 1] in ".-":
            end -= 1
        if end < len(text) and text[end] == "/":
            while end < len(text) and not text[end].isspace() and text[end] not in "<>()":
                end += 1
        if BARE_DOMAIN_RE.fullmatch(text, start, end):
            spans.append((start, end))
    return spans


@lru_cache(maxsize=4096)
def domain_of(link: str) -> str:
    """The host of a link, lower-cased, without "www." or a port."""
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", link.strip().lower())
    host = re.split(r"[/?#:]", host, maxsplit=1)[0]
    return host[4:] if host.startswith("www.") else host


def domain_matches(domain: str, listed: frozenset[str]) -> bool:
    """True when the domain or one of its parents ("a.b.example.com" -> "example.com") is listed."""
    parts = domain.split(".")
    return any(".".join(parts[i:]) in listed for i in range(len(parts) - 1))


_SPACED_RUN = re.compile(
    r"(?<![^\s(\"'])((?:[^\s](?:[ .\-_*]| {2,4}(?=[^\s][ .\-_*][^\s])))"
    r"{3,}[^\s])(?![^\s)\"'.,!?])"
)
# Inside a spaced-out run, spaced punctuation ("q u i c k . . . t e l e g r a m") ends a word
# as two spaces do, and an "@" starts a handle ("t e l e g r a m @ w e a l t h"): read as
# "quick telegram @wealth", not "quicktelegram@wealth", so the contact and scam checks see it.
_SPACED_BREAK = re.compile(r"(?:(?<= )|^)[.,!?;:](?: [.,!?;:])*(?= |$)")
_SPACED_HANDLE = re.compile(r" @ ?(?=\w)")
_HINT_SINGLE = re.compile(r"(?<!\S)\S[ .\-_*]\S[ .\-_*]\S")
# a token of letters and look-alike characters with at least one of each (plain words, the
# most of any text, are not even offered to the decoder)
_LEET_TOKEN = re.compile(r"(?<![\w@$!|+€])(?=[a-z]*[0-9@$!|+€])[a-z0-9@$!|+€]*[a-z]"
                         r"[a-z0-9@$!|+€]*(?![\w@$!|+€])")


def collapse_spaced(text: str, known: frozenset[str] = frozenset()) -> str:
    """Rejoin words typed as spaced or dotted letters ("y o u  a r e  a n  i d i 0 t").

    A run of four or more single characters split by single separators is one word; two or
    more spaces between letters mark where a word ends; with no such gaps, a run that is not
    itself a known word is split into known words where it can be ("k i l l y o u"). Runs that
    are mostly digits are left alone: phone and card numbers keep their spacing.
    """
    if not _HINT_SINGLE.search(text):
        return text

    def join(match: re.Match) -> str:
        """One spaced-out run as the words it spells."""
        run = match.group(1)
        letters = sum(ch.isalpha() for ch in run)
        if letters < 3 or sum(ch.isdigit() for ch in run) * 2 > letters:
            return run
        words = [re.sub(r"[ .\-_*]", "", w) for w in re.split(r" {2,}", _SPACED_BREAK.sub(
            "  ", _SPACED_HANDLE.sub("  @", run)))]
        if len(words) == 1 and known:
            return " ".join(segment(unleet(words[0].lower(), known), known))
        return " ".join(w for w in words if w)
    return _SPACED_RUN.sub(join, text)


def segment(word: str, known: frozenset[str], longest: int = 12) -> list[str]:
    """Split a run of letters into known words ("killyou" -> kill you), fewest words first;
    the run itself when it is known or cannot be split."""
    if word in known or len(word) > 40:
        return [word]
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - longest), end):
            piece, before = word[start:end], best[start]
            if before is not None and piece in known and (
                    best[end] is None or len(before) + 1 < len(best[end])):
                best[end] = [*before, piece]
    return best[-1] or [word]


def unleet(text: str, known: frozenset[str]) -> str:
    """Letters standing in for digits and symbols ("1d10t", "f1nd y0u") read as the word they
    spell, but only when that word is known and the token as typed is not: serials, versions
    and error codes ("4k7x9", "3.2.14b", "0x80070005") stay as typed."""
    if not known or text.isalpha():
        return text

    def fix(match: re.Match) -> str:
        """One token, decoded if it spells a known word."""
        token = match.group(0)
        if token.isalpha() or token in known:
            return token
        decoded = token.translate(LEET)
        return decoded if decoded.isalpha() and decoded in known else token
    return _LEET_TOKEN.sub(fix, text)


# What support questions are full of and spam and abuse almost never contain: IP addresses,
# ports, error codes (not wallet addresses), version strings, network terms, and error names
# in capitals ("DNS_PROBE_FINISHED_NXDOMAIN"; case matters, "@agent_CEO" is a handle).
TECHNICAL = re.compile(
    r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])|\b(?:tcp|udp|ports?)\s*\d{2,5}\b"
    r"|\b(?:error|err|fault)\s*(?:code\s*)?[:#]?\s*[a-z]{0,3}-?\d{2,}\b|\b0x[0-9a-f]{6,16}\b"
    r"|(?<![\w.])v?\d+\.\d+\.\d+(?![\w.])|\b(?:firmware|dns|dhcp|ssid|wpa2?|wpa3|ipv[46]"
    r"|ethernet|subnet|upnp|nat type|mac address|mtu|traceroute)\b",
    re.IGNORECASE)
_ERROR_NAME = re.compile(r"(?<![\w@])[A-Z]{2,}(?:_[A-Z]{2,}){2,}(?!\w)")


def technical(text: str) -> bool:
    """True when a post reads like a technical support question or answer (TECHNICAL), its
    links and mentions aside."""
    text = text[:4000]
    if has_url(text):
        text = URL_RE.sub(" ", text)
    return bool(TECHNICAL.search(text) or _ERROR_NAME.search(text))


@lru_cache(maxsize=64)
def readable(low: str, known: frozenset[str]) -> str:
    """Lower-cased text with spaced-out letters joined and leetspeak undone into `known`
    words; cached, since the abuse checks and the classifiers both read it."""
    return unleet(collapse_spaced(low, known), known)
