"""Abuse check: insults, threats, slurs and incitement to self-harm aimed at people, not brands.

The text is normalised first (homoglyphs, leet, masked letters, spaced letters, repeats), then
matched against the word lists in lexicon.py. Each insult is resolved to its target by looking
for the nearest anchor in the same clause: a person ("you", "he", "the agent", a staff name,
"@someone") makes it an attack; the brand or one of its things ("this router", "your billing")
makes it criticism, which the published rules protect.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import lexicon as lx
from .text import (
    LEET,
    MASK_CHARS,
    URL_RE,
    fold,
    lowered,
    readable,
    replace_emails,
    squeeze,
)

PERSON = "person"
BRAND = "brand"
SELF_TARGET = "self"
UNKNOWN = "unknown"

_INSULTS = (lx.INSULT_NOUNS_STRONG | lx.INSULT_NOUNS_WEAK | lx.INSULT_ADJECTIVES_STRONG
            | lx.INSULT_ADJECTIVES_WEAK)
VOCABULARY = _INSULTS | lx.PROFANITY | lx.SLURS_HARD | lx.SLURS_SOFT | {"kys", "stfu", "gtfo"}
# Words spaced-out letters and leetspeak may spell when no classifier vocabulary is at hand.
KNOWN_WORDS = frozenset(VOCABULARY | lx.PERSON_SECOND | lx.PERSON_THIRD | lx.PERSON_NOUNS
                        | lx.THING_NOUNS | lx.FILLERS | lx.SELF | frozenset(
    "kill find hurt die dead shoot stab beat burn watch back live where know will going gonna"
    " and are is am the a an go to off your you hope get got end it now this that".split()))
_SPACED_WORDS = re.compile("|".join(map(re.escape, sorted(
    (w for w in VOCABULARY if len(w) >= 4), key=len, reverse=True))))

_APOSTROPHES = (("n't", " not"), ("'re", " are"), ("'m", " am"), ("'ll", " will"),
                ("'ve", " have"), ("'d", " would"), ("y'all", "you all"), ("'s", " is"))
_TOKEN = re.compile(r"[a-z0-9@$*#%+_'|~]+(?:[-!][a-z0-9@$*#%+_'|~]+)*|[,;:.!?]+|\n")
_HINT_SPACED = re.compile(r"[a-z](?<!\w[a-z])(?!\w)\W{1,3}[a-z](?!\w)\W{1,3}[a-z](?!\w)")
_U_FORMS = {"u": "you", "ya": "you", "yu": "you", "yo": "your", "ur": "your", "r": "are",
            "youre": "you are", "theyre": "they are", "im": "i am", "yall": "you all",
            # contractions typed without the apostrophe
            "dont": "do not", "doesnt": "does not", "didnt": "did not", "cant": "can not",
            "wont": "will not", "isnt": "is not", "arent": "are not", "wasnt": "was not",
            "werent": "were not", "havent": "have not", "hasnt": "has not",
            "shouldnt": "should not", "wouldnt": "would not", "couldnt": "could not"}
_UR_YOU_ARE = frozenset("a an the so such really just totally complete absolute an".split())


@dataclass(frozen=True)
class AbuseFinding:
    """One thing the abuse check saw: which check, how sure, and why (fit to show the author)."""

    check: str
    score: float
    reason: str
    term: str = ""


@dataclass(frozen=True)
class AbuseReport:
    """Everything the abuse check concluded about one text."""

    findings: tuple[AbuseFinding, ...]
    targets_person: bool
    targets_brand: bool
    tokens: tuple[str, ...] = field(repr=False, default=())
    names_group: bool = False  # an identity group, a slur or a "those people" cue is named
    # "your car", "your family": a threat against what is someone's is aimed at them
    addresses_someone: bool = False
    escalates: bool = False  # a regulator, a court or the press is named (see lexicon)
    counter_speech: bool = False  # "immigrants are not vermin": a slur on a group denied
    praise: bool = False  # "refugees are welcome here", and no hostile word anywhere
    individuals: bool = False  # "her colleague is a muslim": one person described, no more
    swears_at_no_one: bool = False  # swearing, and no one to aim it at ("fuck, that was tough")
    harms_things: bool = False  # violent words aimed at things only ("kill this printer")
    directed: bool = False  # a finding other than swearing: someone is attacked or threatened

    def best(self, check: str) -> AbuseFinding | None:
        """The strongest finding for one check, if any."""
        found = [f for f in self.findings if f.check == check]
        return max(found, key=lambda f: f.score) if found else None


# ---------------------------------------------------------------- normalisation


def normalise(text: str, known: frozenset[str] = frozenset()) -> list[str]:
    """Turn raw text into lower-case tokens with obfuscation undone; "," "." mark clauses.

    `known` (the classifier's vocabulary, else KNOWN_WORDS) lets spaced-out letters and
    leetspeak be read as the words they spell ("k i l l  y o u", "f1nd y0u").
    """
    known = known or KNOWN_WORDS
    text = readable(lowered(text), known)
    if "http" in text or "www." in text:
        text = URL_RE.sub(" ", text)
    if "@" in text:
        text = replace_emails(text, " ")
    if "'" in text:
        text = _apostrophes(text)
    # a word in single quotes ("'vermin'") is the word: the quote marks are not letters
    tokens = [_resolve(t.strip("'") or t) if "'" in t else _resolve(t)
              for t in _TOKEN.findall(text)]
    long_unknown = [i for i, t in enumerate(tokens) if len(t) >= _RUN_TOGETHER_MIN
                    and t not in known and t not in VOCABULARY]
    for i in reversed(long_unknown):  # "immigrantvermin" -> "immigrant", "vermin"
        tokens[i:i + 1] = _split_run_together(tokens[i], known)
    if _HINT_SPACED.search(text):
        tokens = _join_spaced(tokens)
    return _second_person(tokens)


_CONTRACTION = re.compile(r"y'all|(?<=[a-z])(?:n't|'re|'m|'ll|'ve|'d|'s)(?![a-z])")
_EXPANDED = dict(_APOSTROPHES)


def _apostrophes(text: str) -> str:
    """ "you're" -> "you are", "don't" -> "do not", "he's" -> "he is" (possessives too: harmless
    here, "Dave's router" still names the router). Only after a letter and at a word's end:
    "'refugees'" and "'dumb'" are quoted words, not contractions."""
    return _CONTRACTION.sub(lambda m: _EXPANDED[m.group(0)], text)


def _second_person(tokens: list[str]) -> list[str]:
    """Read text-speak pronouns ("u r", "ur an idiot", "ya") as the words they stand for."""
    positions = [i for i, tok in enumerate(tokens) if tok in _U_FORMS]
    if not positions:
        return tokens
    out = list(tokens)
    for i in reversed(positions):
        out[i:i + 1] = _pronoun(tokens, i)
    return out


def _pronoun(tokens: list[str], i: int) -> list[str]:
    """What the text-speak token at position i stands for, in context."""
    tok, after = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else ""
    if tok == "r":
        return ["are"] if i and tokens[i - 1] in {"u", "you"} else [tok]
    if tok == "ur":
        return ["you", "are"] if _is_you_are(after) else ["your"]
    if tok == "yo":
        return ["your"] if after in {"mama", "momma"} else [tok]
    return _U_FORMS[tok].split()


def _is_you_are(next_token: str) -> bool:
    """After "ur", an article or insult means "you are", otherwise "your"."""
    return next_token in _UR_YOU_ARE or next_token in _INSULTS


_RUN = re.compile(r"(.)\1\1")
_SEPARATORS = re.compile(r"[-_~]")
_SPELLED = re.compile(r"[a-z0-9@$](?:[-_~][a-z0-9@$])+$")


@lru_cache(maxsize=8192)
def _resolve(token: str) -> str:
    """The known word an obfuscated token (sh1t, a$$, f*ck, @sshole, stuuupid) spells, if any."""
    if token in VOCABULARY or token.isdigit():
        return token
    if token.startswith("@") and token[1:].replace("_", "").isalnum():
        return _lookup(token.translate(LEET)) or "@user"
    if token.isalpha() and not _RUN.search(token):
        return token
    if not any(ch.isalpha() for ch in token):
        return token
    if _SPELLED.match(token):  # "y-o-u", "s_t_u_p_i_d": letters spelled out one by one
        return _resolve(_SEPARATORS.sub("", token))
    return (_lookup(token) or _lookup(token.translate(LEET))
            or _lookup(_SEPARATORS.sub("", token)) or token)


_RUN_TOGETHER_MIN = 7


def _split_run_together(token: str, known: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Two words typed as one: both of them abuse or words for people and one of them naming
    or dehumanising a group ("immigrantvermin", "stupidestpeople", "gayvermin"), or a slur
    followed by any known word ("niggerbehaviour"): read as the two words. "cocktail",
    "therapist" and "Vandyke" stay whole. The caller passes only long tokens that are not
    known words."""
    if not token.isalpha():
        return (token,)
    for k in range(3, len(token) - 2):
        left, right = token[:k], token[k:]
        if left in _SPLIT_PART and right in _SPLIT_PART and (
                left in _SPLIT_GROUP or right in _SPLIT_GROUP):
            return left, right
        if ((left in _SPLIT_SLURS and (right in known or right in _SPLIT_PART))
                or (right in _SPLIT_SLURS and left in _SPLIT_PART)):
            return left, right
    return (token,)


def _lookup(token: str) -> str | None:
    """The vocabulary word this token spells, allowing repeats and masked letters."""
    token = token.strip("'")
    candidates = [token]
    if _RUN.search(token):
        candidates += [squeeze(token, 1), squeeze(token, 2)]
    masked = any(ch in MASK_CHARS for ch in token)
    for candidate in candidates:
        if candidate in VOCABULARY:
            return candidate
        if masked and (match := _masked_match(candidate)):
            return match
    return None


@lru_cache(maxsize=2048)
def _masked_match(token: str) -> str | None:
    """Match "f*ck", "f**king", "a**hole": masks stand for letters; the first letter is real."""
    if not token[0].isalpha():
        return None
    for word in _MASKABLE.get(len(token), ()):
        if all(t == w or t in MASK_CHARS for t, w in zip(token, word, strict=True)):
            return word
    return None


_COMMON = ("fuck", "fucking", "fucked", "fucker", "shit", "bitch", "cunt", "ass", "asshole",
           "dick", "damn", "crap", "piss", "whore", "slut", "idiot", "moron")


def _by_length(words) -> dict[int, tuple[str, ...]]:
    """Group words by length, the commonest swearing first so "f*ck" reads as the usual word."""
    rank = {w: i for i, w in enumerate(_COMMON)}
    grouped: dict[int, list[str]] = {}
    for word in sorted(words, key=lambda w: (rank.get(w, len(rank)), w)):
        grouped.setdefault(len(word), []).append(word)
    return {k: tuple(v) for k, v in grouped.items()}


# Masked letters may also hide the group a hateful generalisation names ("w*men", "immigr*nts").
_MASKABLE = _by_length(VOCABULARY | lx.IDENTITY_GROUPS | lx.DEHUMANISING)


def _join_spaced(tokens: list[str]) -> list[str]:
    """Rejoin words written as spaced-out letters ("i d i o t", "f. u. c. k")."""
    out: list[str] = []
    run: list[str] = []
    for tok in [*tokens, ""]:
        if (len(tok) == 1 and tok.isalpha()) or (run and tok in {",", ".", "!", "?"}):
            run.append(tok)
            continue
        if run:
            out.extend(_flush_spaced(run))
            run = []
        if tok:
            out.append(tok)
    return out


def _flush_spaced(run: list[str]) -> list[str]:
    """A run of three or more single letters becomes the words it spells; shorter runs stay."""
    letters = [t for t in run if t.isalpha()]
    if len(letters) < 3:
        return run
    joined = "".join(letters)
    if joined in VOCABULARY:
        return [joined]
    found = _SPACED_WORDS.findall(joined)
    return found or run


# ---------------------------------------------------------------- patterns on normalised text

_PERSON_OBJ = (
    r"(?:you|yourself|him|her|them|@user|that (?:guy|agent|mod|moderator|person|woman|man|girl)"
    r"|the (?:agent|rep|mod|moderator|technician|engineer|guy|person|op|poster)"
    r"|your (?:\w+ )?(?:family|kids?|children|wife|husband|mum|mom|mother|dad|father|sister"
    r"|brother|son|daughter|face|neck|legs?|arms?|nose|jaw|teeth|skull|head|house|home|car))"
)
_INTENT = (r"(?:i|we)(?: am| are)?(?: will| would| shall| going to| gonna| wanna| want to"
           r"| about to| would love to| could| should| might)?")
_VIOLENCE = (r"(?:kill|murder|hurt|beat|stab|shoot|punch|strangle|choke|slap|smash|break|rape"
             r"|bash|batter|burn|beat up|knock out|hunt down|track down|find|destroy|end|gut)")
_VIOLENT_WORDS = frozenset(re.findall(r"[a-z]+", _VIOLENCE)) - {"up", "out", "down"}


def _patterns(*pairs: tuple[str, str]) -> tuple[tuple[frozenset[str], re.Pattern], ...]:
    """(trigger words, regex) pairs: a regex only runs when one of its words is present."""
    return tuple((frozenset(words.split()), re.compile(regex)) for words, regex in pairs)


_THREATS = _patterns(
    (" ".join(_VIOLENT_WORDS),
     rf"\b{_INTENT} (?:come (?:over|round|around|down) (?:there )?and |personally "
     rf"|find you and )?{_VIOLENCE} {_PERSON_OBJ}\b"),
    ("where", r"\bi (?:know|will find|will track down|will find out|am going to find"
              r"|am gonna find|am going to find out) where (?:you|he|she|they)"
              r" (?:live|lives|work|works|sleep|sleeps)\b"),
    ("back", r"\b(?:better )?watch your back\b"),
    ("dead die", r"\byou are (?:so |already )?(?:dead|a dead man|gonna die|going to die)\b"
                 r"(?! (?:wrong|right|on|serious|set))"),
    ("kill shoot stab punch beat hurt slap murder hang lynch rape",
     rf"\b(?:someone|somebody|people|they|we) (?:should|needs? to|ought to|oughta|gotta"
     rf"|has to) (?:\w+ )?(?:kill|shoot|stab|punch|beat|hurt|slap|murder|hang|lynch|rape)"
     rf" {_PERSON_OBJ}\b"),
    ("hope wish pray", r"\b(?:i )?(?:hope|wish|pray) (?:you|u|he|she|they|your \w+) (?:\w+ )?"
                       r"(?:die|dies|burn|burns|suffer|suffers|rot|rots|choke|chokes"
                       r"|(?:get|gets) (?:cancer|aids|killed|shot|raped|run over|hit by a|sick"
                       r"|stabbed|beaten))"),
    ("hope wish pray", r"\b(?:hope|wish|pray) (?:someone|somebody|they|a \w+) (?:would |will )?"
                       r"(?:\w+ )?(?:(?:beats?|kills?|shoots?|stabs?|hits?|hurts?|punch(?:es)?)"
                       r" (?:you|him|her|@user|them|your \w+)|puts? (?:a )?bullets?"
                       r"|runs? (?:you|him|her|@user) over)"),
    ("burn bomb blow shoot torch firebomb",
     rf"\b{_INTENT} (?:burn|bomb|blow up|shoot up|torch|firebomb) (?:down )?(?:your|the|their)"
     r" (?:\w+ )?(?:house|home|office|offices|store|shop|building|hq|headquarters|car)\b"),
    ("family kids children wife husband",
     r"\byour (?:family|kids|children|wife|husband) (?:will|are going to|is going to|gonna)"
     r" (?:suffer|pay|die|get hurt)\b"),
    ("throat", r"\bslit (?:your|his|her|their|this \w+|that \w+) throat\b"),
    ("beat kick knock smash punch kicking beating",
     r"\b(?:beat|kick|knock|smash|punch|kicking|beating) the (?:shit|crap|hell|life"
     r"|living daylights|fuck) out of (?:you|him|her|them|@user|the \w+)\b"),
    ("break smash cave kick knock punch bash",
     r"\b(?:break|smash|cave in|kick in|knock in|punch in|bash in|knock out) (?:your|his|her"
     r"|their|@user) (?:\w+ )?(?:face|neck|legs?|arms?|jaw|nose|teeth|skull|head|knees?)\b"),
    ("ground hospital coffin wheelchair grave ambulance",
     r"\bput (?:you|him|her|them|@user) in (?:the ground|the hospital|hospital|a coffin"
     r"|a wheelchair|an ambulance|the grave|a body bag)\b"),
    ("ambulance coffin ditch body",
     r"\b(?:leaving|leave|leaves|go home|goes home|end up|ends up|ending up) in (?:an ambulance"
     r"|a body bag|a coffin|a ditch|the river|pieces)\b"),
    ("hurt killed shot stabbed beaten injured",
     r"\b(?:someone|somebody|people|you|he|she|they|your \w+|@user)(?: at your \w+| there)?"
     r" (?:is|are|will be|is going to be|are going to be|gonna be|will get|is going to get"
     r"|are going to get|gonna get|is getting|are getting|will end up) (?:getting )?"
     r"(?:hurt|killed|shot|stabbed|beaten|injured)\b"),
    ("hurting killing shooting stabbing",
     r"\b(?:i|we) (?:will |am going to |are going to |gonna )?(?:start|begin) (?:hurting"
     r"|killing|shooting|stabbing)\b"),
    ("bat knife gun machete crowbar hammer",
     r"\b(?:waiting|wait|be|coming|come|turn up|show up)\b.{0,40}\bwith (?:a|my) (?:baseball )?"
     r"(?:bat|knife|gun|machete|crowbar|hammer)\b"),
    ("seeing visiting coming",
     r"\b(?:i|we) (?:will|am going to|are going to|am gonna) (?:be )?(?:seeing|visiting|coming for)"
     r" (?:you|him|her|@user)\b"),
    ("know where",
     r"\b(?:i|we) (?:know|found|found out|have found) where (?:your|his|her|@user)"
     r" (?:\w+ )?(?:kids?|children|family|wife|husband|daughter|son|mum|mom|car|house|home"
     r"|office|van|parks?|lives?|sleeps?|works?)\b"),
    ("visit", r"\bpay (?:you|your (?:\w+ )?family|your \w+|him|her|@user) a (?:little )?visit\b"),
    ("doors door", r"\block (?:the|your) doors? tonight\b"),
    ("drive walk ride", r"\benjoy (?:the|your) (?:drive|walk|ride) home\b"),
    ("coming", r"\b(?:wo|will) not see (?:it|me|us) coming\b"),
    ("accident", r"\b(?:is going to|will|gonna|might) have (?:a|an)"
                 r" (?:little |nasty |unfortunate )?accident\b"),
    ("suffer pay regret",
     r"\bmake your (?:whole )?(?:family|kids|children|wife|husband|daughter|son)"
     r" (?:suffer|pay|regret)\b"),
    ("family kids children wife husband daughter son",
     r"\byour (?:whole )?(?:family|kids|children|wife|husband|daughter|son|mum|mom)"
     r" (?:is|are|will|is going to|are going to|gonna) (?:\w+ )?"
     r"(?:suffer|pay|die|regret|get hurt)\b"),
    ("burn torch firebomb",
     r"\b(?:burn|torch|firebomb|petrol bomb) (?:down )?(?:your|the|that|this|his|her|their)"
     r" (?:\w+ ){0,2}(?:house|home|shop|store|office|offices|exchange|van|car|building|branch"
     r"|hq)\b"),
    ("brick window windows", r"\b(?:brick|rock|stone) through (?:the|your|their|his|her) window"),
    ("tyres tires windows", r"\bwo not have (?:any )?(?:tyres|tires|windows)\b"),
    ("windscreen windshield", r"\b(?:windscreen|windshield) (?:\w+ ){0,2}(?:caved|smashed|kicked)"),
    ("bullet", r"\b(?:puts?|put) (?:a )?bullets? (?:in|into|through) (?:you|him|her|your|@user)\b"),
    ("dead", r"\b(?:you|u|he|she|@user) (?:will|would|are going to|is going to) be dead by\b"),
)
# Group words a "<group> out" chant is read of: not the colours ("the screen blacks out").
_CHANTED = (lx.IDENTITY_GROUPS | lx.SLURS_HARD | lx.SLURS_SOFT) - frozenset(
    "black blacks white whites browns woman women girls females disabled trans natives".split())
_HATE_PHRASES = _patterns(
    ("back", r"\b(?:send|ship|kick|deport) (?:them|the \w+(?: \w+)?|all (?:of )?(?:them|the \w+))"
             r" (?:all )?(?:back|out) (?:where they came from|to (?:their|where|whatever)"
             r"|home)\b"),
    ("back", r"\bgo back (?:where|to where) you came from\b"),
    # the chant: "pakis out", "immigrants out now", "muslims out of our country"
    ("out", rf"\b(?:{'|'.join(sorted(_CHANTED))}) out(?: now| of (?:our|my|this) \w+)?"
            r"(?= [.,!?]|$)"),
)
_SOFT_THREATS = _patterns(
    ("suffer pay bleed", rf"\b{_INTENT} make (?:you|him|her) (?:suffer|pay|bleed)\b"),
)
_SELF_HARM = _patterns(
    ("yourself yourselves urself self",
     r"\b(?:kill|hang|off|unalive|neck|shoot|end) (?:yourself|yourselves|urself|your self)\b"),
    ("kys", r"\bkys\b"),
    ("die dead", r"\b(?:go|just go|please go|pls go|you should|why not|why do not you)"
                 r" (?:and )?(?:die|drop dead)"),
    ("die dead", r"\b(?:just die|drop dead)\b"),
    ("die dead rot", r"\b(?:i )?hope (?:you|u) (?:die|drop dead|rot)\b"),
    ("die dead exist", r"\b(?:you|u) (?:should|deserve to|need to|ought to) (?:just )?"
                       r"(?:die|be dead|not exist)\b"),
    ("bleach poison pills", r"\b(?:drink|drank|swallow|swallowed|take|took|eat) (?:some "
                            r"|a bottle of |all your |all the )?"
                            r"(?:bleach|poison|rat poison|pills)\b"),
    ("myself", r"\bif i were you i would (?:hang|kill|shoot|off) myself\b"),
    ("jump", r"\bjump (?:off|from) (?:a|the) (?:bridge|cliff|building|roof)\b"),
    ("wrists", r"\b(?:slit|cut) your wrists\b"),
    ("miss care", r"\b(?:no ?one|nobody) (?:would|will|is going to) (?:miss|care about) you\b"),
    ("world", r"\bworld (?:would be|is|will be) better (?:off )?without you\b"),
    ("favour favor", r"\bdo (?:us|everyone|the world) (?:all )?a favou?r and (?:die"
                     r"|kill yourself|end it)\b"),
)
_DISMISSALS = tuple((words, pattern, score) for (words, pattern), score in zip(_patterns(
    ("yourself yourselves", r"\bgo (?:fuck|screw) (?:yourself|yourselves)\b"),
    ("fuck fck fuk screw damn sod",
     r"\b(?:fuck|fck|fuk|screw|damn|sod) (?:you|yourself)\b(?! brandname)"),
    ("off", r"\b(?:fuck|fck|fuk|piss|bugger|sod|f) off\b"),
    ("hell", r"(?<!brandname )(?<!brandname can )\bgo to hell\b"),
    ("stfu gtfo", r"\b(?:stfu|gtfo)\b"),
), (0.9, 0.8, 0.8, 0.75, 0.75), strict=True))
_INSULT_PHRASES = tuple(tuple(p.split()) for p in lx.INSULT_PHRASES)
_SLUR_PHRASES = tuple(tuple(p.split()) for p in lx.SLUR_PHRASES)
_INSULT_PHRASE_WORDS = frozenset(p[0] for p in _INSULT_PHRASES)
_SLUR_PHRASE_WORDS = frozenset(p[0] for p in _SLUR_PHRASES)
_TRIGGERS = frozenset().union(*(words for group in (_THREATS, _SOFT_THREATS, _SELF_HARM,
                                                    _HATE_PHRASES)
                                for words, _ in group),
                              *(words for words, _, _ in _DISMISSALS))
_REACH = 10  # tokens either side of a trigger word that a phrase pattern may span
_INTERESTING = _INSULTS | lx.PROFANITY | lx.SLURS_HARD | lx.SLURS_SOFT
# Words a run-together token may be split into, and those that make a split worth reading.
_SPLIT_GROUP = (lx.DEHUMANISING | lx.IDENTITY_GROUPS | lx.GROUP_ADJECTIVES
                | frozenset("stupidest dumbest".split()))
_SPLIT_PART = (_SPLIT_GROUP | _INSULTS | lx.NEGATIVE
               | frozenset("people men women folk disgust disgusts sicken sickens".split()))
# slurs that start surnames and breeds ("Dykeman", "coonhound") are not split off
_SPLIT_SLURS = frozenset(w for w in lx.SLURS_HARD | lx.SLURS_SOFT if len(w) >= 4) - frozenset(
    "dyke dykes coon coons".split())
_PERSON_WORDS = lx.PERSON_SECOND | lx.PERSON_THIRD | lx.PERSON_NOUNS
_ADDRESSED = _PERSON_WORDS | frozenset("your yours his hers ur".split())
_BOUNDARY = frozenset({",", ";", ":", ".", "!", "?", "\n", "..", "...", "!!", "??", "?!", "!?"})
_MAX_REACH = 8

REASONS = {
    "attack": "It insults or demeans another person.",
    "harassment": "It makes sexual remarks to or about another person.",
    "dismissal": "It tells another person, with abuse, to go away.",
    "threat": "It threatens someone with harm.",
    "self_harm": "It encourages someone to hurt or kill themselves.",
    "hate": "It uses a slur that attacks people for who they are.",
    "profanity": "It contains swearing, which this community masks.",
    "criticism": "It criticises the brand, which the community rules protect.",
}


# ---------------------------------------------------------------- analysis


def analyse(text: str, *, names: frozenset[str] = frozenset(),
            brand_names: frozenset[str] = frozenset(),
            known: frozenset[str] = frozenset()) -> AbuseReport:
    """Find attacks on people in a text and tell them apart from criticism of the brand."""
    tokens = normalise(text, known)
    present = frozenset(tokens)
    if not (present.isdisjoint(names) and present.isdisjoint(brand_names)):
        tokens = [_alias(t, names, brand_names) for t in tokens]
        present = frozenset(tokens)
    findings = (_pattern_findings(tokens, present) + _term_findings(tokens, present)
                + _intent_threats(tokens, present) + _harassment(tokens, present))
    directed = any(f.check != "abuse.profanity" for f in findings)
    group = _names_group(tokens, present)
    brand = _criticises_brand(tokens, present, group)
    if brand and not directed:
        findings.append(AbuseFinding("abuse.brand_criticism", 1.0, REASONS["criticism"]))
    return AbuseReport(tuple(findings), bool(present & _PERSON_WORDS), brand, tuple(tokens),
                       names_group=group,
                       addresses_someone=bool(present & _ADDRESSED),
                       escalates=bool(present & lx.ESCALATION),
                       counter_speech=_counter_speech(tokens, present), directed=directed,
                       praise=_praise(tokens, present),
                       individuals=_individuals_only(tokens, present),
                       swears_at_no_one=_swears_at_no_one(tokens, present, directed),
                       harms_things=bool(present & lx.VIOLENCE and present & _THINGS) and not (
                           directed or present & (_AIMED | _SOMEONE_OR_GROUP)))


_TOLD = frozenset("out off up".split())  # "get the fuck out", "piss off": said to someone


def _swears_at_no_one(tokens: list[str], present: frozenset[str], directed: bool) -> bool:
    """True when a post swears and names no one: no person, no "you", no group, no insult
    word ("thick shit"), no "fuck off" or "get the fuck out". The community's swearing policy
    (allowed by default, or masked) applies, not R1."""
    if not present & lx.PROFANITY or directed or present & _SOMEONE_OR_GROUP:
        return False
    if present & _INSULTING:
        return False
    return not any(tok in lx.PROFANITY and tokens[i + 1:i + 2] and tokens[i + 1] in _TOLD
                   for i, tok in enumerate(tokens))


# "i am going to murder that guy", "we will shoot the next muslim", "i'll make those women
# suffer": the writer's intent, a violent verb, and a person or a group as its object.
_HARM_VERBS = frozenset("""kill murder shoot stab rape strangle choke hang burn beat punch hurt
slit snap behead lynch torture gas drown execute""".split())
_INTENT_WORDS = frozenset("will going gonna want wanna plan intend shall gotta love like".split())
_DETERMINERS = frozenset("""that this the those these a an every all any some next my your his
her their our ur""".split())
_HARM_OR_SUFFER = _HARM_VERBS | {"suffer"}
_INTENT_OR_MAKE = _INTENT_WORDS | {"make"}
_AIMED = (lx.PERSON_SECOND | lx.PERSON_THIRD | lx.PERSON_NOUNS | lx.IDENTITY_GROUPS
          | lx.GROUP_ADJECTIVES | frozenset("them @user".split()))


def _intent_threats(tokens: list[str], present: frozenset[str]) -> list[AbuseFinding]:
    """A threat the writer says they will carry out against a person or a group."""
    if present.isdisjoint(_HARM_OR_SUFFER) or present.isdisjoint(_INTENT_OR_MAKE):
        return []
    for j, tok in enumerate(tokens):
        if tok in _HARM_VERBS:
            before, after = tokens[max(0, j - 6):j], tokens[j + 1:j + 5]
        elif tok == "suffer" and "make" in tokens[max(0, j - 5):j]:
            before, after = tokens[max(0, j - 9):j], tokens[max(0, j - 4):j]
        else:
            continue
        aimed_at = [t for t in after if t not in _DETERMINERS][:2]
        if (set(before) & {"i", "we"} and set(before) & _INTENT_OR_MAKE
                and not _NEGATORS & set(before) and not _BOUNDARY & set(before[-4:])
                and set(aimed_at) & _AIMED and not set(after) & _THINGS):
            return [AbuseFinding("abuse.threat", 0.9, REASONS["threat"], tok)]
    return []


# Posts that may name sexual words for a good reason: blocking content, health, a product.
_SAFE_CONTEXT = frozenset("""block blocking blocked filter filters filtering parental controls
control safesearch safe kids children child son daughter doctor health clinic""".split())
_SPOKEN_AT = lx.PERSON_SECOND | frozenset("your ur u @user".split())
_PICS = frozenset({("send", "pics"), ("send", "nudes"), ("get", "naked")})
_HARASS_CUES = lx.SEXUAL | {second for _, second in _PICS}


def _harassment(tokens: list[str], present: frozenset[str]) -> list[AbuseFinding]:
    """Sexual words said to a person, within a few words of "you" or a name ("do you like
    porn", "mia, send pics"), not in a post about blocking content, health or children."""
    if present.isdisjoint(_HARASS_CUES) or present & _SAFE_CONTEXT or not present & _SPOKEN_AT:
        return []
    near = any(_SPOKEN_AT.intersection(tokens[max(0, i - 4):i + 5])
               for i, tok in enumerate(tokens) if tok in lx.SEXUAL)
    if near or _PICS & set(zip(tokens, tokens[1:], strict=False)):
        return [AbuseFinding("abuse.attack", 0.85, REASONS["harassment"], "sexual")]
    return []


def _alias(token: str, names: frozenset[str], brand_names: frozenset[str]) -> str:
    """Staff and member names read as "@user", the brand's names as "brandname"."""
    if token in names:
        return "@user"
    if token in brand_names:
        return "brandname"
    return token


def _segments(tokens: list[str], present: frozenset[str]) -> list[str]:
    """The stretches of text around trigger words, joined: phrase patterns only run there."""
    triggers = present & _TRIGGERS
    if not triggers:
        return []
    spans: list[list[int]] = []
    for i, tok in enumerate(tokens):
        if tok in triggers:
            start, end = max(0, i - _REACH), i + _REACH + 1
            if spans and start <= spans[-1][1]:
                spans[-1][1] = end
            else:
                spans.append([start, end])
    return [" ".join(tokens[start:end]) for start, end in spans]


def _first(patterns, segments: list[str], present: frozenset[str]) -> re.Match | None:
    """The first pattern match among those whose trigger words occur in the text."""
    for words, pattern in patterns:
        if words & present:
            for segment in segments:
                if match := pattern.search(segment):
                    return match
    return None


def _pattern_findings(tokens: list[str], present: frozenset[str]) -> list[AbuseFinding]:
    """Threats, incitement to self-harm, abusive dismissals and slur phrases."""
    found = []
    segments = _segments(tokens, present)
    if segments:
        found += _phrase_findings(segments, present)
    if present & _SLUR_PHRASE_WORDS:
        for _, phrase in _phrases(tokens, _SLUR_PHRASES):
            found.append(AbuseFinding("abuse.hate", 0.95, REASONS["hate"], " ".join(phrase)))
    return found + _generalisations(tokens, present)


def _phrase_findings(segments: list[str], present: frozenset[str]) -> list[AbuseFinding]:
    """Self-harm, threat and dismissal patterns over the trigger segments."""
    found = []
    if m := _first(_SELF_HARM, segments, present):
        found.append(AbuseFinding("abuse.self_harm", 0.95, REASONS["self_harm"], m.group(0)))
    if m := _first(_HATE_PHRASES, segments, present):
        found.append(AbuseFinding("abuse.hate", 0.9, REASONS["hate"], m.group(0)))
    if m := _first(_THREATS, segments, present):
        found.append(AbuseFinding("abuse.threat", 0.95, REASONS["threat"], m.group(0)))
    elif m := _first(_SOFT_THREATS, segments, present):
        found.append(AbuseFinding("abuse.threat", 0.7, REASONS["threat"], m.group(0)))
    for words, pattern, score in _DISMISSALS:
        if words & present and (m := _first(((words, pattern),), segments, present)):
            found.append(AbuseFinding("abuse.attack", score, REASONS["dismissal"], m.group(0)))
            break
    return found


_EXCLUDE = frozenset("ban deport deported expel kick gas exterminate exterminated lock round"
                     " remove purge".split())
_EXCLUDED_BY = frozenset("banned deported expelled exterminated gassed removed locked purged"
                         " sent kicked".split())
_POSSESSIVE = frozenset("my our your his her their".split())
_NEGATORS = frozenset("not never no".split())


_GROUP_PEOPLE = frozenset("""people men women folk folks kids children families guys lads boys
girls parents community communities""".split())
_NOT_HUMAN = frozenset("human humans people person persons".split())


def _group_clauses(tokens: list[str]):
    """(group word, the 3 words before, the clause after, the 7 words before) for every group
    of people named and not owned ("my girls"): an identity-group word, or a group adjective
    with a word for people ("autistic kids"). What generalisations, praise and counter-speech
    are read from."""
    for i, tok in enumerate(tokens):
        if tok in lx.IDENTITY_GROUPS:
            start = i + 1
        elif (tok in lx.GROUP_ADJECTIVES and i + 1 < len(tokens)
              and tokens[i + 1] in _GROUP_PEOPLE):
            start = i + 2
        else:
            continue
        if i and tokens[i - 1] in _POSSESSIVE:
            continue
        after = tokens[start:start + 9]
        clause = after[:next((k for k, t in enumerate(after) if t in _BOUNDARY), len(after))]
        yield tok, tokens[max(0, i - 3):i], clause, tokens[max(0, i - 7):i]


def _denied(clause: list[str], words: frozenset[str]) -> bool:
    """True when a negation in the clause's first three words is followed within three words
    by one of `words` ("are not vermin", "aren't even human")."""
    return any(t in _NEGATORS and words.intersection(clause[k + 1:k + 4])
               for k, t in enumerate(clause[:3]))


def _generalisations(tokens: list[str], present: frozenset[str]) -> list[AbuseFinding]:
    """Hate against a group named by who they are: "<group> are vermin", "ban all <group>",
    "<group> should not be allowed ...", "i hate <group>". A negation ("are not vermin") or a
    possessive ("my girls are sick") is not a generalisation."""
    if present.isdisjoint(lx.IDENTITY_GROUPS) and present.isdisjoint(lx.GROUP_ADJECTIVES):
        return []
    for tok, before, clause, wide in _group_clauses(tokens):
        barred = clause[:2] in (["should", "not"], ["must", "not"], ["should", "never"],
                                ["need", "to"]) and bool({"allowed", "banned"} & set(clause))
        if _denied(clause, _NOT_HUMAN) and "just" not in before:
            # "trans people aren't even human": denying that a group is human
            return [AbuseFinding("abuse.hate", 0.9, REASONS["hate"], tok)]
        if (_NEGATORS & set(clause[:3]) and not barred) or (
                _denial_before(before, wide) and _CONTRAST.isdisjoint(clause)):
            continue  # "are not vermin"; "i don't think x are ..." (not "... but most are")
        if (set(clause) & lx.DEHUMANISING or (_EXCLUDE & set(before)) or barred
                or ("hate" in before and "i" in before)
                or (set(clause) & _EXCLUDED_BY and "be" in clause)
                or (_LOATHING & set(before) and not _NEGATORS & set(wide))
                or before[-3:-1] == ["worse", "than"] or before[-2:] == ["worse", "than"]
                or ["death", "to"] in (before[-2:], before[-3:-1])
                or _stirs_loathing(clause)):
            return [AbuseFinding("abuse.hate", 0.9, REASONS["hate"], tok)]
    return []


# Loathing a group said outright: "i feel nothing but contempt for <group>", "<group> disgust
# me". Only with the group as the thing loathed: "seeing refugees treated like this makes me
# sick" is sympathy, so "makes me sick" alone is not read.
_LOATHING = frozenset("""hatred contempt disdain loathe loathing despise detest abhor
revulsion""".split())
_DISGUST = frozenset("disgust disgusts sicken sickens repulse repulses".split())


def _stirs_loathing(clause: list[str]) -> bool:
    """True when the group is the subject of "disgust(s) me" ("these people disgust me")."""
    words = [t for t in _people_skipped(clause) if t not in _INTENSIFIERS]
    return words[:1] != [] and words[0] in _DISGUST and words[1:2] == ["me"]


_DEROGATORY = (lx.DEHUMANISING | lx.NEGATIVE | _INSULTS | frozenset("""stupid lazy dirty
inferior dangerous violent evil greedy dumb ugly smelly backward primitive savage ignorant
thick weak worse sick mentally""".split())) - lx.PROFANITY


def _counter_speech(tokens: list[str], present: frozenset[str]) -> bool:
    """True when a group is named and a dehumanising or derogatory word said of it is denied
    in the same clause ("immigrants are not vermin", "refugees aren't parasites", "muslims
    are not stupid"), or hating a group is denied ("i don't hate gay people")."""
    if present.isdisjoint(lx.IDENTITY_GROUPS) and present.isdisjoint(lx.GROUP_ADJECTIVES):
        return False
    if present.isdisjoint(_COUNTER_CUES) and present.isdisjoint(_DENIABLE):
        return False
    if any(_says_of_group(clause) for clause in _clauses(tokens)):
        return False  # "muslims are not stupid, they are evil": something is still said
    if not _CONTRAST.isdisjoint(present):
        cut = next(i for i, tok in enumerate(tokens) if tok in _CONTRAST)
        if _says_of_group(["they", *tokens[cut + 1:]]):
            return False  # "... not dangerous, but most are vermin": the contrast says it
    for _, before, clause, wide in _group_clauses(tokens):
        said = _people_skipped(clause)
        if _denied(said, _DENIABLE):
            return True  # "immigrants are not vermin", "migrants shouldn't be deported"
        if before[-2:] in (["not", "hate"], ["never", "hated"], ["not", "hating"]):
            return True  # "i don't hate gay people"
        if before[-2:] == ["never", "said"] or before[-3:-1] == ["never", "said"]:
            return True  # "i never said trans people are bad"
        if not _DENIABLE.isdisjoint(said) and _denial_before(before, wide):
            return True  # "i don't think muslims are dangerous", "not all arabs are violent"
    return False


def _denial_before(before: list[str], wide: list[str]) -> bool:
    """True when the words before a group deny what follows: "i don't think", "i'm not
    saying", "not all", "nobody should call", "never would i call", "it's not true that"."""
    return (("not" in before and bool(_OPINION.intersection(before)))
            or before[-2:] == ["not", "all"] or bool(_DENYING_SUBJECT.intersection(before))
            or ("never" in wide and "call" in wide)
            or any(wide[k:k + 3] == ["not", "true", "that"] for k in range(len(wide) - 2)))


# What a denial can deny of a group: derogatory words, being excluded or harmed, blame.
_DENIABLE = _DEROGATORY | _EXCLUDE | _EXCLUDED_BY | frozenset("""punished mocked blamed
attacked killed harmed abused hurt criminals criminal terrorists terrorist predators thieves
drunks aggressive oppressed scammers fraudsters confused broken burden threat problem reason
dangerous illegal""".split())
_OPINION = frozenset("think believe see say saying reckon agree mean".split())
_CONTRAST = frozenset("but except though however yet although".split())
_DENYING_SUBJECT = frozenset("nobody noone".split())


_CLAUSE_BREAKS = _BOUNDARY | frozenset("and but while because so".split())
_OF_GROUP = lx.IDENTITY_GROUPS | lx.GROUP_ADJECTIVES | frozenset(
    "they them their these those".split())


def _clauses(tokens: list[str]) -> list[list[str]]:
    """The tokens cut at punctuation and at "and", "but", "because"..."""
    out, current = [], []
    for tok in tokens:
        if tok in _CLAUSE_BREAKS:
            out.append(current)
            current = []
        else:
            current.append(tok)
    return [c for c in out + [current] if c]


def _says_of_group(clause: list[str]) -> bool:
    """True when a clause about a group (or "they") says a derogatory word of it, not
    denied ("they are evil"; not "saying so is disgusting", not "are not stupid")."""
    if set(clause).isdisjoint(_OF_GROUP):
        return False
    return any(tok in _DEROGATORY and not _DENIERS.intersection(clause[max(0, i - 6):i])
               for i, tok in enumerate(clause))


_DENIERS = _NEGATORS | frozenset("nobody noone".split())


def _people_skipped(clause: list[str]) -> list[str]:
    """The clause after a group adjective's word for people ("black people are ...")."""
    while clause[:1] and clause[0] in _GROUP_PEOPLE:
        clause = clause[1:]
    return clause


_HOSTILE = (lx.NEGATIVE | _INSULTS | lx.DEHUMANISING | lx.SLURS_HARD | lx.SLURS_SOFT
            | lx.VIOLENCE | _EXCLUDE | _EXCLUDED_BY | _NEGATORS
            | frozenset("but except though however unless yet".split()))
_LINKING = frozenset("are is were be being make makes made deserve deserves".split())
_PRAISE_CUES = frozenset("like people human deserve deserves".split())
_PRAISE_GAP = frozenset("how the all our these those local".split())
# "the white race is the most beautiful creation": a race praised as such is supremacism
_SUPREMACY = frozenset("white whites race aryan aryans nordic".split())
# Intensifiers and articles skipped when reading what is said of a group ("are all so kind").
_INTENSIFIERS = frozenset("""so really very truly such the most some of all just too also a an
absolutely genuinely honestly always simply incredibly""".split())


def _praise(tokens: list[str], present: frozenset[str]) -> bool:
    """True when a group of people is praised or welcomed ("trans people are valid", "I love
    Muslims", "refugees deserve respect") in a post with no hostile, violent, negated or
    contrasting word anywhere ("but", "not"): then no one is attacked for who they are."""
    if (present & _HOSTILE or present & _SUPREMACY
            or not present & _PRAISE_ANY):
        return False
    for _, before, clause, _ in _group_clauses(tokens):
        if lx.PRAISING_VERBS & set(before[-2:]):
            return True
        if before[:1] and before[0] in lx.PRAISING_VERBS and set(before[1:]) <= _PRAISE_GAP:
            return True  # "I love how the Muslim families ...", "thank all the Sikh ..."
        words = [t for t in clause if t not in _INTENSIFIERS]
        while words[:1] and words[0] in _GROUP_PEOPLE:  # "trans people are valid"
            words = words[1:]
        if words[:1] and words[0] in _LINKING:
            praised = words[1:3]
            if lx.PRAISE & set(praised) and "at" not in words[1:4]:
                return True
            if words[0].startswith("deserve") and lx.DESERVED & set(praised):
                return True
            if words[1:3] in (["like", "everyone"], ["like", "anyone"], ["like", "us"]) or (
                    words[1:2] in (["people"], ["human"], ["humans"]) and "too" in clause):
                return True
    return False


_QUOTED = re.compile(r"[\"“”]([^\"“”\n]{2,200})[\"“”]"
                     r"|(?<!\w)['‘]((?:[^'‘’\n]|(?<=\w)['’](?=\w)){2,200}?)['’](?!\w)")
# Words and phrases that condemn or report what was said (read as a word set: a regex
# alternation this long costs half a millisecond on a long post).
_CONDEMN_WORDS = frozenset("""report reported reporting flag flagged wrong disgusting vile
ignorant hurtful hateful racism racist bigot bigoted bigotry sexism sexist homophobic
transphobic offensive unacceptable stop harmful nonsense myth untrue false apologise apologize
apology shameful awful horrible gross conspiracy stereotype prejudice hurts sad saddening
sickening appalled appalling condemn consequences jail arrested hurt mods moderators remove
removed delete deleted locking quoting antisemitic antisemitism islamophobic islamophobia
xenophobic xenophobia ignorance ashamed cruel debunked slur stereotypes banned""".split())
_CONDEMN_PHRASES = ("no place", "not ok", "sick of", "tired of", "not true", "isn't true",
                    "isnt true", "shouldn't say", "shouldnt say", "not acceptable",
                    "can't believe", "cannot believe", "look at themselves", "nobody deserves",
                    "no one deserves", "least of all", "onto you", "i was wrong")


def _condemns(low: str, words: set[str] | None = None) -> bool:
    """True when lower-cased text (and its words, if known) condemns or reports something."""
    words = set(_WORDS.findall(low)) if words is None else words
    return not _CONDEMN_WORDS.isdisjoint(words) or any(p in low for p in _CONDEMN_PHRASES)


_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|youre|u|ur|ya)\b", re.IGNORECASE)


