"""Engine settings an admin can change: link and rate limits, lists, names, strictness.

Everything round-trips through plain dicts so the integration layer can keep it in the
database or the app config; unknown keys are refused rather than silently ignored.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from . import lexicon as lx
from .pii import normalise_number

DEFAULT_SHORTENERS = frozenset({
    "bit.ly", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd", "buff.ly", "cutt.ly", "rb.gy",
    "shorturl.at", "tiny.cc", "s.id", "rebrand.ly", "t.ly", "bl.ink",
})


def _levels(values: dict) -> dict[int, int | None]:
    """A per-trust-level mapping with int keys (JSON turns them into strings)."""
    return {int(k): (None if v is None else int(v)) for k, v in values.items()}


@dataclass(frozen=True)
class EngineConfig:
    """Tunable settings; the defaults follow Discourse's for new users where one exists."""

    # links a member may post in one submission, per trust level (None: no limit)
    link_limits: dict[int, int | None] = field(
        default_factory=lambda: {0: 2, 1: 5, 2: 10, 3: None, 4: None})
    # submissions allowed per rate_window_seconds, per trust level (None: no limit)
    rate_limits: dict[int, int | None] = field(
        default_factory=lambda: {0: 3, 1: 10, 2: 20, 3: 40, 4: None})
    rate_window_seconds: int = 600
    # log-odds added to the spam classifier: stricter for new members, looser for trusted ones
    # (chosen on validation splits: larger trust-0 shifts held 5-20% of ordinary first posts)
    spam_prior_shift: dict[int, float] = field(
        default_factory=lambda: {0: 0.25, 1: 0.0, 2: -0.5, 3: -1.0, 4: -1.5})
    first_post_shift: float = 0.25
    sanctioned_shift: float = 0.5
    bad_domains: frozenset[str] = frozenset()
    allowed_domains: frozenset[str] = frozenset()  # the brand's own sites: links never counted
    shortener_domains: frozenset[str] = DEFAULT_SHORTENERS
    shortener_max_trust: int = 0  # shorteners are held up to this trust level
    brand_names: frozenset[str] = frozenset()
    staff_names: frozenset[str] = frozenset()
    official_phone_numbers: frozenset[str] = frozenset()
    allowed_email_domains: frozenset[str] = frozenset()
    staff_may_share_contacts: bool = True
    flood_window_seconds: int = 86400
    flood_min_words: int = 8
    flood_similarity: float = 0.8

    def __post_init__(self) -> None:
        lowered = {
            "bad_domains": _lower_set(self.bad_domains),
            "allowed_domains": _lower_set(self.allowed_domains),
            "shortener_domains": _lower_set(self.shortener_domains),
            "brand_names": name_tokens(self.brand_names, people=False),
            "staff_names": name_tokens(self.staff_names),
            "allowed_email_domains": _lower_set(self.allowed_email_domains),
            "official_phone_numbers": frozenset(
                normalise_number(n) for n in self.official_phone_numbers),
            "link_limits": _levels(self.link_limits),
            "rate_limits": _levels(self.rate_limits),
            "spam_prior_shift": {int(k): float(v) for k, v in self.spam_prior_shift.items()},
        }
        for name, value in lowered.items():
            object.__setattr__(self, name, value)

    def to_dict(self) -> dict:
        """JSON-ready form; sets become sorted lists."""
        raw = asdict(self)
        return {k: sorted(v) if isinstance(v, frozenset) else v for k, v in raw.items()}

    @classmethod
    def from_dict(cls, raw: dict) -> EngineConfig:
        """Build from a dict, refusing keys this engine does not know."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ValueError(f"unknown engine settings {unknown}")
        values = {k: frozenset(v) if isinstance(v, list | tuple | set) else v
                  for k, v in raw.items()}
        return cls(**values)


def _lower_set(values) -> frozenset[str]:
    """Lower-cased, stripped, without a leading 'www.'."""
    out = set()
    for value in values:
        value = str(value).strip().lower()
        out.add(value[4:] if value.startswith("www.") else value)
    return frozenset(v for v in out if v)


def name_tokens(values, *, people: bool = True) -> frozenset[str]:
    """Names as the lower-case words the abuse check compares ("Acme Broadband" -> both).

    In people's names ordinary words ("Sam from Support", "Mia (moderator)") are left out:
    read as a name, "from" or "support" in every post would turn into a person.
    """
    out = set()
    for value in values:
        words = [w.strip(_NAME_PUNCTUATION) for w in str(value).lower().split()]
        words = [w for w in words if w]
        if not people:
            out.update(words)
            continue
        kept = [w for w in words if w not in _COMMON_NAME_WORDS and len(w) > 1]
        # a one-word name (a username such as "admin") is kept whatever it is
        out.update(words if len(words) == 1 else kept)
    return frozenset(out)


_NAME_PUNCTUATION = "()[]{}<>,;:!?\"'|/"
_COMMON_NAME_WORDS = (lx.FILLERS | lx.THING_NOUNS | lx.PERSON_NOUNS | lx.SELF | lx.PERSON_SECOND
                      | frozenset("""from of and at in on for with to by team community support
                      official moderator admin administrator help desk bot service care the
                      customer customers""".split()))


DEFAULT_CONFIG = EngineConfig()
