"""The published community rules, as data: codes, plain-language text, and how they are enforced.

Admins edit rules in the UI and every version is stored, so a rule set round-trips through
plain dicts (JSON) and is validated on the way in: a rule can only name checks the engine has,
and only checks that can redact may publish with redactions.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cached_property

from .types import Action

CHECKS: dict[str, str] = {
    "spam.classifier": "A learned classifier's probability that the text is spam.",
    "spam.links": "More links than the author's trust level allows.",
    "spam.bad_domain": "A link to a domain on the blocked list.",
    "spam.shortener": "A link shortener (which hides the destination) from a new member.",
    "spam.promotion": "Sales talk (selling, discounts, 'link in bio') with a link or a price, "
                      "from a member below trust level 2.",
    "spam.flood": "The same or nearly the same text posted repeatedly across threads or accounts.",
    "spam.rate": "Posting faster than the author's trust level allows.",
    "scam.contact_bait": "Money, crypto or investment talk paired with a WhatsApp, Telegram or "
                         "phone contact.",
    "scam.helpline": "A 'customer care' or 'helpline' phone number posted by someone who is "
                     "not staff.",
    "scam.pitch": "A well-known scam: an advance-fee letter, a spell caster, a loan or "
                  "investment that asks for bank logins, accounts for sale, daily returns.",
    "abuse.attack": "Insults or demeaning names aimed at a person.",
    "abuse.threat": "Threats of violence or harm.",
    "abuse.self_harm": "Encouraging someone to hurt or kill themselves.",
    "abuse.hate": "Slurs against people for who they are.",
    "abuse.classifier": "A learned classifier's probability that the text insults or attacks a "
                        "person.",
    "abuse.threat_classifier": "A learned classifier's probability that the text threatens "
                               "harm.",
    "abuse.hate_classifier": "A learned classifier's probability that the text attacks people "
                             "for who they are.",
    "abuse.profanity": "Swearing that is not aimed at a person.",
    "abuse.brand_criticism": "Negative opinions about the brand, its products, prices or service.",
    "pii.card": "A payment card number (checked with the Luhn checksum).",
    "pii.iban": "A bank account number in IBAN form (checked with mod-97).",
    "pii.account": "A customer or account number, recognised by its label ('account number').",
    "pii.national_id": "A national ID number (US Social Security, UK National Insurance).",
    "pii.email": "An e-mail address.",
    "pii.phone": "A phone number.",
    "illegal.offer": "Offers of clearly illegal goods or services.",
}
REDACTING_CHECKS = frozenset(c for c in CHECKS if c.startswith("pii.")) | {"abuse.profanity"}
# Checks whose score argues for keeping a post up: the rules protect criticism of the brand.
PROTECTIVE_CHECKS = frozenset({"abuse.brand_criticism"})


@dataclass(frozen=True)
class Enforcement:
    """Check `check` scoring at least `min_score` leads to `action` under this rule.

    A protective enforcement (action publish) lists checks it `overrides`: when it applies,
    those checks are not acted on (criticism of the brand is never held by a classifier).
    """

    check: str
    action: Action
    min_score: float = 0.5
    overrides: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Plain-dict form for JSON storage."""
        out = {"check": self.check, "action": self.action.value, "min_score": self.min_score}
        if self.overrides:
            out["overrides"] = list(self.overrides)
        return out

    @classmethod
    def from_dict(cls, raw: dict) -> Enforcement:
        """Build and validate one enforcement from its dict form."""
        check = str(raw.get("check", ""))
        if check not in CHECKS:
            raise ValueError(f"unknown check {check!r}")
        try:
            action = Action(raw.get("action"))
        except ValueError:
            raise ValueError(f"unknown action {raw.get('action')!r} for {check}") from None
        score = float(raw.get("min_score", 0.5))
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"min_score for {check} must be between 0 and 1")
        overrides = tuple(raw.get("overrides", ()))
        _validate_enforcement(check, action, overrides)
        return cls(check, action, score, overrides)


def _validate_enforcement(check: str, action: Action, overrides: tuple[str, ...]) -> None:
    """Refuse combinations the engine cannot carry out."""
    if action is Action.PUBLISH_REDACTED and check not in REDACTING_CHECKS:
        raise ValueError(f"{check} cannot redact; use hold or reject")
    if overrides and action is not Action.PUBLISH:
        raise ValueError("only a protective (publish) enforcement may override checks")
    unknown = [c for c in overrides if c not in CHECKS]
    if unknown:
        raise ValueError(f"unknown overridden checks {unknown}")