def without_condemned_quotes(text: str) -> str | None:
    """The text without what it quotes or reports, when a post about a group of people
    condemns or reports it ("Saying 'refugees are parasites' is disgusting", "Reported the
    post that says 'women can't do tech'", "calling women cockroaches is a horrible thing to
    do"): those words are what is condemned, not what is said. None when nothing is quoted
    or reported, when a quote or report speaks to someone ("you"), when the words outside
    condemn nothing, or when no group of people is named."""
    if len(text) > _CONDEMNED_QUOTES_MAX:
        return None  # a long post is judged as written (this reading costs time per character)
    low = text.lower()
    quoted = any(mark in text for mark in "'\"“‘")
    if not quoted and not any(verb in low for verb in _REPORT_VERBS):
        return None
    words = set(_WORDS.findall(low))
    if words.isdisjoint(_GROUP_CUES) or not _condemns(low, words):
        return None  # no group named, or nothing condemned: the cheap checks first
    spans, outside = [], text
    if quoted:
        pieces, last = [], 0
        for match in _QUOTED.finditer(text):
            spans.append(match.group(1) or match.group(2))
            pieces.append(text[last:match.start()])
            last = match.end()
        if spans:
            outside = " ".join(pieces + [text[last:]])
    reported, outside = _reports(outside, _REPORTED)
    spans += reported
    if not quoted or not spans:
        reported, outside = _reports(outside, _REPORTED_VIEW)
        spans += reported
    if not spans or any(_SECOND_PERSON.search(q) for q in spans):
        return None  # "'you're a moron', stop it": words aimed at someone are judged as said
    return outside if _condemns(outside.lower()) else None


