"""Spam and scam signals besides the learned classifier: links, domains, bait, helplines, rate.

Each function returns (score, reason) with score in [0, 1]; the rule set decides what a score
leads to. Reasons are written for the author.
"""
from __future__ import annotations

import math
import re
from datetime import datetime

from .config import EngineConfig
from .pii import PiiMatch
from .text import URL_RE, domain_matches, domain_of, lowered
from .types import AuthorFacts, as_utc

Signal = tuple[float, str]
NONE: Signal = (0.0, "")


def logit_shift(probability: float, shift: float) -> float:
    """Move a probability by `shift` in log-odds: the prior for this kind of author."""
    if shift == 0 or probability <= 0.0 or probability >= 1.0:
        return probability
    odds = math.log(probability / (1.0 - probability)) + shift
    return 1.0 / (1.0 + math.exp(-odds))


def prior_shift(author: AuthorFacts, config: EngineConfig) -> float:
    """How much stricter (positive) or looser (negative) to score this author's text."""
    shift = config.spam_prior_shift.get(author.trust_level, 0.0)
    if author.is_new:
        shift += config.first_post_shift
    if author.past_sanctions:
        shift += config.sanctioned_shift
    return shift


def counted_domains(links: tuple[str, ...], config: EngineConfig) -> list[str]:
    """Domains of the links that count against limits (the brand's own sites do not)."""
    domains = [domain_of(link) for link in links]
    return [d for d in domains if d and not domain_matches(d, config.allowed_domains)]


def link_limit(domains: list[str], author: AuthorFacts, config: EngineConfig) -> Signal:
    """More links than the author's trust level allows."""
    limit = config.link_limits.get(author.trust_level)
    if limit is None or len(domains) <= limit:
        return NONE
    excess = len(domains) - limit
    return (min(0.95, 0.55 + 0.1 * excess),
            f"It contains {len(domains)} links; members at your level may post {limit}.")


def bad_domain(domains: list[str], config: EngineConfig) -> Signal:
    """A link to a domain the admins have blocked."""
    blocked = sorted({d for d in domains if domain_matches(d, config.bad_domains)})
    if not blocked:
        return NONE
    return (1.0, f"It links to a blocked site ({', '.join(blocked)}).")


def shortener(domains: list[str], author: AuthorFacts, config: EngineConfig) -> Signal:
    """Link shorteners hide where a link goes: from a new member one is noted (below the hold
    line: people paste t.co links innocently), two or more are held."""
    if author.trust_level > config.shortener_max_trust:
        return NONE
    short = sum(1 for d in domains if domain_matches(d, config.shortener_domains))
    if short:
        return (0.7 if short > 1 else 0.4,
                "It uses link shorteners; please post the full addresses.")
    return NONE


_CHANNEL = re.compile(
    r"\b(?:whats\s?app|telegram|signal app|wechat|viber|kik|snapchat|wa\.me|t\.me|instagram|"
    r"insta|discord|facebook messenger|"
    r"(?:dm|inbox|pm|message|text|contact|email|e-mail)\s+(?:me|us|him|her|immediately|asap)|"
    r"(?:reach|contact)\s+(?:me|us|him|her)\s+(?:on|via|at)|text\s+\w+\s+to\s+\d+)\b",
)
_MONEY = re.compile(
    r"\b(?:crypto\w*|bitcoin|btc|usdt|ethereum|eth|forex|binary options?|invest\w*|profits?|"
    r"trading|trader|broker|earn(?:ed|ing|s)?|income|loans?|recover(?:y|ed)? (?:of )?(?:your |my )?"
    r"(?:funds|money|account|wallet)|hackers?|hacked wallet|account manager|financial freedom|"
    r"giveaway|prize|jackpot|winner|won|cash|payout|returns?|per (?:day|week)|guaranteed|"
    r"claim|reward|bonus|refund agent|small fee|(?:a|my|the) fee|paid service|for a fee"
    r"|half price|100% legit|legit)\b"
    r"|[$£€]\s?\d|\d\s?(?:usd|gbp|eur|pounds|dollars)\b",
)
# Someone who is not staff offering to fix, unlock or recover an account off the forum.
_FIXER = re.compile(
    r"\b(?:i|we|who|that|he|she|they) (?:can|will|could) (?:help you )?(?:fix|unlock|recover"
    r"|restore|sort|solve|reset|get back|reactivate|hack|unban)\b"
    r"|\b(?:recovery|account|hacker|tech|certified) (?:expert|specialist|agent|pro|assistance"
    r"|services?|team)\b|\bhacker\b",
)


