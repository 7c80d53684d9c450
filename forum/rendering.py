"""Markdown -> HTML -> sanitised HTML, done once on write.

The sanitiser sits behind sanitise() so replacing bleach is a one-file change.
"""
from __future__ import annotations

import html as htmllib
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterable
from functools import partial

import bleach
import markdown
import markdown.extensions.tables
from bleach.linkifier import LinkifyFilter
from markdown.inlinepatterns import InlineProcessor

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel", "class"],
    "abbr": ["title"],
    "code": ["class"],
    "img": ["src", "alt", "title"],
    "td": ["align"],
    "th": ["align"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
MENTION_RE = r"(?<![\w@/])@([A-Za-z0-9_][A-Za-z0-9_.-]{1,31})"
_MENTION_SCAN = re.compile(MENTION_RE)
_FENCE_OR_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.S)


class _MentionProcessor(InlineProcessor):
    """Turns @name into a profile link when name is a known user (case-insensitive)."""

    def __init__(self, pattern: str, known: set[str], url_for_user: Callable[[str], str]):
        super().__init__(pattern)
        self.known = known
        self.url_for_user = url_for_user

    def handleMatch(self, m, data):  # noqa: N802 (Markdown's API name)
        name = _mention_target(m.group(1), self.known)
        if name is None:
            return None, None, None
        el = etree.Element("a")
        el.set("href", self.url_for_user(name))
        el.set("class", "mention")
        el.text = "@" + name
        return el, m.start(0), m.start(0) + 1 + len(name)


class _MentionExtension(markdown.Extension):
    def __init__(self, known: set[str], url_for_user: Callable[[str], str]):
        super().__init__()
        self.known = known
        self.url_for_user = url_for_user

    def extendMarkdown(self, md):  # noqa: N802 (Markdown's API name)
        md.inlinePatterns.register(
            _MentionProcessor(MENTION_RE, self.known, self.url_for_user), "mention", 45
        )


def _mention_target(written: str, known: set[str]) -> str | None:
    """The name an @mention means: exactly as written if someone has it (`@sam.` is sam.),
    else without the sentence's closing punctuation (`thanks @sam.` is sam)."""
    for name in (written, written.rstrip(".-")):
        if name.lower() in known:
            return name
    return None


def mentioned_names(source: str) -> set[str]:
    """Lower-cased names an @mention outside code could mean (as written, and without its
    trailing punctuation); the caller looks them up and `mention_targets` picks."""
    text = _FENCE_OR_CODE.sub(" ", source)
    found = set()
    for m in _MENTION_SCAN.finditer(text):
        found |= {m.group(1).lower(), m.group(1).rstrip(".-").lower()}
    return found


def mention_targets(source: str, existing: set[str]) -> set[str]:
    """Lower-cased names of the people the text's @mentions link to, given who exists."""
    known = {name.lower() for name in existing}
    text = _FENCE_OR_CODE.sub(" ", source)
    targets = (_mention_target(m.group(1), known) for m in _MENTION_SCAN.finditer(text))
    return {name.lower() for name in targets if name is not None}


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = LINK_REL
    return attrs


_local = threading.local()


def _cleaner() -> bleach.Cleaner:
    """One Cleaner per thread: bleach's parser keeps state and is not thread-safe."""
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"})],
        )
    return cleaner


def sanitise(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes; mark every link ugc."""
    return _cleaner().clean(html)


def _markdown(known: set[str], url_for_user: Callable[[str], str]) -> markdown.Markdown:
    """A Markdown converter reused per thread (building one costs a quarter of a render)."""
    md = getattr(_local, "markdown", None)
    if md is None:
        mention = _MentionExtension(set(), url_for_user)
        md = markdown.Markdown(
            extensions=[
                "fenced_code",
                "sane_lists",
                markdown.extensions.tables.TableExtension(use_align_attribute=True),
                mention,
            ],
            output_format="html",
        )
        md.mention_processor = md.inlinePatterns["mention"]
        _local.markdown = md
    md.reset()
    md.mention_processor.known = known
    md.mention_processor.url_for_user = url_for_user
    return md


def render(
    source: str,
    known_users: Iterable[str] = (),
    url_for_user: Callable[[str], str] = lambda name: f"/u/{name}",
) -> str:
    """Render a post's Markdown to safe HTML; @mentions of known users become links."""
    md = _markdown({n.lower() for n in known_users}, url_for_user)
    return sanitise(md.convert(source))


def html_to_text(html: str) -> str:
    """Plain text of rendered HTML, for search documents and snippets."""
    stripped = bleach.clean(html, tags=set(), strip=True, strip_comments=True)
    return re.sub(r"\s+", " ", htmllib.unescape(stripped)).strip()


def quote_markdown(author_name: str, source: str) -> str:
    """A Markdown block quote of a post, attributed, for the reply box."""
    quoted = "\n".join("> " + line if line else ">" for line in source.strip().splitlines())
    return f"> **@{author_name}** wrote:\n>\n{quoted}\n\n"
