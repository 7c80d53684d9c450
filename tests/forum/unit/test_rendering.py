"""Rendering: Markdown features survive, nothing executable does."""
from html.parser import HTMLParser

import pytest

from forum.rendering import html_to_text, mentioned_names, quote_markdown, render

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "<a href=\"javascript&colon;alert(1)\">x</a>",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<svg onload=alert(1)><circle/></svg>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<object data=\"x.swf\"></object><embed src=x>",
    "<form action=/logout><button>x</button></form>",
    "<p onclick=\"alert(1)\">hi</p>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "<a href='vbscript:msgbox(1)'>x</a>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<style>body{background:red}</style>",
    "<base href=\"https://evil.example/\">",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "<!--<script>alert(1)</script>-->",
    "[x](https://ok.example \"title\" onmouseover=alert(1))",
]


FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "form", "svg", "math", "meta",
                  "style", "base", "link", "button", "input"}


class _Inspector(HTMLParser):
    """Collects every executable thing a browser would see in the HTML."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"attribute {name}")
            if name in ("href", "src") and value:
                scheme = value.strip().split(":", 1)[0].lower() if ":" in value else ""
                if scheme not in ("", "http", "https", "mailto"):
                    self.problems.append(f"{name} scheme {scheme}")


def executable_parts(html: str) -> list[str]:
    """Tags, handlers, styles and URL schemes that could run code."""
    inspector = _Inspector()
    inspector.feed(html)
    return inspector.problems


@pytest.mark.parametrize("source", HOSTILE)
def test_render_hostile_input_leaves_nothing_executable(source):
    html = render(source)
    assert executable_parts(html) == [], html


def test_inspector_detects_what_it_must():
    # The checker itself must be able to fail.
    assert executable_parts('<a href="javascript:x" onclick="y">a</a><script></script>') == [
        "href scheme javascript", "attribute onclick", "tag script"]


def test_render_markdown_features_kept():
    source = (
        "# Title\n\n**bold** _em_ [link](https://example.com)\n\n"
        "- one\n- two\n\n1. a\n2. b\n\n> quoted\n\n"
        "```python\nprint('x < y')\n```\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n"
    )
    html = render(source)
    for fragment in ("<h1>", "<strong>bold</strong>", "<em>em</em>", "<ul>", "<ol>",
                     "<blockquote>", '<code class="language-python">', "x &lt; y", "<table>",
                     '<td align="right">2</td>'):
        assert fragment in html, fragment


def test_render_links_get_ugc_rel():
    html = render("[a](https://example.com) and https://bare.example.org/path")
    assert html.count('rel="nofollow ugc noopener"') == 2
    assert 'href="https://bare.example.org/path"' in html


def test_render_code_block_is_escaped_once():
    html = render("```\na < b && c > d\n```")
    assert "a &lt; b &amp;&amp; c &gt; d" in html
    assert "&amp;lt;" not in html


def test_render_mentions_only_known_users_outside_code():
    html = render("hi @Bob and @nobody, `@bob` stays", known_users=["bob"])
    assert '<a class="mention" href="/u/Bob"' in html
    assert "@nobody" in html and 'href="/u/nobody"' not in html
    assert "<code>@bob</code>" in html


def test_mentioned_names_ignores_code_and_emails():
    names = mentioned_names("@alice see ```\n@carol\n``` and `@dave` mail me a@b.com @Eve.")
    assert names == {"alice", "eve", "eve."}  # as written and without the full stop


def test_html_to_text_unescapes_and_strips():
    assert html_to_text("<p>a &amp; <b>b</b></p>\n<p>c</p>") == "a & b c"


def test_quote_markdown_attributes_and_quotes_every_line():
    quoted = quote_markdown("bob", "line one\n\nline two")
    assert quoted.startswith("> **@bob** wrote:")
    assert "> line one\n>\n> line two" in quoted
