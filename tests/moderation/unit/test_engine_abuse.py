"""Abuse: attacks on people caught through obfuscation; criticism of the brand left alone."""
import pytest
from engine_helpers import load_set

from moderation.engine import Submission, screen
from moderation.engine.abuse import (
    BRAND,
    PERSON,
    SELF_TARGET,
    analyse,
    insult_target,
    mask_profanity,
    normalise,
)


def _checks(text: str, **kw) -> set[str]:
    return {f.check for f in analyse(text, **kw).findings}


@pytest.mark.parametrize("text, word", [
    ("f*ck", "fuck"), ("sh1t", "shit"), ("a$$", "ass"), ("@sshole", "asshole"),
    ("b!tch", "bitch"), ("fuuuuck", "fuck"), ("idiooot", "idiot"), ("m0r0n", "moron"),
    ("\u0430ss\u04bb\u043ele", "asshole"), ("\uff49\uff44\uff49\uff4f\uff54", "idiot"),
    ("i d i o t", "idiot"), ("f.u.c.k", "fuck"), ("s-t-u-p-i-d", "stupid"),
    ("i\u200bdiot", "idiot"), ("\u00efd\u00efot", "idiot"),
])
def test_normalise_obfuscated_word_reads_as_the_word(text, word):
    assert word in normalise(text)


def test_normalise_reads_quoted_words_as_words_and_expands_only_contractions():
    assert normalise("they said 'refugees are vermin' and 'dumb', don't y'all") == [
        "they", "said", "refugees", "are", "vermin", "and", "dumb", ",", "do", "not", "you",
        "all"]


def test_normalise_text_speak_pronouns_expand():
    assert normalise("u r an idiot") == ["you", "are", "an", "idiot"]
    assert normalise("ur router") == ["your", "router"]


@pytest.mark.parametrize("text, target", [
    ("you are an idiot", PERSON), ("the agent was a moron", PERSON),
    ("this router is garbage", BRAND), ("i am an idiot", SELF_TARGET),
    ("what a stupid app", BRAND), ("he is a total dickhead", PERSON),
])
def test_insult_target_resolves_person_brand_or_self(text, target):
    tokens = normalise(text)
    index = max(i for i, t in enumerate(tokens) if t in {"idiot", "moron", "garbage", "stupid",
                                                         "dickhead"})
    assert insult_target(tokens, index) == target


def test_analyse_attack_on_member_is_an_attack():
    assert "abuse.attack" in _checks("@dave you are a complete moron", names=frozenset({"dave"}))


def test_analyse_profane_brand_complaint_is_criticism_not_attack():
    assert _checks("This damn router is garbage") == {"abuse.profanity",
                                                      "abuse.brand_criticism"}


def test_analyse_brand_name_vocative_is_criticism():
    checks = _checks("Acme you absolute clowns", brand_names=frozenset({"acme"}))
    assert "abuse.attack" not in checks and "abuse.brand_criticism" in checks


@pytest.mark.parametrize("text", ["I will find you and hurt you", "I know where you live",
                                  "Someone should punch that moderator",
                                  "I'll burn down your office"])
def test_analyse_threat_is_a_threat(text):
    assert "abuse.threat" in _checks(text)


@pytest.mark.parametrize("text", ["I will sue you", "I'm going to report you to the ombudsman",
                                  "this update killed my battery", "I'll smash this router"])
def test_analyse_legal_or_object_talk_is_not_a_threat(text):
    assert "abuse.threat" not in _checks(text)


@pytest.mark.parametrize("text", ["kill yourself", "kys", "go die", "drink bleach",
                                  "nobody would miss you"])
def test_analyse_incitement_to_self_harm_is_caught(text):
    assert "abuse.self_harm" in _checks(text)


def test_analyse_hard_slur_is_hate_whoever_it_names():
    assert "abuse.hate" in _checks("those f4ggots again")


def test_analyse_soft_slur_only_counts_against_a_person():
    assert "abuse.hate" in _checks("you retard")
    assert "abuse.hate" not in _checks("my doctor's office is retarded")


def test_analyse_negated_insult_is_not_an_attack():
    assert "abuse.attack" not in _checks("you are not an idiot, the manual is confusing")


def test_analyse_dismissal_is_an_attack_unless_aimed_at_brand():
    assert "abuse.attack" in _checks("fuck you")
    assert "abuse.attack" not in _checks("fuck you acme", brand_names=frozenset({"acme"}))


def test_mask_profanity_keeps_first_letter_and_length():
    assert mask_profanity("This f*cking damn thing, you idiot!") == \
        "This f****** d*** thing, you idiot!"


def test_criticism_set_is_published_completely(model, member, set_config):
    texts = load_set("criticism.json")["texts"]
    held = [t for t in texts
            if not screen(Submission(t), member, model=model, config=set_config).published]
    assert len(texts) >= 60
    assert held == []


def test_attack_set_is_not_published_at_least_95_percent(model, member, set_config, set_thread):
    texts = load_set("attacks.json")["texts"]
    published = [t for t in texts if screen(Submission(t, thread=set_thread), member,
                                            model=model, config=set_config).published]
    assert len(texts) >= 60
    assert 1 - len(published) / len(texts) >= 0.95, published


@pytest.mark.parametrize(("text", "group"), [
    ("send every #jew back where they came from", True),
    ("#islam is a cancer", True),
    ("#fail #brightwave the outage again", False),  # a hashtag that names no one
    ("Router update #3 is out", False),
])
def test_names_group_reads_a_group_word_written_as_a_hashtag(text, group):
    # the hate head is asked only when a group is named: "#jew" once named no one
    assert analyse(text).names_group is group