_REPORT_VERBS = ("call", "say", "said", "tell", "told", "threaten", "post", "writ", "wrote",
                 "claim", "think", "thought", "repeat", "spreading the")
_CONDEMNED_QUOTES_MAX = 1000  # characters: counter-speech is short; long posts read as written
_WORDS = re.compile(r"[a-z]+")
# Reported speech: "calling <people> <word>", "saying <people> are ...", to the clause's end.
# The report ends at punctuation or at the verb that judges it ("calling women cockroaches
# | is horrible"); one said to or of the writer ("calling me names") is not a report.
_REPORTED = re.compile(r"\b(?:calling|call|called|saying|say|said|telling|tell|told"
                       r"|threatening|threaten|threatened)\b(?!\s+(?:me|us|you|him|her)\b)"
                       r"([^.!?;:,\n]{3,120})", re.IGNORECASE)
# Thinking, claiming, posting or writing something is reported too, when nothing is quoted
# (a quote is what was posted) and the writer is not the one doing it ("I think ...", "we
# believe ...", "to think that ..." are their own view, judged as said, and so is what
# "they think I want"; "I don't think ..." is a denial, read by _counter_speech).
_REPORTED_VIEW = re.compile(
    r"(?<!\bi )(?<!\bwe )(?<!\bi really )(?<!\bi do )(?<!\bi still )(?<!n't )(?<!not )"
    r"\b(?:posting|posts|posted|post|writing|writes|wrote|write|claiming|claims|claimed|claim"
    r"|repeating|repeat|spreading the (?:myth|lie)|(?<!\bto )(?:thinking|thinks|think|thought))"
    r"(?: that| the myth that| the lie that)?\b(?!\s+(?:me|us|you|him|her|i|we)\b)"
    r"([^.!?;:,\n]{3,120})", re.IGNORECASE)