_INVITE = re.compile(
    r"\b(?:message|text|contact|add|dm|pm|inbox|reach|call|ping|whats\s?app|telegram|signal)"
    r"\s+(?:me|us)\b|\b(?:on|via|at)\s+(?:whats\s?app|telegram|signal|wechat|viber|kik)\s*[:@+]"
    r"|(?:telegram|whats\s?app|wa\.me|t\.me)\s*(?:only\s*)?[:/]?\s*[@+]\w"
    r"|\b(?:telegram|whats\s?app)\s+only\b"
    r"|\btell (?:him|her|them) (?:that )?i sent you\b"
    r"|@\w+ on (?:instagram|insta|telegram|whats\s?app|discord|snapchat)\b",
)
# Someone asking whether a message they got is genuine, or warning others: not a scam itself.
_ASKING = re.compile(
    r"\bis (?:this|that|it) (?:a |really )?(?:real|legit|genuine|scam|safe|you|official)\b"
    r"|\b(?:a |another )?(?:scam|phishing|fraud alert)\b|\bgot (?:a|this|an) (?:message|text|call"
    r"|e-?mail)|\breceived (?:a|this|an) (?:message|text|call)|\bsomeone (?:messaged|texted"
    r"|called|offered)|\b(?:a guy|someone|somebody) (?:replied|posted)\b",
)


def contact_bait(text: str, pii: list[PiiMatch]) -> Signal:
    """An invitation to move off the forum (WhatsApp, Telegram, a phone number) about money,
    prizes, investments or "fixing" an account. Someone asking whether such a message is real,
    or naming an app in passing, is not baiting anyone."""
    folded = lowered(text)
    invite = bool(_INVITE.search(folded)) or any(p.kind in ("phone", "email") for p in pii)
    channel = invite or _search_near(_CHANNEL, text, _CHANNEL_WORDS) is not None
    if not channel:
        return NONE
    money = _MONEY.findall(folded) + _FIXER.findall(folded)
    if not money or (_ASKING.search(folded) and not _INVITE.search(folded)):
        return NONE
    if not invite:
        return (0.45, "It talks about money next to a messaging app.")
    return (0.9 if len(money) >= 2 or _INVITE.search(folded) else 0.7,
            "It asks readers to move to another channel about money, prizes, investments or "
            "fixing an account, a common scam.")


# The scams every open forum gets, whatever the brand: advance-fee letters, spell casters,
# loans or "investments" that want your bank login, accounts for sale, daily-return schemes.
_SCAM_PITCH = re.compile(
    r"\b(?:transfer|move|moving|transferring) (?:the )?(?:sum of )?(?:us)?[$£€]?\s?"
    r"(?:\d{1,3}(?:,\d{3}){2,}|\d+(?:\.\d+)? ?(?:million|m)\b)(?: ?(?:usd|dollars|pounds))?"
    r" (?:\w+ )?(?:out of|into your|to your|from)"
    r"|\bnext of kin\b|\bunclaimed (?:funds|inheritance|deposit)"
    r"|\b\d+(?:\.\d+)? ?million (?:dollars |usd |pounds )?(?:inheritance|fund|funds|deposit)"
    r"|\b(?:inheritance|fund|funds|deposit|consignment) (?:of |worth )?(?:us)?[$£€]\s?[\d.,]+"
    r" ?(?:million|m)\b|\b(?:trusted|reliable|honest) foreign partner\b"
    r"|\b(?:love|money|lottery|marriage) spells?\b|\bspell ?casters?\b"
    r"|\b(?:brought|bring|bringing) (?:back )?(?:my|your|her|his) (?:ex|lover|husband|wife"
    r"|girlfriend|boyfriend|partner)(?: back)?\b(?=.{0,80}\b(?:dr|doctor|priest|spell|contact))"
    r"|\b(?:send|give|share|provide) (?:us |me )?(?:your |a copy of your )?(?:id and |id, )?"
    r"(?:bank login|online banking (?:login|password|details)|banking password|login details"
    r"|pin number|card pin)"
    r"|\b(?:buy|sell|selling|cheap) (?:\d+ )?(?:aged|verified|pva|bulk)"
    r" (?:\w+ )?accounts?\b"
    r"|\b\d+(?:\.\d+)?\s?% (?:daily|weekly|per day|a day|every day) (?:returns?|profits?"
    r"|interest|roi)\b|\b(?:daily|weekly) (?:returns?|profits?|payouts?) of \d"
    r"|\bget rich quick\b|\bmake (?:[$£€]?[\d,]+k?|money|cash) (?:fast|from home|online"
    r" daily)\b",
)
_SCAM_WORDS = ("transfer", "move", "moving", "next of kin", "unclaimed", "spell", "brought",
               "million", "foreign partner", "inheritance", "fund", "deposit", "consignment",
               "bring", "send", "give", "share", "provide", "accounts", "account", "%",
               "daily", "rich quick", "make ")