@dataclass(frozen=True)
class Rule:
    """One published rule: stable code, what it means in plain words, and how it is enforced."""

    code: str
    title: str
    summary: str
    explanation: str
    example: str
    advice: str = ""
    enforced_by: tuple[Enforcement, ...] = ()
    flag_reasons: tuple[str, ...] = ()

    @property
    def protective(self) -> bool:
        """A rule that protects posts (criticism welcome) rather than removing them."""
        return any(e.action is Action.PUBLISH for e in self.enforced_by)

    def to_dict(self) -> dict:
        """Plain-dict form for JSON storage and the public rules page."""
        return {"code": self.code, "title": self.title, "summary": self.summary,
                "explanation": self.explanation, "example": self.example, "advice": self.advice,
                "enforced_by": [e.to_dict() for e in self.enforced_by],
                "flag_reasons": list(self.flag_reasons)}

    @classmethod
    def from_dict(cls, raw: dict) -> Rule:
        """Build and validate one rule from its dict form."""
        code = str(raw.get("code", "")).strip()
        title = str(raw.get("title", "")).strip()
        if not code or not title:
            raise ValueError("every rule needs a code and a title")
        return cls(code=code, title=title, summary=str(raw.get("summary", "")),
                   explanation=str(raw.get("explanation", "")),
                   example=str(raw.get("example", "")), advice=str(raw.get("advice", "")),
                   enforced_by=tuple(Enforcement.from_dict(e) for e in raw.get("enforced_by", ())),
                   flag_reasons=tuple(str(r) for r in raw.get("flag_reasons", ())))


@dataclass(frozen=True)
class RuleSet:
    """A numbered version of the whole rule set."""

    rules: tuple[Rule, ...]
    version: int = 1
    notes: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        codes = [r.code for r in self.rules]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule codes {duplicates}")

    @cached_property
    def by_check(self) -> dict[str, tuple[tuple[Rule, Enforcement], ...]]:
        """Which rules act on each check, for the engine's lookup."""
        index: dict[str, list[tuple[Rule, Enforcement]]] = {}
        for rule in self.rules:
            for enforcement in rule.enforced_by:
                index.setdefault(enforcement.check, []).append((rule, enforcement))
        return {check: tuple(pairs) for check, pairs in index.items()}

    def rule(self, code: str) -> Rule:
        """The rule with this code (KeyError if there is none)."""
        for rule in self.rules:
            if rule.code == code:
                return rule
        raise KeyError(code)

    def rule_for_flag(self, reason: str) -> Rule | None:
        """The rule a member's flag reason ("spam", "abuse", ...) points to, if any."""
        return next((r for r in self.rules if reason in r.flag_reasons), None)

    def to_dict(self) -> dict:
        """Plain-dict form for JSON storage (one row per version in the database)."""
        return {"version": self.version, "notes": self.notes,
                "rules": [r.to_dict() for r in self.rules]}

    @classmethod
    def from_dict(cls, raw: dict) -> RuleSet:
        """Build and validate a rule set from its dict form; raises ValueError with a reason."""
        if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
            raise ValueError("a rule set is a dict with a 'rules' list")
        rules = tuple(Rule.from_dict(r) for r in raw["rules"])
        return cls(rules, version=int(raw.get("version", 1)), notes=str(raw.get("notes", "")))

    def with_profanity_policy(self, action: Action | None, *, rule: str = "R1") -> RuleSet:
        """A new version where swearing not aimed at anyone is allowed (None) or `action`ed."""
        raw = self.to_dict()
        for entry in raw["rules"]:
            entry["enforced_by"] = [e for e in entry["enforced_by"]
                                    if e["check"] != "abuse.profanity"]
            if entry["code"] == rule and action is not None:
                entry["enforced_by"].append({"check": "abuse.profanity",
                                             "action": Action(action).value, "min_score": 0.5})
        raw["version"] = self.version + 1
        return RuleSet.from_dict(raw)


def _e(check: str, action: str, min_score: float = 0.5, **extra) -> dict:
    """Shorthand for an enforcement dict in the default rule set below."""
    return {"check": check, "action": action, "min_score": min_score, **extra}