_JUDGING = re.compile(r"\b(?:is|was|isn't|wasn't|will|gets|makes|should)\b", re.IGNORECASE)


def _reports(text: str, pattern: re.Pattern) -> tuple[list[str], str]:
    """(the spans `pattern` reports, the text without them)."""
    spans, kept, last = [], [], 0
    for match in pattern.finditer(text):
        span = match.group(1)
        judged = _JUDGING.search(span)
        if judged:
            span = span[:judged.start()]
        if len(span.strip()) < 3:
            continue
        spans.append(span)
        kept.append(text[last:match.start(1)])
        last = match.start(1) + len(span)
    kept.append(text[last:])
    return spans, " ".join(kept)


_ONE_OF = frozenset("""a an one two three four five six my her his our your whose
colleague colleagues neighbour neighbours neighbor neighbors friend friends wife husband
partner son daughter mum mom dad mother father brother sister boss manager teacher
doctor""".split())


def _individuals_only(tokens: list[str], present: frozenset[str]) -> bool:
    """True when every group word describes particular people ("her colleague is a muslim",
    "i live with two gay people", "my polish neighbour") and nothing hostile is said: no
    group is spoken of as a whole."""
    if present & _NOT_INDIVIDUAL:
        return False
    found = False
    for i, tok in enumerate(tokens):
        if tok not in lx.IDENTITY_GROUPS and tok not in lx.GROUP_ADJECTIVES:
            continue
        found = True
        if not _ONE_OF.intersection(tokens[max(0, i - 2):i]):
            return False
    return found


