"""Issue 10's everyday cases: each failed on the engine before it learned threats, insults and
hate, stopped reading links and numbers as spam, and told quotes and edits from copies."""
from datetime import UTC, datetime, timedelta

import pytest
from engine_helpers import FakeModel

from moderation.engine import (
    AuthorFacts,
    EngineConfig,
    FloodIndex,
    Kind,
    RecentSubmission,
    Submission,
    ThreadContext,
    screen,
)
from moderation.engine.text import collapse_spaced, technical

CONFIG = EngineConfig(brand_names=frozenset({"Brightwave"}), staff_names=frozenset({"Sam"}))
THREAD = ThreadContext(thread_id=7, participants=("Sam", "jo_p"))
NEW = AuthorFacts(author_id=1, trust_level=0, account_age_days=0, post_count=0)
MEMBER = AuthorFacts(author_id=2, trust_level=1, account_age_days=40, post_count=12)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def verdict(text, author, model, **kwargs):
    """Screen one reply in the test thread."""
    return screen(Submission(text, thread=THREAD, **kwargs), author, model=model, config=CONFIG,
                  now=NOW)


def kept_out(text, model, rule=None) -> bool:
    """True when neither a new member nor an ordinary one gets the text published (under
    `rule`, if one is given)."""
    found = [verdict(text, author, model) for author in (NEW, MEMBER)]
    return all(not v.published and (rule is None or rule in v.rules) for v in found)


@pytest.mark.parametrize("text", [
    "keep posting and we will find you",
    "If the engineer doesn't show up tomorrow somebody at your depot is getting hurt.",
    "i know where your kids go to school, sam",
    "I'll be waiting outside the shop with a bat.",
    "hope someone runs you over on your way home",
    "gonna torch that agent's house",
    "k i l l  y o u r s e l f",
    # against what is someone's: the threat head once needed a word such as "you" or "him"
    "I will pour acid on your car.",
    "Tell your wife to be careful tonight.",
])
def test_threats_without_listed_words_are_not_published(text, model):
    assert kept_out(text, model, "R1")


@pytest.mark.parametrize("text", [
    "you are a liar and a fraud like the rest of them",
    "y o u  a r e  a n  i d i 0 t",
    "the new agent is a maggot",
    "Sam you absolute muppet",
    "Tell jo_p to stop posting, what a worthless waste of skin",
    "You're a useless tool, Sam.",  # "tool" is an insult here, not a product to criticise
    "What a spineless weasel you are, hiding behind an anonymous account.",
    "what a clown he is",
])
def test_insults_obfuscated_or_without_swearing_are_not_published(text, model):
    assert not verdict(text, MEMBER, model).published


@pytest.mark.parametrize("text", [
    "Immigrants are vermin, all of them.",
    "m*slims should not be allowed to work in support",
    "send the b0at pe0ple back where they came from",
    "Ukrainians are beggars now, taking our houses.",  # a group named by nationality
    "Immigrants are not human, they are vermin.",
    # denying a group is human; a group named by an adjective and a word for people
    "Disabled people aren't even human.",
    "Immigrants are not even people, just animals.",
    "Autistic kids are vermin.",
    # hate inside a complaint about the brand: the complaint does not shelter it
    "Your call centre is full of Pakistanis, filthy lazy lot, I'm sick of your service.",
    # a race praised as such is supremacism; quoting an insult aimed at someone still insults
    "The white race is the most beautiful creation.",
    "\"You are a disgusting pig\" is what I think of you, stop posting",
    # a report of what was said does not excuse what is said around it, or said to someone
    "Stop calling me names, women are still inferior",
    "I'm just saying you are a moron, stop it",
    # a threat of harm to the brand's people is not sheltered as a complaint about them
    "I'll hurt your engineers if this isnt fixed by Friday.",
    # one derogatory word denied does not excuse another said
    "Muslims are not stupid, they are evil.",
    # an insult said of a person as the subject of the sentence, past a relative clause
    "That agent who took my call is a lying little weasel.",
    "Whoever wrote this reply is a braindead buffoon.",
    # sexual remarks to a person
    "Sam, send pics and I'll stop complaining about the bill",
    "do you like porn mia",
    # a threat the writer says they will carry out, against a person or a group
    "Honestly I am going to strangle that engineer when he turns up.",
    "Death to all Travellers.",
    "honestly i like to beat up women who talk back",
    # loathing a group said outright
    "I feel nothing but contempt for Muslims.",
    "These disabled people disgust me so much.",
])
def test_identity_hate_is_not_published(text, model):
    assert not verdict(text, MEMBER, model).published