_WARNING = re.compile(r"\b(?:never|not|don't|do not|dont|won't|nobody|no one|beware)\b")


def scam_pitch(text: str, author: AuthorFacts) -> Signal:
    """A classic forum scam from someone who is not staff: an advance-fee letter, a spell
    caster, a loan or investment that wants bank logins, accounts for sale, daily returns.
    Someone asking whether such a message is real is not running it."""
    if author.is_staff:
        return NONE
    folded = lowered(text)
    if not any(word in folded for word in _SCAM_WORDS):
        return NONE
    match = _SCAM_PITCH.search(folded)
    if match is None or _ASKING.search(folded) or _WARNING.search(
            folded[max(0, match.start() - 40):match.start()]):
        return NONE
    return (0.8, "It reads like a well-known scam (an advance-fee letter, a spell caster, an "
                 "offer that asks for bank logins, accounts for sale or daily returns).")


_HELPLINE = re.compile(
    r"\b(?:customer\s*(?:care|service|support)|help\s*-?\s*line|help\s*desk|hotline|"
    r"tech(?:nical)?\s+support|support\s+(?:number|phone|line|team number)|contact\s+number|"
    r"toll[\s-]*free|care\s+number)\b",
)
_SCAM_MARKERS = re.compile(
    r"\b(?:toll[\s-]*free|24\s*[/x*]\s*7|24\s*hours?|call\s+now|(?:please\s+)?(?:call|dial|"
    r"contact|reach|ring)\s+(?:us|them|the|our|at|on|\+|\d)|helpline\s+number|"
    r"customer\s+care\s+number|for\s+(?:any|all)\s+(?:issues?|queries|help|problems?))",
)
_TOLL_FREE = re.compile(r"(?:\+?1[\s.-]?)?\(?8(?:00|33|44|55|66|77|88)\)?[\s.-]?\d{3}"
                        r"|\b0800|\b0808|\b1[\s-]?800[\s-]?\d")


def helpline(text: str, pii: list[PiiMatch], author: AuthorFacts) -> Signal:
    """A 'customer care helpline' number from someone who is not staff: the classic forum scam.

    Official numbers in the settings were already excluded by the private-data check.
    """
    phones = [p for p in pii if p.kind == "phone"]
    if author.is_staff or not phones or not _HELPLINE.search(lowered(text)):
        return NONE
    numbers = " ".join(text[p.start:p.end] for p in phones)
    if _SCAM_MARKERS.search(lowered(text)) or _TOLL_FREE.search(numbers):
        return (0.95, "It advertises a support phone number. Only staff give support contacts, "
                      "and numbers posted by others are often scams.")
    return (0.4, "It mentions a support phone number.")


_SALES = re.compile(
    r"\b(?:selling|we sell|i sell|for sale|buy (?:now|cheap|online|here)|order (?:now|today|online)"
    r"|shop now|cheap(?:est)? (?:rates|prices?)|best prices?|discount code|\d+\s?% off"
    r"|wholesale|replicas?|super ?clones?|free shipping|limited (?:time|offer)|no prescription"
    r"|money back"
    r"|(?:visit|check out|check) (?:my|our) (?:site|website|shop|store|page|profile|channel)"
    r"|link in (?:my )?bio|(?:dm|message|contact|text|email) (?:me|us) for (?:pics|prices?|details"
    r"|more|info|rates)|(?:our|my) (?:services|agency)|hire (?:me|us)|(?:seo|smm|ppc) services?"
    r"|guaranteed (?:results|ranking|approval)|instant approval|no credit check|skype\s*:"
    r"|(?:essay|assignment|homework|dissertation|thesis|academic) (?:writing|help|writers?)"
    r"|write your (?:essay|assignment|dissertation)"
    r"|(?:licen[cs]e|product|activation|game|steam|windows|office|software) keys? "
    r"(?:for |at |from )?[$£€]\s?\d|instant (?:email )?delivery"
    r"|(?:find|meet) your (?:perfect|future|dream) (?:wife|bride|girlfriend|husband|partner)"
    r"|mail[- ]order brides?|(?:brides|women|girls|ladies) (?:looking|seeking) for marriage"
    r"|iptv)",
)
# Where to buy, when it is not a link: "Discord: keyshop#0420", "kik: @deals"
_HANDLE = re.compile(r"\b(?:discord|kik|wechat|snap(?:chat)?|line id|icq)\s*[:@-]\s*\S"
                     r"|\b[a-z]\w{2,}#\d{4}\b")