def _phrases(tokens: list[str], phrases: tuple[tuple[str, ...], ...]):
    """(index of the last word, phrase) for every listed phrase occurring in the tokens."""
    firsts = {p[0] for p in phrases}
    for i, tok in enumerate(tokens):
        if tok in firsts:
            for phrase in phrases:
                if tuple(tokens[i:i + len(phrase)]) == phrase:
                    yield i + len(phrase) - 1, phrase


def _term_findings(tokens: list[str], present: frozenset[str]) -> list[AbuseFinding]:
    """Slurs, insults resolved to their target, and swearing, word by word."""
    found = []
    if present & _INTERESTING:
        for i in [i for i, tok in enumerate(tokens) if tok in _INTERESTING]:
            found += _term_finding(tokens, i)
    if present & _INSULT_PHRASE_WORDS:
        for index, phrase in _phrases(tokens, _INSULT_PHRASES):
            finding = _insult_finding(tokens, index, strong=True, term=" ".join(phrase))
            if finding:
                found.append(finding)
    return found


def _term_finding(tokens: list[str], i: int) -> list[AbuseFinding]:
    """What one slur, insult or swear word at position i amounts to."""
    tok = tokens[i]
    found = []
    if tok in lx.SLURS_HARD:
        found.append(AbuseFinding("abuse.hate", 0.95, REASONS["hate"], tok))
    elif tok in lx.SLURS_SOFT and (insult_target(tokens, i) == PERSON
                                   or _demonstrative_before(tokens, i)):
        found.append(AbuseFinding("abuse.hate", 0.95, REASONS["hate"], tok))
    if tok in _INSULTS:
        finding = _insult_finding(tokens, i)
        if finding:
            found.append(finding)
    elif tok in lx.PROFANITY:
        found.append(AbuseFinding("abuse.profanity", 0.5, REASONS["profanity"], tok))
    return found