@pytest.mark.parametrize("text", [
    "Immigrants are not vermin and saying so is disgusting.",
    "My girls are sick this week so I'm working from home.",
    "Please send them back to the warehouse, they arrived broken.",
    # group words describing things, or denying a slur
    "The white model is trash compared to the black one.",
    "The English manual is garbage, whoever translated it should be ashamed.",
    "Refugees aren't parasites, they are people like us.",
    "Deaf people are not parasites, they are customers like you.",
    "Your call centre staff are useless and I'm sick of your service.",
    # a group praised or welcomed, with nothing hostile said
    "Trans people are valid and deserve respect.",
    "We welcome refugees here, always have.",
    "Women are amazing engineers.",
    "Disabled folk are people too.",
    "I love how the Sikh families on our road run a free kitchen every Sunday.",
    # a service said to fail (apostrophes or not) with the brand's things named: criticism
    "nobody on the billing team is allowed to actually fix anything, they just read a script "
    "for a service that doesnt work",
    # particular people described by who they are
    "My manager is a Muslim.",
    "I live with two gay men.",
    "The engineer who came was a black guy, very helpful.",
    # a person praised in the same shape, an insult aimed at oneself, and a thing insulted
    "The engineer who fixed it is a legend.",
    "I am such a loser at this game, died 40 times",
    # violent words aimed at things only
    "I'm going to kill this router, it drops every hour.",
    "I want to throw this router through the window and burn the box.",
    "I'd love to shoot photos of the kids at the match.",
    # sexual words for a good reason
    "How do I block porn sites for my kids on your router?",
    # swearing at no one, or at oneself, follows the swearing policy, not R1; so does sympathy
    "Fuck, that was tough, three hours on hold.",
    "Sorry for being a shithead yesterday, the outage had me wound up.",
    "I can be a bit of an asshole when the wifi drops, I admit it.",
    "Seeing refugees treated like this makes me so angry.",
    # a derogatory word denied of a group, or hating it denied
    "Black people are not dangerous.",
    "I don't hate gay people.",
    "Jews are not greedy, that's an antisemitic myth.",
    # quoting hate in order to condemn or report it (single quotes are not contractions)
    "Saying 'refugees are parasites' is disgusting.",
    "Reported the reply that said \"women can't do tech\", that's not ok.",
    "Calling refugees cockroaches is a vile thing to do.",
    "It hurts to read posts saying disabled lives are worthless.",
    "This is going to Ofcom and onto every review site I can find. Enough.",
    # taking a complaint further, and criticising any kind of company or its people
    "If you won't listen, the regulator will.",
    "Sort this out or I'm going to the ombudsman and the press.",
    "This bank is a fucking joke.",
    "This airline is a shambles, four hours on the tarmac.",
    "Your engineers clearly never test anything before a release.",
])
def test_group_words_and_complaints_that_attack_no_one_are_published(text, model):
    assert verdict(text, MEMBER, model).published


@pytest.mark.parametrize("text", [
    "My order 20231145 has not arrived, tracking says delivered yesterday.",
    "I forwarded port 8080 to 192.168.1.20 and the camera still can't be reached.",
    "Firmware 3.2.14b, error 0x80070005 when I update. Serial 4K7X9-22QP.",
    "The manual says to hold reset for 30 s: https://help.example.com/router/reset",
    "Here is my speed test ![speed](https://i.imgur.com/abc123.png) from this morning",
    # a discount the customer has, a colour said of a model, a ticket closed without reply
    "The loyalty discount of £7/month vanished from my bill on the 3rd, why?",
    "Bought the SR102 last week. SR102 is black, the old one was white.",
    "Ticket 88213 closed without reply, compensation?",
])
def test_support_posts_with_numbers_or_one_link_publish_even_as_a_first_post(text, model):
    for author in (NEW, MEMBER):
        found = verdict(text, author, model)
        assert found.published, found.explanation