_PRICE = re.compile(r"[$£€]\s?\d|\d\s?(?:usd|gbp|eur|euros?|dollars|pounds)\b|/(?:year|month)\b")


def has_price(text: str) -> bool:
    """True when the text names a price ("£4.99", "20 usd", "/month")."""
    return bool(_PRICE.search(lowered(text)))


# A crypto wallet or token address (Ethereum-style hex, or base58 with letters of both cases and
# digits, as Solana and Bitcoin use) or a "double your ETH" pitch: on a brand's support forum,
# someone not yet trusted posting one is promoting a token or running a giveaway scam.
# A base58 string counts only beside a cashtag or a token word: a long key or serial may be one.
_HEX_WALLET = re.compile(r"\b0x[0-9a-fA-F]{40}\b")
_BASE58 = re.compile(r"\b(?=[1-9A-HJ-NP-Za-km-z]*[a-km-z])(?=[1-9A-HJ-NP-Za-km-z]*[A-HJ-NP-Z])"
                     r"(?=[1-9A-HJ-NP-Za-km-z]*\d)[1-9A-HJ-NP-Za-km-z]{32,44}\b")
_TOKEN_TALK = re.compile(r"\$[a-z]{2,12}\b|\b(?:token|coin|memecoin|solana|sol|mint|airdrop|"
                         r"holders?|holding|contract|ca|pump|wallet|moon|dex)\b")
_CRYPTO_PITCH = re.compile(r"\bdouble your (?:eth|btc|bitcoin|crypto|sol|usdt|money)\b"
                           r"|\b\d[\d,.]*\s?% roi\b|\bturning \$\d+k? (?:in)?to \$\d+k?\b")


# Someone promoting themselves: their channel, page, music or project, or asking for follows.
_SELF_PROMO = re.compile(
    r"\b(?:sub(?:scribe)? to (?:me|my)|sub4sub|check me out|add me|follow me|support my"
    r"|(?:check out|go to|visit|listen to|watch|read|like|share) my (?:channel|page|music|mixtape"
    r"|project|book|video|videos|song|songs|blog|stream|art|work|profile)"
    r"|(?:help|back|fund) (?:me with )?my (?:project|campaign|book)"
    r"|(?:get|got|gain|need) (?:some |more )?subs|(?:sub|subscribe|describe) to my channel)\b")
_LINK_WORDS = re.compile(r"[a-z]{2,}")


# Where people send readers to fund, follow or buy from them: from a member below trust 2 a
# link there is promotion; a social profile only when the post says next to nothing else.
_PROMO_SITES = frozenset("""indiegogo.com kickstarter.com gofundme.com patreon.com linktr.ee
onlyfans.com fansly.com reverbnation.com soundcloud.com bandcamp.com tsu.co ko-fi.com
buymeacoffee.com cash.app youniqueproducts.com""".split())
_SOCIAL_SITES = frozenset("""facebook.com fb.com instagram.com tiktok.com twitter.com x.com
vk.com snapchat.com""".split())
_PITCH_CHARS = 1000
_SELF_PROMO_HINTS = (" my ", "subscri", "sub4sub", " subs", "add me", "follow me", "check me")
_LONG_RUN = re.compile(r"[0-9A-Za-z]{32}")


def _crypto_pitch(text: str, folded: str) -> bool:
    """A wallet or token address beside token talk, or a "double your ETH" pitch (cheap
    substring checks first: most posts have none of it)."""
    if "0x" in text and _HEX_WALLET.search(text):
        return True
    if ("double your" in folded or "roi" in folded or "turning $" in folded) and \
            _CRYPTO_PITCH.search(folded):
        return True
    return bool(_LONG_RUN.search(text) and _BASE58.search(text) and _TOKEN_TALK.search(folded))


