"""Markdown -> HTML -> sanitised HTML, done once on write.

The sanitiser sits behind sanitise() so replacing bleach is a one-file change.

Rendering has a bounded cost. Python-Markdown is pure Python, so no thread can interrupt it
and a gunicorn sync worker has no spare thread anyway; instead two things hold together:
check_complexity() is a linear pre-scan that refuses the shapes whose cost grows faster than
the text (deep or unclosed brackets and parentheses, thousands of links or table rows, deep
list/quote nesting), so what reaches Markdown is cheap; and a cooperative deadline, checked
in every block, tree and inline processor, stops whatever the scan did not foresee. Both
raise TooComplex, the one documented refusal; a RecursionError becomes one too.
"""
from __future__ import annotations

import html as htmllib
import re
import threading
import time
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial, wraps

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


# -- bounded cost ------------------------------------------------------------------------------
class TooComplex(ValueError):
    """The text is too deeply nested, has too many of something, or took too long to render;
    the message names which, for the author to fix (their text is kept)."""

    def __init__(self, message: str, *, what: str):
        super().__init__(message)
        self.message = message
        self.what = what


@dataclass(frozen=True)
class Limits:
    """What one text may hold before Markdown sees it, and its render time budget."""

    bracket_depth: int = 32  # [ ] and ( ) open at once within one paragraph
    links: int = 500
    table_rows: int = 1000  # lines holding a | (table rows, and some prose: generous)
    nesting: int = 32  # list and quote levels on one line
    html_tags: int = 1000  # raw <tag openings (Markdown's HTML pass slows down with many)
    output_tags: int = 16_000  # tags Markdown produced: the sanitiser's cost follows them
    seconds: float = 1.0

    @classmethod
    def from_config(cls, config: Mapping) -> Limits:
        """The limits set in the app config (RENDER_MAX_*, RENDER_TIME_BUDGET)."""
        return cls(
            bracket_depth=int(config.get("RENDER_MAX_BRACKET_DEPTH", cls.bracket_depth)),
            links=int(config.get("RENDER_MAX_LINKS", cls.links)),
            table_rows=int(config.get("RENDER_MAX_TABLE_ROWS", cls.table_rows)),
            nesting=int(config.get("RENDER_MAX_NESTING", cls.nesting)),
            html_tags=int(config.get("RENDER_MAX_HTML_TAGS", cls.html_tags)),
            output_tags=int(config.get("RENDER_MAX_OUTPUT_TAGS", cls.output_tags)),
            seconds=float(config.get("RENDER_TIME_BUDGET", cls.seconds)),
        )


DEFAULT_LIMITS = Limits()
# an escaped character (skipped: Markdown reads it as text), a bracket, or a paragraph break
_BRACKET_SCAN = re.compile(r"\\.|[\[\]()]|\n[ \t]*(?=\n)")
_LINK_SCAN = re.compile(r"\]\(|\]\[|\]:|<(?:https?|mailto):", re.I)
# the leading run of list markers and quote marks that opens a line
_LINE_LEAD = re.compile(r"([ \t]*)((?:(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$))[ \t]*)*)", re.M)
_TAG_SCAN = re.compile(r"</?[A-Za-z!?]")
_LINE_MARKER = re.compile(r">|[-*+]|\d{1,9}[.)]")


def _bracket_depth(source: str) -> tuple[int, str]:
    """The most brackets (or parentheses) open at once in any paragraph, and which kind."""
    deepest, kind, square, round_ = 0, "[", 0, 0
    for m in _BRACKET_SCAN.finditer(source):
        ch = m.group()
        if ch == "[":
            square += 1
            if square > deepest:
                deepest, kind = square, "["
        elif ch == "(":
            round_ += 1
            if round_ > deepest:
                deepest, kind = round_, "("
        elif ch == "]":
            square = max(0, square - 1)
        elif ch == ")":
            round_ = max(0, round_ - 1)
        elif ch[0] == "\n":
            square = round_ = 0
    return deepest, kind