def _insult_finding(tokens: list[str], i: int, *, strong: bool | None = None,
                    term: str = "") -> AbuseFinding | None:
    """An attack when the insult at position i lands on a person (or, if strong, on no one)."""
    tok = tokens[i]
    if strong is None:
        strong = tok in lx.INSULT_NOUNS_STRONG or tok in lx.INSULT_ADJECTIVES_STRONG
    target = insult_target(tokens, i)
    predicated = _predicated_of_person(tokens, i) or _exclaimed_of_person(tokens, i)
    if predicated:
        target = PERSON  # "that rep who handled my case is a lying little worm"
    if target == PERSON and not strong and not _addressed(tokens, i) and not predicated:
        return None
    if target == PERSON:
        score = 0.95 if strong else 0.75
    elif target == UNKNOWN and strong and tok not in lx.INSULT_ADJECTIVES_STRONG:
        score = 0.8
    else:
        return None
    return AbuseFinding("abuse.attack", score, REASONS["attack"], term or tok)


def insult_target(tokens: list[str], i: int) -> str:
    """Who the insult at position i is aimed at: PERSON, BRAND, SELF_TARGET or UNKNOWN."""
    tok = tokens[i]
    if tok in lx.INSULT_ADJECTIVES_STRONG or tok in lx.INSULT_ADJECTIVES_WEAK:
        right = _right_noun(tokens, i)
        if right:
            return right
    weak = tok in lx.INSULT_NOUNS_WEAK or tok in lx.INSULT_ADJECTIVES_WEAK
    if "sorry" in tokens[max(0, i - 6):i] and "for" in tokens[max(0, i - 4):i]:
        return SELF_TARGET  # "sorry for being such a shithead"
    if tok in lx.INSULT_NOUNS_STRONG and _demonstrative_before(tokens, i):
        return PERSON
    left = _left_anchor(tokens, i, max_unknown=1 if weak else 2)
    if left:
        return left
    if i + 2 < len(tokens) and tokens[i + 1] == "like" and _anchor(tokens[i + 2]) == PERSON:
        return PERSON
    return UNKNOWN


