"""Spam and scam signals other than the classifier: links, domains, bait, helplines, rate."""
from datetime import UTC, datetime, timedelta

import pytest

from moderation.engine import AuthorFacts, EngineConfig, RecentSubmission, Submission, screen
from moderation.engine.config import DEFAULT_CONFIG
from moderation.engine.pii import find_pii
from moderation.engine.spam import (
    bad_domain,
    contact_bait,
    counted_domains,
    helpline,
    illegal_offer,
    link_limit,
    logit_shift,
    posting_rate,
    prior_shift,
    promotion,
    shortener,
)

LINKS = ("http://a.com", "http://b.com", "http://c.com")


def _level(level: int, posts: int = 10) -> AuthorFacts:
    return AuthorFacts(trust_level=level, post_count=posts)


def test_link_limit_stricter_for_new_members():
    domains = counted_domains(LINKS, DEFAULT_CONFIG)
    assert link_limit(domains, _level(0), DEFAULT_CONFIG)[0] >= 0.5
    assert link_limit(domains, _level(1), DEFAULT_CONFIG)[0] == 0.0
    assert link_limit(domains * 5, _level(3), DEFAULT_CONFIG)[0] == 0.0


def test_counted_domains_skip_the_brands_own_sites():
    config = EngineConfig(allowed_domains=frozenset({"acme.example"}))
    assert counted_domains(("https://help.acme.example/a", "http://x.com"), config) == ["x.com"]


def test_bad_domain_matches_subdomains_of_listed_domain():
    config = EngineConfig(bad_domains=frozenset({"www.spam.example"}))
    assert bad_domain(["shop.spam.example"], config)[0] == 1.0
    assert bad_domain(["notspam.example"], config)[0] == 0.0


def test_shortener_noted_once_held_twice_for_new_members_only():
    assert 0 < shortener(["bit.ly"], _level(0), DEFAULT_CONFIG)[0] < 0.5
    assert shortener(["bit.ly", "t.co"], _level(0), DEFAULT_CONFIG)[0] > 0.5
    assert shortener(["bit.ly", "t.co"], _level(2), DEFAULT_CONFIG)[0] == 0.0


def test_contact_bait_money_and_whatsapp_scores_high():
    text = "Earn $500 per day trading crypto, message me on WhatsApp"
    assert contact_bait(text, [])[0] >= 0.85


def test_contact_bait_contact_without_money_is_nothing():
    assert contact_bait("Message me on WhatsApp about the router", [])[0] == 0.0


def test_helpline_ad_from_member_scores_high_and_narrative_low(member):
    ad = "Acme customer care helpline toll free 1-888-555-0199 call now"
    story = "I called the support number 0207 946 0958 and waited an hour"
    assert helpline(ad, find_pii(ad), member)[0] >= 0.9
    assert helpline(story, find_pii(story), member)[0] < 0.5


def test_helpline_from_staff_is_nothing():
    staff = AuthorFacts(trust_level=4, is_staff=True)
    ad = "Acme customer care helpline toll free 1-888-555-0199"
    assert helpline(ad, find_pii(ad), staff)[0] == 0.0


@pytest.mark.parametrize("text", [
    "0x908eE80Ee6e2455fBc2916151c2Bd35DA445E4f2",
    "$MOLTHUB  ENroGzbLLGYWcEFiV4sp7w6gT8r4T2hFEqsfdy4Ypump",
    "holders are early, contract: HHafRLwZuDmexTZpdpybjUPvxk799VNw31mvzJ13BAGS",
    "LIVE: the founder is hosting an ETH event! Double your ETH, only 2 hours left!",
    "My trading bot just hit 71,057% ROI, here's how",
    "Day 6 of turning $1k into $100k",
])
def test_crypto_token_and_wallet_promotion_from_new_members(text):
    assert promotion(text, [], _level(0))[0] >= 0.7
    assert promotion(text, [], _level(2))[0] == 0.0


@pytest.mark.parametrize("text", [
    "My router admin key is Xk7pQ2mN9vL4sR8tY3wZ6bH1jF5gDhcA, is that secure?",
    "Is the ETH port on the back gigabit? My wallet was stolen too, so no card.",
    "Serial C02XG1ZJJG5H, order 20231145, firmware 3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c",
])
def test_keys_serials_and_crypto_words_alone_are_not_promotion(text):
    assert promotion(text, [], _level(0))[0] == 0.0


@pytest.mark.parametrize("text", [
    "Please check out my channel, I just started making videos!",
    "add me here... https://www.facebook.com/someband.music",
    "help me with my project https://www.indiegogo.com/projects/xyz",
])
def test_self_promotion_from_new_members(text):
    domains = counted_domains(tuple(u for u in text.split() if u.startswith("http")),
                              DEFAULT_CONFIG)
    assert promotion(text, domains, _level(0))[0] >= 0.6
    assert promotion(text, domains, _level(2))[0] == 0.0


def test_a_bare_link_is_promotion_below_trust_2_only():
    domains = ["vimeo.com"]
    assert promotion("https://vimeo.com/107297364", domains, _level(0))[0] >= 0.7
    assert promotion("add me https://vimeo.com/107297364", domains, _level(1))[0] >= 0.7
    assert promotion("https://vimeo.com/107297364", domains, _level(1))[0] >= 0.7
    assert promotion("https://vimeo.com/107297364", domains, _level(2))[0] == 0.0
    # a member past their first posts may point at a manual in two words
    assert promotion("See here: https://www.manualslib.com/x", ["manualslib.com"],
                     _level(1))[0] == 0.0
    answer = "The manual covers it on page 12: https://www.manualslib.com/brand/router"
    assert promotion(answer, ["manualslib.com"], _level(0))[0] == 0.0
    assert promotion("My channel 5 is pixelated since the update", [], _level(0))[0] == 0.0


def test_posting_rate_counts_only_the_window():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    recent = tuple(RecentSubmission("x", now - timedelta(minutes=m)) for m in (1, 2, 3, 60))
    author = AuthorFacts(trust_level=0, post_count=5, recent_submissions=recent)
    assert posting_rate(author, now, DEFAULT_CONFIG)[0] > 0.5
    trusted = AuthorFacts(trust_level=4, recent_submissions=recent * 10)
    assert posting_rate(trusted, now, DEFAULT_CONFIG)[0] == 0.0


def test_prior_shift_new_member_first_post_is_stricter():
    new = prior_shift(AuthorFacts(trust_level=0, post_count=0), DEFAULT_CONFIG)
    regular = prior_shift(AuthorFacts(trust_level=3, post_count=80), DEFAULT_CONFIG)
    assert logit_shift(0.5, new) > 0.6 > 0.4 > logit_shift(0.5, regular)


def test_illegal_offer_found_and_ordinary_words_ignored():
    assert illegal_offer("selling cheap activation keys, pm me")[0] > 0.5
    assert illegal_offer("my screen is cracked and the key sticks")[0] == 0.0


def test_screen_new_member_first_post_with_three_links_is_held(newcomer):
    verdict = screen(Submission("see " + " ".join(LINKS)), newcomer)
    assert not verdict.published and "spam.links" in verdict.scores


def test_screen_staff_skip_spam_checks():
    staff = AuthorFacts(trust_level=0, post_count=0, is_staff=True)
    verdict = screen(Submission("see " + " ".join(LINKS) * 3), staff)
    assert verdict.published