def _nesting_depth(source: str) -> int:
    """The deepest list/quote nesting any line opens (indentation counts four spaces a level)."""
    deepest = 0
    for m in _LINE_LEAD.finditer(source):
        markers = len(_LINE_MARKER.findall(m.group(2)))
        if markers:
            deepest = max(deepest, markers + len(m.group(1).expandtabs(4)) // 4)
    return deepest


# The last text that passed, per thread: validation (forum.services.posting.check_body) scans a
# post before screening and render() scans again; a str is immutable and held here, so the
# same object passing twice needs one scan. A redacted or edited text is another object.
_passed = threading.local()


def check_complexity(source: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse, in linear time, the shapes whose rendering cost grows faster than the text."""
    if getattr(_passed, "text", None) is source and _passed.limits == limits:
        return
    depth, kind = _bracket_depth(source)
    if depth > limits.bracket_depth:
        name = "square brackets [ ]" if kind == "[" else "parentheses ( )"
        raise TooComplex(f"The text nests or leaves open too many {name}: {depth} at once in "
                         f"one paragraph (at most {limits.bracket_depth}).", what="brackets")
    links = len(_LINK_SCAN.findall(source))
    if links > limits.links:
        raise TooComplex(f"The text has too many links: {links} (at most {limits.links}).",
                         what="links")
    rows = source.count("|") and sum(1 for line in source.splitlines() if "|" in line)
    if rows > limits.table_rows:
        raise TooComplex(f"The text has too many table rows: {rows} lines with a | "
                         f"(at most {limits.table_rows}).", what="table_rows")
    tags = len(_TAG_SCAN.findall(source))
    if tags > limits.html_tags:
        raise TooComplex(f"The text has too many HTML tags: {tags} (at most "
                         f"{limits.html_tags}).", what="html_tags")
    nesting = _nesting_depth(source)
    if nesting > limits.nesting:
        raise TooComplex(f"Lists or quotes are nested too deeply: {nesting} levels "
                         f"(at most {limits.nesting}).", what="nesting")
    _passed.text, _passed.limits = source, limits


class _Deadline:
    """The time a render must finish by; every Markdown processor checks it on entry."""

    def __init__(self):
        self.at = float("inf")

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise TooComplex("The text is too complex to display: it took too long to render. "
                             "Please simplify its formatting.", what="time")


def _checked(method, deadline: _Deadline):
    @wraps(method)
    def run(*args, **kwargs):
        deadline.check()
        return method(*args, **kwargs)
    return run


def _guard(md: markdown.Markdown, deadline: _Deadline) -> None:
    """Make every processor of md check the deadline each time it is handed work."""
    for processor in md.inlinePatterns:
        processor.handleMatch = _checked(processor.handleMatch, deadline)
    for processor in md.parser.blockprocessors:
        processor.run = _checked(processor.run, deadline)
    for registry in (md.preprocessors, md.treeprocessors, md.postprocessors):
        for processor in registry:
            processor.run = _checked(processor.run, deadline)


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
        md.deadline = _Deadline()
        _guard(md, md.deadline)
        _local.markdown = md
    md.reset()
    md.mention_processor.known = known
    md.mention_processor.url_for_user = url_for_user
    return md


def _convert(source: str, md: markdown.Markdown, limits: Limits) -> str:
    """md.convert within the budget; a failed converter is dropped (its parser state is
    left half-way) and the next render builds a fresh one."""
    md.deadline.at = time.monotonic() + limits.seconds
    try:
        html = md.convert(source)
        md.deadline.check()
    except RecursionError:
        _local.markdown = None
        raise TooComplex("The text is nested too deeply to display. Please simplify its "
                         "formatting.", what="nesting") from None
    except BaseException:
        _local.markdown = None
        raise
    finally:
        md.deadline.at = float("inf")
    if html.count("<") > limits.output_tags:  # bleach is not interruptible: bound its work
        raise TooComplex("The text has too much formatting to display (too many emphasised "
                         "words, cells or links). Please simplify it.", what="formatting")
    return html


def render(
    source: str,
    known_users: Iterable[str] = (),
    url_for_user: Callable[[str], str] = lambda name: f"/u/{name}",
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """Render a post's Markdown to safe HTML; @mentions of known users become links.

    Raises TooComplex (and nothing else for any text) when the text is beyond limits or
    does not render within limits.seconds."""
    check_complexity(source, limits)
    md = _markdown({n.lower() for n in known_users}, url_for_user)
    return sanitise(_convert(source, md, limits))


def html_to_text(html: str) -> str:
    """Plain text of rendered HTML, for search documents and snippets."""
    stripped = bleach.clean(html, tags=set(), strip=True, strip_comments=True)
    return re.sub(r"\s+", " ", htmllib.unescape(stripped)).strip()


def quote_markdown(author_name: str, source: str) -> str:
    """A Markdown block quote of a post, attributed, for the reply box."""
    quoted = "\n".join("> " + line if line else ">" for line in source.strip().splitlines())
    return f"> **@{author_name}** wrote:\n>\n{quoted}\n\n"
