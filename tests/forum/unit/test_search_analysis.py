"""Word folding shared by both search backends (forum.search.analysis): pure functions."""
import pytest

from forum.search import analysis
from forum.search.base import query_words
from forum.search.text import ANALYZER, highlight, stems_of


def tokens(text: str) -> set[str]:
    return {t.text for t in ANALYZER(text)}


@pytest.mark.parametrize("written", ["Wi-Fi", "wifi", "WiFi", "wi fi", "WI-FI", "Wi_Fi"])
def test_fold_query_wifi_spellings_are_one_word(written):
    assert query_words(f"{written} keeps dropping") == ["wifi", "keeps", "dropping"]


@pytest.mark.parametrize("written", ["Wi-Fi", "WiFi", "wi fi"])
def test_fold_document_wifi_spellings_are_indexed_as_wifi(written):
    assert "wifi" in tokens(f"My {written} drops at night")


def test_fold_document_keeps_the_parts_so_log_still_finds_log_in():
    folded = tokens("I cannot log in since the update")
    assert {"log", "login"} <= folded


@pytest.mark.parametrize(("query", "document"), [
    ("log in", "login fails"), ("login", "can't log-in"), ("e-mail", "email bounces"),
    ("email", "e-mail bounces"), ("set up", "the setup wizard"), ("signup", "sign up page"),
])
def test_fold_compounds_match_across_spellings(query, document):
    assert set(query_words(query)) & {t.text for t in ANALYZER(document)}


@pytest.mark.parametrize(("british", "american"), [
    ("colour", "color"), ("cancelled", "canceled"), ("centre", "center"),
    ("licence", "license"), ("organisation", "organization"), ("favourite", "favorite"),
])
def test_fold_british_spelling_is_the_american_one(british, american):
    assert tokens(f"The {british} option") == tokens(f"The {american} option")
    assert query_words(british.capitalize()) == [american]


def test_fold_plurals_share_a_stem():
    assert tokens("routers") == tokens("router")


def test_fold_hyphenated_word_also_indexed_joined():
    assert {"set", "top", "settop"} <= tokens("my set-top box")


def test_fold_leaves_numbers_and_versions_alone():
    assert query_words("error 0x80070005 on v2.1") == ["error", "0x80070005", "on", "v2", "1"]


def test_highlight_marks_written_form_of_folded_query_word():
    marked = highlight("My Wi-Fi and my colour settings", stems_of(query_words("wifi color")))
    assert "<mark>Wi-Fi</mark>" in marked and "<mark>colour</mark>" in marked


def test_parse_group_folds_and_dedupes_terms():
    assert analysis.parse_group("Router, hub,router ; Gateway") == ["router", "hub", "gateway"]
    assert analysis.parse_group("Wi-Fi, wireless") == ["wifi", "wireless"]


@pytest.mark.parametrize(("typed", "message"), [
    ("router", "at least two words"),
    ("", "at least two words"),
    ("home internet, broadband", "more than one word"),
    ("router, <script>", "not a word"),
    (", ".join(f"w{n}" for n in range(13)), "at most 12"),
])
def test_parse_group_refuses_what_search_cannot_use(typed, message):
    with pytest.raises(ValueError, match=message):
        analysis.parse_group(typed)