@pytest.mark.parametrize("text", [
    "Your billing is a joke and I'm switching, see https://www.ofcom.org.uk/complaints",
    "Brightwave is the worst ISP I've ever had, 40Mb on a 500Mb plan https://fast.com",
    "This fucking router is garbage and so is your support.",
    # a complaint with no link and no contact details advertises nothing
    "If you won't listen, the regulator will.",
])
def test_criticism_with_links_or_swearing_publishes_for_new_members(text, model):
    assert verdict(text, NEW, model).published


@pytest.mark.parametrize("text", [
    "Same issue happened to me. A hacker named @cyberghost_fix on Instagram fixed it in one "
    "day. Highly recommended, tell him I sent you.",
    "Banned on the game? I know a guy who can unban any account. DM me.",
])
def test_recovery_scams_on_other_apps_cite_r3(text, model):
    found = verdict(text, MEMBER, model)
    assert not found.published and "R3" in found.rules


def test_naming_an_app_in_passing_is_published(model):
    assert verdict("I saw the outage announced on Instagram before the status page went red.",
                   NEW, model).published


def test_messaging_app_bait_is_a_scam_under_r3_not_r2(model):
    found = verdict("message me on WhatsApp or Telegram @fixit_pro, small fee, I can fix your "
                    "account", MEMBER, model)
    assert not found.published and found.rules == ["R3"]


def test_asking_about_a_scam_message_is_published(model):
    text = ("Got a message on WhatsApp from 'Brightwave support' asking me to pay a fee to "
            "keep my account. Is this real?")
    assert verdict(text, MEMBER, model).published


def test_selling_with_a_link_is_held_as_spam(model):
    found = verdict("Great post! We sell replica watches, free shipping, best prices: "
                    "watches-outlet.store", MEMBER, model)
    assert not found.published and "R2" in found.rules


def test_an_edit_is_never_a_copy_of_its_own_post(model):
    text = ("Solved: the fix was to change the wifi channel from 6 to 11 and switch off "
            "the band steering option in the hub settings page.")
    index = FloodIndex()
    screen(Submission(text, kind=Kind.NEW_THREAD), MEMBER, flood_index=index, now=NOW)
    author = AuthorFacts(author_id=2, trust_level=1, account_age_days=40, post_count=12,
                         recent_submissions=(RecentSubmission(text, NOW, 7, post_id=70),))
    edited = screen(Submission(text + " Thanks all!", kind=Kind.EDIT, thread=THREAD,
                               post_id=70), author, model=model, flood_index=index,
                    now=NOW + timedelta(minutes=5))
    assert edited.published and "spam.flood" not in edited.scores


def test_quoting_a_post_is_not_a_copy_of_it(model):
    answer = ("Go to Settings, then Wireless, then set the channel to 11 and press save; the "
              "hub restarts and the connection should hold after that.")
    index = FloodIndex()
    staff = AuthorFacts(author_id=9, trust_level=4, is_staff=True)
    screen(Submission(answer, thread=THREAD), staff, flood_index=index, now=NOW)
    quoted = "\n".join("> " + line for line in answer.splitlines())
    reply = f"> **@sam** wrote:\n>\n{quoted}\n\nThis worked, thank you!"
    found = screen(Submission(reply, thread=THREAD), MEMBER, model=model, flood_index=index,
                   now=NOW + timedelta(minutes=2))
    assert found.published and "spam.flood" not in found.scores


@pytest.mark.parametrize(("text", "author"), [
    # one or two words carried a whole post's weight in the classifiers ("head" leans to
    # threats, "call" to spam); these are real customers' messages to a support desk
    ("Head office", NEW),
    ("Start again", NEW),
    ("Please call me", MEMBER),
    # a word for a person alone is no one spoken to: "agent" leans to insults in the heads
    ("Agent", MEMBER),
    ("Talk to agent", MEMBER),
])
def test_very_short_support_messages_are_published(text, author, model):
    assert verdict(text, author, model).published


