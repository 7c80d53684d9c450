"""Skeletons and display-name cleaning: names that pass for someone else are told apart."""
import pytest

from forum.names import claims, clean_display_name, skeleton


@pytest.mark.parametrize("lookalike", [
    "sam", "Sam", "SAM", "sam.", "sam_", "s_a_m", "s-a-m", "s4m", "5am", "ѕаm", "ｓａｍ", "sám",
])
def test_lookalikes_of_a_name_share_its_skeleton(lookalike):
    assert skeleton(lookalike) == skeleton("sam")


@pytest.mark.parametrize("pair", [
    ("mia", "rnia"), ("will", "vvill"), ("Il_ya", "lly4"), ("m0d_one", "mod.one"),
    ("dan", "clan"),
])
def test_letters_that_read_as_one_share_a_skeleton(pair):
    assert skeleton(pair[0]) == skeleton(pair[1])


@pytest.mark.parametrize("pair", [
    ("sam", "sami"), ("bob", "rob"), ("dan", "dank"), ("alice", "alicia"), ("user1", "user2"),
])
def test_different_names_keep_different_skeletons(pair):
    assert skeleton(pair[0]) != skeleton(pair[1])


@pytest.mark.parametrize(("raw", "clean"), [
    ("Mia\u200b Chen", "Mia Chen"),          # zero-width space
    ("Sam\u202eevil", "Samevil"),            # right-to-left override
    ("Zoe\x00", "Zoe"),                      # NUL
    ("  Ａｄａ   Lovelace \n", "Ada Lovelace"),  # fullwidth, runs of spaces, newline
    ("Jürgen Müller", "Jürgen Müller"),      # real accents stay
    ("Иван Петров", "Иван Петров"),          # a real Cyrillic name stays
])
def test_display_names_lose_invisible_and_control_characters(raw, clean):
    assert clean_display_name(raw) == clean


@pytest.mark.parametrize("name", [
    "Mia (moderator)", "Mia (mоdеrаtоr)",    # the second in Cyrillic letters
    "Sam ✓ Support", "sam_support", "Official Brightwave", "brightwave-help", "BR1GHTWAVE",
    "Admin", "Customer Service Team", "m0d", "Staff member Jo", "Verified ✔",
])
def test_names_claiming_a_role_the_brand_or_a_badge_are_caught(name):
    assert claims(name, ["Brightwave"]) is not None


@pytest.mark.parametrize("name", [
    "Mia Chen", "Flagstaff Fan", "badminton_bob", "Modesty Blaise", "Supportive Sue",
    "Иван Петров", "Jürgen", "Sam",
])
def test_ordinary_names_claim_nothing(name):
    assert claims(name, ["Brightwave"]) is None


def test_an_emoji_with_a_variation_selector_is_not_a_badge():
    assert claims("Mia ❤️ gardening", ["Brightwave"]) is None