DEFAULT_RULES_DATA: dict = {
    "version": 1,
    "notes": "Default community rules shipped with Parley.",
    "rules": [
        {
            "code": "R1", "title": "Be respectful",
            "summary": "Disagree with ideas, not people: no insults, harassment, threats, hate, "
                       "or urging anyone to harm themselves.",
            "explanation": "Talk to and about other members, staff and agents as you would face "
                           "to face. We remove personal attacks, harassment, threats of "
                           "violence, slurs against groups of people, and anything that "
                           "encourages someone to hurt themselves. Swearing that is not aimed "
                           "at a person is allowed.",
            "example": "Not allowed: \"You're an idiot, learn to read.\" Fine: \"I think you "
                       "misread the guide: step 3 says to reset the router first.\"",
            "advice": "Remove the insult, threat or slur and say what you disagree with.",
            "enforced_by": [
                _e("abuse.attack", "hold"), _e("abuse.attack", "reject", 0.9),
                _e("abuse.threat", "hold"), _e("abuse.threat", "reject", 0.9),
                _e("abuse.self_harm", "hold"), _e("abuse.self_harm", "reject", 0.9),
                _e("abuse.hate", "hold"), _e("abuse.hate", "reject", 0.9),
                # thresholds chosen on validation splits (bench/moderation_tune.py)
                _e("abuse.classifier", "hold", 0.65),
                _e("abuse.threat_classifier", "hold", 0.6),
                _e("abuse.hate_classifier", "hold", 0.55),
            ],
            "flag_reasons": ["abuse"],
        },
        {
            "code": "R2", "title": "No spam or advertising",
            "summary": "Write for this community, not to promote something.",
            "explanation": "We hold or remove advertising, link dropping, the same text posted "
                           "again and again, and posting faster than a person would. New "
                           "members may post a few links at first; the limit rises as they "
                           "take part.",
            "example": "Not allowed: \"Cheap watches here >>> www.example-watches.biz\" posted "
                       "in ten threads.",
            "advice": "Remove the promotion or extra links, or wait a little before posting "
                      "again.",
            "enforced_by": [
                _e("spam.classifier", "hold", 0.65), _e("spam.classifier", "reject", 0.97),
                _e("spam.links", "hold"), _e("spam.bad_domain", "reject"),
                _e("spam.shortener", "hold"), _e("spam.promotion", "hold"),
                _e("spam.flood", "hold"),
                _e("spam.flood", "reject", 0.9), _e("spam.rate", "hold"),
            ],
            "flag_reasons": ["spam"],
        },
        {
            "code": "R3", "title": "No scams or fake support numbers",
            "summary": "Never post 'helpline' numbers, payment requests or 'recovery' offers.",
            "explanation": "Our staff give support here, under a staff badge. They never ask "
                           "you to call a number posted by another member, to pay anyone, or "
                           "to move to WhatsApp or Telegram. Posts that do are removed.",
            "example": "Not allowed: \"Call Acme customer care toll free +1 888 555 0199, "
                       "24/7\" from an account that is not staff.",
            "advice": "Remove the phone number or contact offer; staff will answer here.",
            "enforced_by": [
                _e("scam.helpline", "hold"), _e("scam.helpline", "reject", 0.9),
                _e("scam.contact_bait", "hold"), _e("scam.contact_bait", "reject", 0.85),
                _e("scam.pitch", "hold"),
            ],
            "flag_reasons": ["scam"],
        },
        {
            "code": "R4", "title": "Keep private data private",
            "summary": "Card numbers, bank details, account and ID numbers, e-mail addresses "
                       "and phone numbers are removed before publication.",
            "explanation": "For your safety we remove payment card numbers, IBANs, account "
                           "numbers, national ID numbers, e-mail addresses and phone numbers "
                           "before your post is published, and offer you a private "
                           "conversation with staff instead. Order numbers, error codes, "
                           "version numbers, IP addresses in logs and dates are fine to share.",
            "example": "\"My card 4111 1111 1111 1111 was charged twice\" is published as "
                       "\"My card [card number removed] was charged twice\".",
            "advice": "Continue privately with staff if they need those details.",
            "enforced_by": [_e(c, "publish_redacted") for c in
                            ("pii.card", "pii.iban", "pii.account", "pii.national_id",
                             "pii.email", "pii.phone")],
            "flag_reasons": ["private_data"],
        },
        {
            "code": "R5", "title": "Stay on topic",
            "summary": "Keep each thread about its question.",
            "explanation": "Threads stay useful when they stick to one question. Start a new "
                           "thread for a new problem. Moderators move or hide off-topic posts "
                           "that members flag.",
            "example": "A reply about last night's football in a thread about router settings.",
            "advice": "Start a new thread for a different subject.",
            "enforced_by": [],
            "flag_reasons": ["off_topic"],
        },
        {
            "code": "R6", "title": "No illegal content",
            "summary": "Do not offer, ask for or link to anything illegal.",
            "explanation": "No pirated software or licence keys, stolen accounts or card data, "
                           "drugs, weapons or counterfeit goods. Posts that look like this are "
                           "held for a moderator to check.",
            "example": "Not allowed: \"Selling cracked firmware and activation keys, DM me.\"",
            "advice": "Remove the offer or link.",
            "enforced_by": [_e("illegal.offer", "hold")],
            "flag_reasons": ["illegal"],
        },
        {
            "code": "R7", "title": "Criticism of the brand is welcome",
            "summary": "Honest, even harsh, opinions about us stay up.",
            "explanation": "Negative opinions about our company, products, prices and service "
                           "are never removed, swearing included. Attacks on people are still "
                           "covered by R1.",
            "example": "Stays up: \"Your billing is a joke and I'm switching.\" \"This damn "
                       "router drops out every hour.\"",
            "advice": "",
            "enforced_by": [_e("abuse.brand_criticism", "publish",
                               overrides=["abuse.classifier", "abuse.threat_classifier",
                                          "abuse.hate_classifier"])],
            "flag_reasons": [],
        },
    ],
}


def default_rules() -> RuleSet:
    """A fresh copy of the rule set that ships with the product."""
    return RuleSet.from_dict(copy.deepcopy(DEFAULT_RULES_DATA))


DEFAULT_RULES = default_rules()