@pytest.mark.parametrize("text", [
    "throw the illegals out of our town",  # "illegals" names people, as a slur does
    "Typical muds, no respect for anything.",  # white-supremacist slurs
    "Another race traitor running the council.",
    "You are a disgrace.",  # short, but aimed at someone: the classifier keeps its full say
    "Immigrants out now!",
    "p a k i s  o u t",
    "muslims out of our country",
])
def test_short_attacks_and_chants_against_a_group_are_not_published(text, model):
    assert kept_out(text, model)


@pytest.mark.parametrize("text", [
    "my screen blacks out.",
    "my laptop screen whites out when I open the app",
])
def test_out_after_a_group_word_is_not_a_chant_by_itself(text, model):
    assert verdict(text, MEMBER, model).published


@pytest.mark.parametrize("text", [
    "Need money urgently? Get a loan in 10 minutes with no checks at all, just send your ID and "
    "bank login.",
    "Dear friend, I am Prince Adewale from Lagos. I need your help to transfer $25,000,000 out "
    "of the country. You will receive 30%.",
    "I want to thank Priest Babaka for the love spell that brought my girlfriend back. If you "
    "need help contact him, he is real!!",
    "Buy aged Facebook accounts, verified, with friends. Bulk discount.",
    "USDT mining pool with 4.5% daily returns, withdraw anytime. Invite code: RICH2024",
])
def test_classic_forum_scams_are_held_under_r3(text, model):
    assert kept_out(text, model, "R3")


@pytest.mark.parametrize("text", [
    "I got a message asking me to send my bank login, is this a scam?",
    "My battery drops 20% a day even when idle",
    "How do I transfer my account to my wife?",
    "transfer $200 from my checking to my savings",
    "Can I sell my old account with the games on it?",
])
def test_support_posts_near_scam_words_are_published(text, model):
    assert verdict(text, MEMBER, model).published


def test_selling_with_a_chat_handle_for_a_shop_is_held_as_spam(model):
    found = verdict("Steam keys, Xbox Game Pass codes, PSN cards, up to 70% off. "
                    "Discord: keyshop#0420", MEMBER, model)
    assert not found.published and "R2" in found.rules


def test_spaced_out_spam_with_dots_and_a_handle_is_read_as_words_and_held(model):
    # the dots once glued "quick" to "telegram" and the "@" glued the handle to it, so the
    # spam head read one unknown word ("quicktelegram") and published it
    text = "g e t  r i c h  q u i c k . . . t e l e g r a m @ w e a l t h f a s t"
    assert collapse_spaced(text) == "get rich quick telegram @wealthfast"
    assert kept_out(text, model, "R2")


@pytest.mark.parametrize("text", [
    "Typical retardbehaviour.",  # the space between a slur and the next word deleted
    "These Muslimsdisgust me so much.",
])
def test_a_slur_or_a_group_glued_to_the_next_word_is_read_apart(text, model):
    assert kept_out(text, model)


def test_a_street_name_ending_in_a_slur_is_not_split(model):
    assert verdict("Vandyke street branch is closed", MEMBER, model).published


@pytest.mark.parametrize("text", [
    "please help me with my project https://www.indiegogo.com/projects/cleaning-the-pan",
    "follow me https://www.facebook.com/nicushorbboy add me <3",
    "Windows 11 Pro keys £4.99, Office 2021 lifetime £9.99, instant delivery by email. "
    "cheapkeys.store",
    "IPTV 20,000 channels, all sports, 4K, £50/year. iptv-best.uk",
    "I'm new and making videos soon, I would really appreciate if I got some subs",
    "Hello dear, I am a widow with $4.5 million inheritance and I need a trusted foreign "
    "partner to receive the funds. Reply to me privately.",
])
def test_promotion_and_scams_from_an_ordinary_member_are_not_published(text, model):
    assert not verdict(text, MEMBER, model).published


def test_asking_about_iptv_is_published(model):
    assert verdict("Does the Brightwave box support IPTV apps like Plex?", MEMBER, model).published


def test_a_social_media_link_with_a_real_sentence_is_published(model):
    text = ("The status update on https://www.facebook.com/brightwave/posts/1234 says the "
            "outage in Leeds is fixed, but my line is still down")
    assert verdict(text, MEMBER, model).published


