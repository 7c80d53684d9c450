"""Private data check: find card numbers, IBANs, account numbers, national IDs, e-mails and
phones, and redact them.

Each detector validates what the pattern finds (Luhn and issuer ranges for cards, mod-97 and
country length for IBANs, numbering rules for IDs and phones) and respects labels: a number
introduced as an order, ticket or tracking number is not a phone. Version strings, error codes,
IP addresses, speeds, dates and times never match.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .text import email_spans

REPLACEMENTS = {
    "card": "[card number removed]",
    "iban": "[bank account removed]",
    "account": "[account number removed]",
    "national_id": "[ID number removed]",
    "email": "[email removed]",
    "phone": "[phone number removed]",
}
PRIORITY = ("card", "iban", "account", "national_id", "email", "phone")
_ANY_DIGITS = re.compile(r"\d\d")


@dataclass(frozen=True)
class PiiMatch:
    """One piece of private data found in a text, by character span."""

    kind: str
    start: int
    end: int

    @property
    def check(self) -> str:
        """The name of the check that found it, as the rules refer to it."""
        return f"pii.{self.kind}"


# ---------------------------------------------------------------- labels around numbers

_NOT_PERSONAL_LABELS = re.compile(
    r"\b(?:order|orders|tracking|track|invoice|ticket|case|ref|reference|serial|s/n|sn|model|sku|"
    r"part|po|confirmation|booking|imei|build|version|ver|kb|error|code|err|id|transaction|"
    r"receipt|item|product|package|parcel|shipment|claim|incident|request|job)\b"
    r"(?:\s*(?:number|no\.?|num|nr|id|#|:|is|was|reads))*\s*[#:]?\s*$",
    re.IGNORECASE,
)
_PHONE_CONTEXT = re.compile(
    r"\b(?:call|calling|phone|tel|telephone|mobile|cell|whatsapp|text|sms|ring|dial|fax|reach|"
    r"contact|number|helpline|hotline|ph|mob)\b", re.IGNORECASE)
_SSN_CONTEXT = re.compile(r"\b(?:ssn|social security)\b", re.IGNORECASE)
_NINO_CONTEXT = re.compile(r"\b(?:ni|nino|national insurance)\b", re.IGNORECASE)


def _labelled_not_personal(text: str, start: int) -> bool:
    """True when the words right before a number say it is an order, ticket, error... number."""
    return _NOT_PERSONAL_LABELS.search(text[max(0, start - 30):start]) is not None


def _context(pattern: re.Pattern, text: str, start: int, width: int = 40) -> bool:
    """True when a context word appears shortly before a position."""
    return pattern.search(text[max(0, start - width):start]) is not None


# ---------------------------------------------------------------- payment cards

# A number ends at anything but a letter, a digit or a decimal part: a full stop, comma or
# closing bracket after it ends the sentence ("my card is 4111 1111 1111 1111.").
_NUMBER_END = r"(?!\w)(?!\.\d)"
# Patterns start with a character class (lookbehinds come after it) so the regex engine can
# skip quickly to candidate positions in long texts.
_CARD_RE = re.compile(
    r"\d(?<![\w#.-]\d)(?<!\d[ -]\d)"
    r"(?:\d{3}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{3}([ -])\d{6}\2\d{4,5}|\d{12,18})"
    rf"{_NUMBER_END}(?![ -]\d)"
)


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def issuer_valid(digits: str) -> bool:
    """True when the leading digits and length belong to a real card scheme."""
    n, p2, p4 = len(digits), int(digits[:2]), int(digits[:4])
    if digits[0] == "4":
        return n in (13, 16, 19)                                   # Visa
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720 or 2200 <= p4 <= 2204:
        return n == 16                                             # Mastercard, Mir
    if p2 in (34, 37):
        return n == 15                                             # American Express
    if p2 in (36, 38, 39) or 300 <= int(digits[:3]) <= 305:
        return 14 <= n <= 19                                       # Diners Club
    if 3528 <= p4 <= 3589 or p2 in (62, 65) or p4 == 6011 or 644 <= int(digits[:3]) <= 649:
        return 16 <= n <= 19                                       # JCB, UnionPay, Discover
    if p2 == 50 or 56 <= p2 <= 69:
        return 13 <= n <= 19                                       # Maestro
    return False


def _cards(text: str) -> list[PiiMatch]:
    """Luhn-valid numbers of a real card scheme, grouped as cards are written."""
    found = []
    for m in _CARD_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if luhn_valid(digits) and issuer_valid(digits):
            found.append(PiiMatch("card", m.start(), m.end()))
    return found


# ---------------------------------------------------------------- IBANs

IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}
# Found from its check digits (a digit prefix scans fast), looking back at the country code.
_IBAN_START = re.compile(r"\d(?<=(?<![A-Za-z0-9])[A-Za-z]{2}\d)\d")


def iban_valid(compact: str) -> bool:
    """The ISO 13616 check: known country length and mod-97 remainder of 1."""
    compact = compact.upper()
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _ibans(text: str) -> list[PiiMatch]:
    """IBANs written compact or in groups of four, in either case."""
    found = []
    for m in _IBAN_START.finditer(text):
        start = m.start() - 2
        length = IBAN_LENGTHS.get(text[start:m.start()].upper())
        if length:
            end = _consume_iban(text, start, length)
            if end and iban_valid(re.sub(r"[ -]", "", text[start:end])):
                found.append(PiiMatch("iban", start, end))
    return found


def _consume_iban(text: str, start: int, length: int) -> int | None:
    """End of `length` alphanumerics from `start`, allowing single spaces or dashes between."""
    count, i = 0, start
    while i < len(text) and count < length:
        ch = text[i]
        if ch.isalnum() and ch.isascii():
            count += 1
        elif not (ch in " -" and count and i + 1 < len(text) and text[i + 1].isalnum()):
            return None
        i += 1
    if count < length or (i < len(text) and text[i].isalnum()):
        return None
    return i


# ---------------------------------------------------------------- national IDs

_SSN_RE = re.compile(rf"\d(?<![\w#.-]\d)\d\d([- ]?)\d\d\1\d{{4}}{_NUMBER_END}(?!-)")
# National Insurance: found from its digits, then the two prefix letters are checked.
_NINO_RE = re.compile(
    r"\d(?<=(?<![A-Za-z0-9])[A-Za-z]{2} \d)\d ?\d\d ?\d\d ?[A-Da-d](?![A-Za-z0-9])"
    r"|\d(?<=(?<![A-Za-z0-9])[A-Za-z]{2}\d)\d ?\d\d ?\d\d ?[A-Da-d](?![A-Za-z0-9])")
_NINO_PREFIX = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]", re.IGNORECASE)
_NINO_BARRED = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def ssn_valid(number: str) -> bool:
    """US Social Security rules: no 000, 666 or 9xx area, no 00 group, no 0000 serial."""
    digits = re.sub(r"\D", "", number)
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in {"000", "666"} and area[0] != "9" and group != "00" and serial != "0000"


def _ssn_context(text: str, match: re.Match) -> bool:
    """Written 123-45-6789 it is an SSN unless labelled otherwise; bare, only when labelled."""
    if match.group(1):
        return not _labelled_not_personal(text, match.start())
    return _context(_SSN_CONTEXT, text, match.start())


def _nino_match(text: str, match: re.Match) -> PiiMatch | None:
    """A National Insurance number ending at this digit run, if its prefix letters are valid.

    Upper case is taken as it is; lower case needs "NI" or "National Insurance" nearby.
    """
    start = match.start() - (3 if text[match.start() - 1] == " " else 2)
    prefix, whole = text[start:start + 2], text[start:match.end()]
    if not _NINO_PREFIX.fullmatch(prefix) or prefix.upper() in _NINO_BARRED:
        return None
    if not (whole.isupper() or _context(_NINO_CONTEXT, text, start)):
        return None
    return PiiMatch("national_id", start, match.end())


def _national_ids(text: str) -> list[PiiMatch]:
    """US Social Security numbers and UK National Insurance numbers."""
    found = [PiiMatch("national_id", m.start(), m.end()) for m in _SSN_RE.finditer(text)
             if ssn_valid(m.group(0)) and _ssn_context(text, m)]
    found += [n for m in _NINO_RE.finditer(text) if (n := _nino_match(text, m))]
    return found


# ---------------------------------------------------------------- e-mail addresses


def _emails(text: str, allowed_domains: frozenset[str]) -> list[PiiMatch]:
    """E-mail addresses, except at domains the brand publishes (its own support address)."""
    return [PiiMatch("email", start, end) for start, end in email_spans(text)
            if text[start:end].rsplit("@", 1)[1].lower() not in allowed_domains]


# ---------------------------------------------------------------- phone numbers

_PHONE_RE = re.compile(
    r"[+(\d](?<![\w.+#/:-][+(\d])(?<!\w\d)\(?[\d ().-]{5,21}\d(?![\w/])(?!\.\d)(?!:\d)")
_DATE_SHAPES = {(4, 2, 2), (2, 2, 4), (2, 2, 2), (1, 2, 4), (2, 1, 4), (1, 1, 4), (4, 1, 1),
                (4, 2, 1), (4, 1, 2)}


def _phones(text: str, official: frozenset[str]) -> list[PiiMatch]:
    """International, North American and European phone numbers, and labelled local ones."""
    found = []
    for m in _PHONE_RE.finditer(text):
        raw = m.group(0).rstrip(" .-(")
        if _is_phone(text, m.start(), raw) and _digits(raw)[-10:] not in official:
            found.append(PiiMatch("phone", m.start(), m.start() + len(raw)))
    return found


def _digits(raw: str) -> str:
    """Only the digits of a number, without an international 00 prefix."""
    digits = re.sub(r"\D", "", raw)
    return digits[2:] if raw.startswith("00") else digits


def _is_phone(text: str, start: int, raw: str) -> bool:
    """Decide whether a run of digits and separators is a phone number."""
    digits = _digits(raw)
    groups = tuple(len(g) for g in re.split(r"[ ().-]+", raw.strip("+()")) if g)
    if raw.startswith("+") or raw.startswith("00"):
        return 8 <= len(digits) <= 15
    if groups in _DATE_SHAPES or _labelled_not_personal(text, start):
        return False
    if "." in raw and groups not in {(3, 3, 4), (1, 3, 3, 4), (2, 2, 2, 2, 2)}:
        return False
    if _north_american(digits, groups) or _european_local(digits, groups):
        return True
    return 7 <= len(digits) <= 13 and _context(_PHONE_CONTEXT, text, start, 30)


def _north_american(digits: str, groups: tuple[int, ...]) -> bool:
    """(NPA) NXX-XXXX with valid area and exchange codes, optionally after a 1."""
    if len(digits) == 11 and digits[0] == "1":
        digits, groups = digits[1:], groups[1:] if groups and groups[0] == 1 else groups
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return False
    return groups in {(3, 3, 4), (3, 7)}


def _european_local(digits: str, groups: tuple[int, ...]) -> bool:
    """National numbers with a trunk 0 (UK 020 7946 0958, 07700 900123, FR 06 12 34 56 78)."""
    if not digits.startswith("0") or digits.startswith("00") or not 10 <= len(digits) <= 11:
        return False
    if len(groups) == 1:
        return digits.startswith("07") and len(digits) == 11
    return len(groups) <= 5 and min(groups) >= 2


# ---------------------------------------------------------------- account numbers

# A customer, account or membership number is only recognisable by its label: six or more
# digits right after "account number (is)", "acct no.", "customer #", "member ID"...
_ACCOUNT_RE = re.compile(
    r"\b(?:account|acct|a/c|customer|membership|member)"
    r"(?:\s*(?:number|no\.?|num|nr|id|#))?(?:\s+(?:is|was))?\s*[:#]?\s*\(?"
    rf"(\d(?:[ -]?\d){{5,19}}){_NUMBER_END}(?![ -]\d)",
    re.IGNORECASE,
)


def _accounts(text: str) -> list[PiiMatch]:
    """Labelled customer and account numbers (the label stays, the digits go)."""
    return [PiiMatch("account", m.start(1), m.end(1)) for m in _ACCOUNT_RE.finditer(text)]


# ---------------------------------------------------------------- all together


def find_pii(text: str, *, allowed_email_domains: frozenset[str] = frozenset(),
             official_numbers: frozenset[str] = frozenset(),
             contacts_allowed: bool = False) -> list[PiiMatch]:
    """All private data in a text, without overlaps, in order of position.

    `contacts_allowed` (staff posting the brand's own contact details) skips e-mails and phones.
    """
    candidates: list[PiiMatch] = []
    digits = _ANY_DIGITS.search(text) is not None
    if digits:
        candidates += _cards(text) + _ibans(text) + _accounts(text) + _national_ids(text)
    if not contacts_allowed:
        if "@" in text:
            candidates += _emails(text, allowed_email_domains)
        if digits:
            candidates += _phones(text, official_numbers)
    candidates.sort(key=lambda p: (p.start, PRIORITY.index(p.kind), -(p.end - p.start)))
    chosen: list[PiiMatch] = []
    for match in candidates:
        if not chosen or match.start >= chosen[-1].end:
            chosen.append(match)
        elif PRIORITY.index(match.kind) < PRIORITY.index(chosen[-1].kind):
            chosen[-1] = match
    return chosen


def redact(text: str, matches: list[PiiMatch]) -> str:
    """The text with every match replaced by a short notice of what was removed."""
    out, last = [], 0
    for match in sorted(matches, key=lambda p: p.start):
        out.append(text[last:match.start])
        out.append(REPLACEMENTS[match.kind])
        last = match.end
    out.append(text[last:])
    return "".join(out)


def normalise_number(number: str) -> str:
    """The last ten digits of a phone number, the form official numbers are compared in."""
    return re.sub(r"\D", "", number)[-10:]


# ---------------------------------------------------------------- masking for storage

MASK_LABELS = {"card": "card", "iban": "IBAN", "account": "account"}
# The form mask_payment_numbers writes ("[card ending 1111]"), to find it again in stored text.
_MASK_KINDS = "|".join(map(re.escape, MASK_LABELS.values()))
MASKED_NUMBER = re.compile(rf"\[(?:{_MASK_KINDS}) ending [0-9A-Za-z]{{1,4}}\]")


def masked_numbers(text: str) -> list[str]:
    """The masked card, IBAN and account numbers in a stored text, each once, in order."""
    return list(dict.fromkeys(MASKED_NUMBER.findall(text)))


def mask_payment_numbers(text: str) -> str:
    """Cards, IBANs and bank account numbers reduced to their kind and last four digits
    ("[card ending 1111]"), so no stored copy of a text can be used to pay; the rest of the
    text (phones, e-mails) is kept as typed. Idempotent, and free on text without digits."""
    if not text or _ANY_DIGITS.search(text) is None:
        return text
    found = sorted(_cards(text) + _ibans(text) + _accounts(text), key=lambda p: p.start)
    out, last = [], 0
    for match in found:
        if match.start < last:
            continue
        tail = re.sub(r"[^0-9A-Za-z]", "", text[match.start:match.end])[-4:]
        out.append(text[last:match.start])
        out.append(f"[{MASK_LABELS[match.kind]} ending {tail}]")
        last = match.end
    out.append(text[last:])
    return "".join(out)