_EXCLAIMED_OF = frozenset("you u he she they ye".split())


def _exclaimed_of_person(tokens: list[str], i: int) -> bool:
    """ "what a spineless weasel you are", "what a clown he is": an exclamation that says a
    person is the insult."""
    return ("what" in tokens[max(0, i - 4):i] and i + 2 < len(tokens)
            and tokens[i + 1] in _EXCLAIMED_OF and tokens[i + 2] in _COPULAS)


_COPULAS = frozenset("is are am was were be been being seem seems seemed look looks looked sound"
                     " sounds act acts become became".split())


_ARTICLES = frozenset("a an the such some one".split())
_PHRASE_ENDS = frozenset("and who that like with for lol mate honestly".split())


def _predicated_of_person(tokens: list[str], i: int) -> bool:
    """ "the new mod is a maggot", "that agent is a worm": a person said to be the insult
    (not "the engineer's dog", where the animal is only mentioned, nor "a dog lover")."""
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    if after and after not in _BOUNDARY and after not in _PHRASE_ENDS:
        return False
    j, described = i - 1, 0
    while j >= 0 and tokens[j] not in _COPULAS and tokens[j] not in _NEGATORS and (
            tokens[j] in _ARTICLES or tokens[j] in lx.FILLERS
            or (described < 2 and tokens[j] not in _BOUNDARY and _anchor(tokens[j]) is None)):
        if tokens[j] not in _ARTICLES and tokens[j] not in lx.FILLERS:
            described += 1  # "a lying little worm": up to two words describing the insult
        j -= 1
    if j < 1 or tokens[j] not in _COPULAS:
        return False
    if _anchor(tokens[j - 1]) == PERSON:
        return True
    # "that rep who handled my case is a worm": the person before a relative clause;
    # "whoever replied to me is trash"
    clause = tokens[max(0, j - 8):j]
    if "whoever" in clause and not _BOUNDARY & set(clause[clause.index("whoever"):]):
        return True
    if "who" in clause:
        k = max(0, j - 8) + len(clause) - 1 - clause[::-1].index("who")
        return any(_anchor(t) == PERSON for t in tokens[max(0, k - 2):k])
    return False


def _addressed(tokens: list[str], i: int) -> bool:
    """True when a weak insult ("trash", "clown") is said to the reader: "you", "you clowns"."""
    return any(tokens[j] in lx.PERSON_SECOND or tokens[j] == "your"
               for j in range(max(0, i - _MAX_REACH), i))


def _demonstrative_before(tokens: list[str], i: int) -> bool:
    """ "that idiot", "this f***ing moron": a demonstrative naming a person by an insult."""
    for j in range(i - 1, max(-1, i - 4), -1):
        if tokens[j] in lx.THING_PRONOUNS:
            return True
        if tokens[j] not in lx.FILLERS and tokens[j] not in VOCABULARY:
            return False
    return False


def _left_anchor(tokens: list[str], i: int, max_unknown: int = 2) -> str | None:
    """The nearest anchor to the left within the clause; after a verb "to be" it must be the
    subject itself ("August is trash" names no one). A comma counts as one unknown word."""
    unknown = 0
    after_copula = False
    for j in range(i - 1, max(-1, i - 1 - _MAX_REACH), -1):
        tok = tokens[j]
        if tok in _BOUNDARY and tok != ",":
            return None
        if tok in {"not", "never", "no"}:
            return SELF_TARGET
        anchor = _anchor(tok)
        if anchor == PERSON and tok == "you" and _names_brand(tokens, j):
            return BRAND
        if anchor:
            return anchor
        if tok in _COPULAS:
            after_copula = True
        elif tok not in lx.FILLERS and tok not in VOCABULARY and tok != "and":
            unknown += 1
            if (after_copula and tok != ",") or unknown > max_unknown:
                return None
    return None


