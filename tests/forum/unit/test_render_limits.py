"""Rendering has a bounded cost: pathological texts are refused with one documented error
(rendering.TooComplex) before Markdown spends seconds (or recurses) on them."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum import rendering

MAX_CHARS = 50_000


# The structural limits are what these tests are about: with the default one-second budget, a
# loaded machine runs out of time first and the refusal names "time" instead (seen in CI).
UNHURRIED = rendering.Limits(seconds=600.0)


def _refused(source: str) -> rendering.TooComplex:
    with pytest.raises(rendering.TooComplex) as caught:
        rendering.render(source, limits=UNHURRIED)
    return caught.value


def test_render_30001_nested_brackets_is_refused_naming_brackets():
    # today: ~33 s of Markdown (measured by hand; quadratic in the depth)
    error = _refused("[" * 15_000 + "x" + "]" * 15_000)
    assert error.what == "brackets" and "square brackets" in error.message


def test_render_8000_nested_links_is_refused():
    # today: ~14 s
    error = _refused("[" * 8_000 + "x" + "](u)" * 8_000)
    assert error.what in {"brackets", "links"}


def test_render_10000_row_table_is_refused_naming_rows():
    # today: 3.5 s
    error = _refused("|a|b|\n|-|-|\n" + "|x|y|\n" * 10_000)
    assert error.what == "table_rows" and "10002" in error.message


def test_render_10000_nested_list_markers_is_refused_not_recursion_error():
    # today: RecursionError (a 500)
    error = _refused("- " * 10_000 + "x")
    assert error.what == "nesting"


def test_render_many_raw_tags_is_refused():
    # today: 19 s for "<a " repeated to 50,000 characters
    assert _refused("<a " * 16_000).what == "html_tags"


def test_render_formatting_beyond_what_the_sanitiser_can_clean_in_budget_is_refused():
    # today: 1.4 s, most of it in bleach, which nothing can interrupt
    assert _refused("*a* " * 12_500).what == "formatting"


def test_render_realistic_post_passes():
    table = "| name | value |\n| --- | --- |\n" + "".join(f"| r{i} | {i} |\n" for i in range(50))
    links = " ".join(f"[doc {i}](https://example.com/{i})" for i in range(30))
    nested = "- one\n    - two\n        - three\n\n> quote\n> > inner (see [this](https://x.y))\n"
    html = rendering.render(f"Hello (really)\n\n{table}\n{links}\n\n{nested}")
    assert html.count("<tr>") == 51 and html.count("<a ") == 31 and "<blockquote>" in html


def test_render_over_budget_raises_too_complex_and_next_render_works():
    with pytest.raises(rendering.TooComplex) as caught:
        rendering.render("word " * 2_000, limits=rendering.Limits(seconds=0))
    assert caught.value.what == "time"
    assert rendering.render("*fine*") == "<p><em>fine</em></p>"


ALPHABET = st.sampled_from(list("[]()*_>-#|`\n <&a!:\\~=1.") + ["](", "<a ", "    ", "\n\n"])
ADVERSARIAL = st.one_of(
    st.lists(ALPHABET, max_size=400).map("".join),
    st.tuples(st.lists(ALPHABET, min_size=1, max_size=6).map("".join),
              st.integers(1, MAX_CHARS)).map(lambda t: (t[0] * t[1])[:MAX_CHARS]),
    st.tuples(st.sampled_from(["[", "(", "- ", "> ", "* ", "1. ", "    - ", "`", "<b>", "|x"]),
              st.integers(1, MAX_CHARS // 2))
      .map(lambda t: (t[0] * t[1])[:MAX_CHARS]),
    st.integers(1, MAX_CHARS // 2).map(lambda n: "[" * n + "x" + "]" * n),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ADVERSARIAL)
def test_render_any_input_renders_or_raises_too_complex(source):
    try:
        html = rendering.render(source)
    except rendering.TooComplex as exc:
        assert exc.what in {"brackets", "links", "table_rows", "nesting", "html_tags",
                            "formatting", "time"}
    else:
        assert isinstance(html, str)


def test_the_same_text_is_scanned_once_and_a_changed_one_again(monkeypatch):
    scans = []
    real = rendering._bracket_depth
    monkeypatch.setattr(rendering, "_bracket_depth", lambda text: scans.append(1) or real(text))
    text = "A question with [a link](https://example.com) and a list:\n\n- one\n- two\n"
    rendering.check_complexity(text)
    rendering.render(text)  # validation, then rendering, of one post: one scan
    assert len(scans) == 1
    rendering.render(text + " ")  # another text (e.g. redacted): scanned
    assert len(scans) == 2
    rendering.check_complexity(text, rendering.Limits(links=1))  # other limits: scanned
    assert len(scans) == 3