@pytest.mark.parametrize(("text", "expected"), [
    ("set your DNS to 1.1.1.1 and see if the sites load", True),
    ("for PS5 you need UDP 3478-3479 open", True),
    ("DNS_PROBE_FINISHED_NXDOMAIN on every site", True),
    ("error code E-1042 again after the update", True),
    ("firmware 3.2.14 fixed it", True),
    ("the dev wallet is 0xcF981Fb78b5782AA3267CdB90cfF0730Da050510", False),
    ("Hey @agent_CEO deploy Human_Instrumentality_Agent", False),
    ("https://www.facebook.com/posts/733949243353321?comment_id=734237113324534", False),
    ("Call 0800 123 4567 for cheap loans", False),
])
def test_technical_support_text_is_recognised(text, expected):
    assert technical(text) is expected


def test_a_technical_post_gets_the_benefit_of_the_doubt_from_the_classifiers():
    spammy = FakeModel(spam=0.7)
    assert verdict("my hub is on firmware 3.2.14 and DNS keeps failing", MEMBER, spammy).published
    assert not verdict("cheap watches for everyone this week", MEMBER, spammy).published


@pytest.mark.parametrize(("text", "published"), [
    # hate reported in order to condemn it
    ("It's not acceptable to post that Polish people are dirty, even as a joke.", True),
    ("Claiming Muslims control the banks is an islamophobic conspiracy theory.", True),
    ("Whoever keeps writing that refugees are scroungers, the mods are onto you.", True),
    ("I can't believe someone posted 'immigrants are rats' and it stayed up all day.", True),
    # a denial before the group denies what follows
    ("I don't think Sikhs are dangerous in the slightest.", True),
    ("Not all Turks are violent, obviously.", True),
    ("Nobody should call Kurds thieves.", True),
    ("I'm not saying Nigerians are stupid, quite the opposite.", True),
    ("Syrians are not criminals and it's lazy to say so.", True),
    ("Somalis shouldn't be deported just for being poor.", True),
    # ... unless something is still said of it
    ("I don't think Sikhs are dangerous, they are vermin.", False),
    ("Not all immigrants are bad but most are vermin", False),
    ("I don't think Muslims are dangerous, but most are vermin", False),
    # the writer's own view is no report
    ("I think immigrants are parasites and it is disgusting what they do", False),
    ("Everyone thinks Muslims are terrorists, and it's true", False),
    ("what do they think, i want to date one of those negro women", False),
])
def test_reported_hate_is_read_without_the_report_unless_the_writer_holds_it(text, published,
                                                                              model):
    assert verdict(text, MEMBER, model).published is published


def test_the_new_member_spam_prior_applies_only_to_posts_that_send_readers_somewhere():
    borderline = FakeModel(spam=0.6)  # held at 0.65 once the new-member prior is added
    assert verdict("best whey protein for muscle gain?", NEW, borderline).published
    for text in ("best whey protein for muscle gain? wheyking.shop",
                 "best whey protein for muscle gain, £9.99 a tub",
                 "best whey protein for muscle gain, message @wheyking"):
        assert not verdict(text, NEW, borderline).published, text


class ThreatModel(FakeModel):
    """Fixed scores with the threat head's set: only it can hold a post."""

    def __init__(self, threat: float):
        super().__init__()
        self.threat = threat

    def scores(self, text: str, *, short=()) -> dict[str, float]:
        return {**super().scores(text, short=short), "abuse.threat_classifier": self.threat,
                "abuse.hate_classifier": 0.0}


def test_a_threat_aimed_only_at_them_is_heard_when_the_threat_head_is_sure():
    # no one addressed and no group named: the threat head was never asked, so "them" could
    # be threatened with anything; now it is asked, at a stricter 0.9
    text = "Round them up and drive them out, whatever it takes."
    assert not verdict(text, MEMBER, ThreatModel(0.95)).published
    assert verdict(text, MEMBER, ThreatModel(0.85)).published
    # with no "them" there is still no one to threaten
    assert verdict("Whatever it takes, drive it out.", MEMBER, ThreatModel(0.95)).published