def _right_noun(tokens: list[str], i: int) -> str | None:
    """For an adjective, the noun it qualifies ("stupid router", "dumb girl"), if one follows."""
    for j in range(i + 1, min(len(tokens), i + 4)):
        tok = tokens[j]
        if tok in lx.PERSON_NOUNS or tok in _THINGS:
            return PERSON if tok in lx.PERSON_NOUNS else BRAND
        if tok in _INSULTS and tok not in lx.INSULT_ADJECTIVES_STRONG:
            return None
        if tok not in lx.FILLERS and tok not in lx.PROFANITY:
            return None
    return None


_THINGS = lx.THING_NOUNS | {w + "s" for w in lx.THING_NOUNS} | {"brandname"}


def _names_brand(tokens: list[str], j: int) -> bool:
    """ "Acme, you ..." or "you, Acme": the "you" is the brand itself."""
    near = tokens[max(0, j - 2):j] + tokens[j + 1:j + 3]
    return "brandname" in near


def _anchor(tok: str) -> str | None:
    """What kind of target a single word names, if any."""
    if tok in lx.PERSON_SECOND or tok in lx.PERSON_THIRD or tok in lx.PERSON_NOUNS:
        return PERSON
    if tok in _THINGS or tok in lx.THING_PRONOUNS:
        return BRAND
    if tok in lx.SELF:
        return SELF_TARGET
    return None


_NEGATIVE_WORDS = lx.NEGATIVE | _INSULTS
# Words that criticise a thing ("the app is garbage", "a stupid router"): insults for people
# ("loser", "moron") are not, even with a thing in the post ("a loser on a phone forum").
_CRITICAL_OF_THINGS = _NEGATIVE_WORDS - (lx.INSULT_NOUNS_STRONG | lx.INSULT_NOUNS_WEAK)
# Words that show a text is about a group of people: the hate classifier only counts then.
_GROUP_CUES = (lx.IDENTITY_GROUPS | lx.GROUP_ADJECTIVES | lx.SLURS_HARD | lx.SLURS_SOFT | frozenset(
    "race races racial culture cultures country colour color religion foreigners kind ethnic"
    " nation tribe breed third surnames".split()))


# A colour said of a thing ("SR102 is black", "hub lights all white") names no group.
_COLOURS = frozenset("black white brown".split())
_COLOUR_LEAD = frozenset("is are was were all in its".split())
_DESCRIBED = _THINGS | frozenset("""one ones model models colour color colours colors version
editions edition cable cables keyboard layout language translation translations subtitles
case cover voice accent number numbers food market shipping""".split())


def _names_group(tokens: list[str], present: frozenset[str]) -> bool:
    """True when a group of people is named: a group word not describing a thing ("black
    people", "immigrants"; not "the black one", "the English manual"), or a slur. A group
    word written as a hashtag ("#jew", "#muslims") names it too."""
    if present.isdisjoint(_GROUP_CUES) and not any(map(_hashtag_group, present)):
        return False
    return any((tok in _GROUP_CUES or _hashtag_group(tok))
               and (i + 1 == len(tokens) or tokens[i + 1] not in _DESCRIBED)
               and not (tok in _COLOURS and _colour_of_a_thing(tokens, i))
               for i, tok in enumerate(tokens))


def _hashtag_group(token: str) -> bool:
    """ "#jew", "#islam": a group word written as a hashtag (a hyphenated compound such as
    "non-whites" measured worse on validation: see bench/README.md)."""
    return token.startswith("#") and token.lstrip("#") in _GROUP_CUES


def _colour_of_a_thing(tokens: list[str], i: int) -> bool:
    """ "SR102 is black", "the lights are all white": a colour said of something, ending
    the clause, with no word for people after it."""
    after = tokens[i + 1] if i + 1 < len(tokens) else "."
    return (i > 0 and tokens[i - 1] in _COLOUR_LEAD
            and (after in _BOUNDARY or after in ("and", "or", "now", "too")))


# The brand's people taken together ("your engineers", "your agents"): criticising how they
# work is criticising the brand, as long as no one is insulted.
_STAFF_PLURALS = frozenset("""engineers agents staff developers devs reps technicians employees
managers management designers testers advisors advisers techs""".split())
_FAILING = frozenset("never not nothing nobody fail fails failed ignore ignored".split())


# A service failing, or a customer leaving: with the brand or its things named, a complaint.
_LEAVING = frozenset("""cancel cancelling canceling cancelled canceled switching switched
leaving avoid porting refund refunds complaint complain complaining""".split())
_FAILURES = (("not", "work"), ("not", "working"), ("never", "works"), ("never", "work"),
             ("never", "answer"), ("never", "answers"), ("never", "replied"),
             ("never", "fix"), ("never", "fixed"), ("not", "fixed"), ("not", "answer"),
             ("no", "reply"), ("no", "response"), ("no", "answer"), ("anywhere", "else"),
             ("nobody", "fixes"), ("never", "use"), ("not", "fix"), ("without", "reply"),
             ("without", "response"), ("without", "answer"), ("without", "warning"),
             ("with", "fire"), ("nobody", "came"), ("nobody", "called"),
             ("nobody", "answers"), ("nobody", "answered"), ("still", "waiting"),
             ("no", "apology"), ("not", "resolved"), ("never", "came"), ("never", "showed"),
             ("keeps", "crashing"), ("keeps", "dropping"), ("keep", "ending"),
             ("keeps", "freezing"), ("sort", "out"), ("fix", "it"), ("errors", "in"))


def _fails(tokens: list[str], present: frozenset[str]) -> bool:
    """True when a post says a service fails or the writer is leaving it."""
    if present & _LEAVING:
        return True
    pairs = set(zip(tokens, tokens[1:], strict=False))
    pairs |= set(zip(tokens, tokens[2:], strict=False))  # "not really working"
    return bool(pairs.intersection(_FAILURES))


def speaks_to_the_brand(tokens: tuple[str, ...] | list[str]) -> bool:
    """True when every "your" in the text is followed by one of the brand's things ("your
    broadband", "your support team"): the reader addressed is the brand, not a person."""
    yours = [i for i, tok in enumerate(tokens) if tok in ("your", "ur")]
    return bool(yours) and all(_THINGS.intersection(tokens[i + 1:i + 3]) for i in yours)


def _criticises_brand(tokens: list[str], present: frozenset[str], group: bool) -> bool:
    """True when the text pairs a negative word with the brand or one of its things, or
    says the brand's people collectively fail ("your engineers never test anything")."""
    if present & lx.VIOLENCE and present & _STAFF_PLURALS:
        return False  # "i will hurt your staff if this is not fixed"
    if "your" in present and present & _STAFF_PLURALS and present & _FAILING_OR_NEGATIVE:
        if any(tok == "your" and _STAFF_PLURALS.intersection(tokens[i + 1:i + 3])
               for i, tok in enumerate(tokens)):
            return True
    if (present & _THINGS and present.isdisjoint(lx.VIOLENCE)
            and not group and _fails(tokens, present)):
        return True  # "the forum team never answers", "cancel this contract, go anywhere else"
    if not present & _NEGATIVE_WORDS:
        return False
    if present & _THINGS and present & _CRITICAL_OF_THINGS:
        return True
    return "brandname" in present and any(
        tok == "you" and _names_brand(tokens, i) for i, tok in enumerate(tokens))


_WORD_SPAN = re.compile(r"[^\s.,!?;:\"()\[\]{}<>]+")


def mask_profanity(text: str) -> str:
    """Swear words reduced to their first letter and asterisks ("d***"); the rest untouched."""
    def mask(match: re.Match) -> str:
        """One word, masked if it is swearing."""
        word = match.group(0)
        if _resolve(fold(word).lower()) in lx.PROFANITY:
            return word[0] + "*" * (len(word) - 1)
        return word
    return _WORD_SPAN.sub(mask, text)


# Unions read on every post, computed once.
_SOMEONE_OR_GROUP = _ADDRESSED | _GROUP_CUES
_INSULTING = _INSULTS | frozenset("thick dumb stupid".split())
_COUNTER_CUES = _DEROGATORY | frozenset("hate hated said wrong".split())
_PRAISE_ANY = lx.PRAISE | lx.PRAISING_VERBS | _PRAISE_CUES
_NOT_INDIVIDUAL = _HOSTILE | _DEROGATORY | frozenset("typical another again all every".split())
_FAILING_OR_NEGATIVE = _FAILING | _NEGATIVE_WORDS