def promotion(text: str, domains: list[str], author: AuthorFacts) -> Signal:
    """Selling something, with somewhere to buy it: sales talk plus a link to another site, a
    price, a handle or "link in bio"; or a crypto wallet address or a "double your ETH" pitch.
    Naming a competitor's price is not selling."""
    if author.trust_level >= 2:
        return NONE
    folded = lowered(text)
    head, folded_head = text[:_PITCH_CHARS], folded[:_PITCH_CHARS]  # a pitch comes first
    if _crypto_pitch(head, folded_head):
        return (0.75, "It promotes a crypto token or wallet, a common scam here.")
    if any(hint in folded_head for hint in _SELF_PROMO_HINTS) and _SELF_PROMO.search(folded_head):
        return (0.75 if domains else 0.6,
                "It promotes the writer's own channel, page or project.")
    if any(domain_matches(d, _PROMO_SITES) for d in domains):
        return (0.7, "It links to a fundraiser, a music page or a creator's page, from a "
                     "member who is new here.")
    words = len(_LINK_WORDS.findall(URL_RE.sub(" ", folded))) if domains else 0
    if words < 8 and any(domain_matches(d, _SOCIAL_SITES) for d in domains):
        return (0.7, "It is a link to a social media page with next to nothing said, from a "
                     "member who is new here.")
    if domains and author.trust_level <= 1 and words < (3 if author.trust_level == 0 else 2):
        # trust 0: under three words; trust 1 may still say "see here: <link>"
        return (0.7, "It is a link to another site with next to nothing said, from a member "
                     "who is new here.")
    sales = {m.group(0) for m in _SALES.finditer(folded)}
    if not sales:
        return NONE
    where = (bool(domains) or "bio" in folded or "skype" in folded or bool(_PRICE.search(folded))
             or bool(_INVITE.search(folded)) or bool(_HANDLE.search(folded))
             or any(" me for " in s or " us for " in s for s in sales))
    if not where:
        return NONE
    score = 0.75 if len(sales) >= 2 or domains else 0.55
    return (score, "It advertises something for sale, with a link or a price.")


def posting_rate(author: AuthorFacts, now: datetime, config: EngineConfig) -> Signal:
    """More submissions in the recent window than the author's trust level allows."""
    limit = config.rate_limits.get(author.trust_level)
    if limit is None:
        return NONE
    now = as_utc(now)
    recent = sum(1 for r in author.recent_submissions
                 if 0 <= (now - as_utc(r.at)).total_seconds() <= config.rate_window_seconds)
    if recent < limit:
        return NONE
    minutes = config.rate_window_seconds // 60
    return (0.7, f"You have posted {recent} times in {minutes} minutes; members at your level "
                 f"may post {limit}. Please wait a little.")


_TRADE = r"(?:sell|selling|sells|buy|buying|order|cheap|for sale)"
_ILLEGAL = re.compile(
    r"\b(?:cracked|pirated|nulled|warez)\s+(?:version|software|firmware|apk|apps?|games?|copy|"
    r"copies|windows|office)\b|\bkeygens?\b|"
    rf"\b{_TRADE}\s+(?:activation|licen[cs]e|serial|product)\s+keys?\b|"
    rf"\b{_TRADE}\s+(?:cheap\s+)?(?:cocaine|heroin|meth|mdma|fentanyl|weed|xanax|oxycontin|"
    r"oxycodone|guns?|firearms?)\b|\bfullz\b|\bcvv\s+dumps\b|"
    rf"\b{_TRADE}\s+(?:stolen|hacked)\s+(?:cards?|accounts?|credit cards?|data|logins?)\b|"
    rf"\b{_TRADE}\s+(?:counterfeit|fake)\s+(?:passports?|ids?|id cards?|driving licen[cs]es?|"
    r"diplomas?|banknotes?|money|notes)\b|\bfake\s+(?:passports?|ids?|diplomas?)\s+for\s+sale\b",
)


_ILLEGAL_WORDS = ("cracked", "pirated", "nulled", "warez", "keygen", " key", "cocaine", "heroin",
                  " meth", "mdma", "fentanyl", " weed", "xanax", "oxycontin", "oxycodone",
                  " gun", "firearm", "fullz", "cvv dump", "stolen", "hacked", "counterfeit",
                  "fake ")
_CHANNEL_WORDS = ("whats", "telegram", "signal app", "wechat", "viber", "kik", "snapchat",
                  "wa.me", "t.me", " dm", "inbox", " pm", "message", "text", "contact", "mail",
                  "reach", "insta", "discord", "facebook")


def _search_near(pattern: re.Pattern, text: str, words: tuple[str, ...],
                 reach: int = 60) -> re.Match | None:
    """Run `pattern` only on short windows around the words it needs (fast on long posts)."""
    low = f" {lowered(text)} "
    for word in words:
        at = low.find(word)
        while at != -1:
            if match := pattern.search(low[max(0, at - reach):at + len(word) + reach]):
                return match
            at = low.find(word, at + 1)
    return None


def illegal_offer(text: str) -> Signal:
    """Offers of pirated software, stolen data, drugs, weapons or forgeries."""
    if not _search_near(_ILLEGAL, text, _ILLEGAL_WORDS):
        return NONE
    return (0.8, "It appears to offer or ask for something illegal.")
