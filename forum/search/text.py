"""Words and snippets shared by both backends: one stop-word list, one stemmer, and the
snippet maker that marks the matched words in escaped text."""
from __future__ import annotations

import functools
import html
import re

from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

from forum.search.analysis import fold_document, fold_query, written_forms

# PostgreSQL's English stop words (tsearch_data/english.stop), so both backends ignore the
# same words, and question words like "why does my" do not cost a pass over every document
STOP_WORDS = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves what which who whom this that
these those am is are was were be been being have has had having do does did doing a an the and
but if or because as until while of at by for with about against between into through during
before after above below to from up down in out on off over under again further then once here
there when where why how all any both each few more most other some such no nor not only own
same so than too very s t can will just don should now
""".split())


class FoldingTokenizer(RegexTokenizer):
    """Whoosh's word tokenizer over the folded text (forum.search.analysis): "Wi-Fi" is
    indexed as wi, fi and wifi. Character offsets are those of the folded text; nothing here
    uses them (no phrases; snippets find their own words)."""

    def __call__(self, value, **kwargs):
        return super().__call__(fold_document(value), **kwargs)


# StemmingAnalyzer's chain (Porter stems, minimum size 2) over the folding tokenizer
ANALYZER = (FoldingTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=2)
            | StemFilter(cachesize=50000))
SNIPPET_CHARS = 220
SNIPPET_LEAD = 60  # characters of context before the first match
HIGHLIGHT_CHARS = 50_000  # snippets come from the first 50k characters of a long thread


def stems_of(words: list[str]) -> frozenset[str]:
    """The stems of a query's (folded) words, stop words left out; a compound or an
    American spelling also marks the ways it is written ("Wi-Fi", "colour")."""
    stems = {_stem(w) for w in words}
    stems.update(f"{FORM}{form}" for w in words for form in written_forms(w))
    return frozenset(stems) - {""}


FORM = "\x00"  # marks a written form (a regular expression) among the stems


def snippet(text: str, stems: frozenset[str]) -> str:
    """Escaped text around the first matches, each matched word in <mark>; else the opening.

    Whoosh's highlighter re-analyses the whole stored text of every hit and PostgreSQL's
    ts_headline re-parses it (each was most of a search's time); here a regex finds
    candidate words by stem prefix in C, and only those few candidates are stemmed.
    """
    matches = _matches(text[:HIGHLIGHT_CHARS], stems)
    if not matches:
        return html.escape(_opening(text), quote=False)
    windows = [_window(text, matches[0][0])]
    seen = {m[2] for m in matches if windows[0][0] <= m[0] < windows[0][1]}
    later = next((m for m in matches if m[2] not in seen and m[0] >= windows[0][1]), None)
    if later is not None:
        windows.append(_window(text, later[0]))
    return " … ".join(_marked(text, start, end, matches) for start, end in windows)


def highlight(text: str, stems: frozenset[str]) -> str:
    """The whole (short) text escaped, each matched word in <mark>: for result titles."""
    return _marked(text, 0, len(text), _matches(text, stems))


def _matches(text: str, stems: frozenset[str], limit: int = 100) -> list[tuple[int, int, str]]:
    """(start, end, stem) of words in text that analyse to one of the query's stems."""
    pattern = _pattern(stems)
    if pattern is None:
        return []
    found = []
    for match in pattern.finditer(text):
        stem = _stem(match.group(0))
        if stem in stems:
            found.append((match.start(), match.end(), stem))
            if len(found) == limit:
                break
    return found


@functools.lru_cache(maxsize=2048)
def _pattern(stems: frozenset[str]) -> re.Pattern | None:
    """Words starting with a stem, or a written form of a folded word, in one expression."""
    prefixes = {s[:-1] if s.endswith("i") and len(s) > 3 else s for s in stems
                if not s.startswith(FORM)}
    parts = [rf"{re.escape(p)}\w*" for p in sorted(prefixes, key=len, reverse=True)]
    parts += [rf"{s[len(FORM):]}\w*" for s in sorted(stems) if s.startswith(FORM)]
    if not parts:
        return None
    return re.compile(r"\b(?:" + "|".join(parts) + ")", re.IGNORECASE)


def stem(word: str) -> str:
    """The stem a written word is indexed under ("" for a stop word)."""
    return _stem(word)


@functools.lru_cache(maxsize=20_000)
def _stem(word: str) -> str:
    """The stem a written word is indexed under ("Wi-Fi" -> wifi, "colours" -> color)."""
    return next((token.text for token in ANALYZER(fold_query(word))), "")


def _window(text: str, position: int) -> tuple[int, int]:
    """About SNIPPET_CHARS characters around position, cut at spaces."""
    start = max(0, position - SNIPPET_LEAD)
    if start:
        space = text.find(" ", start, position)
        start = space + 1 if space != -1 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", position, end)
        end = space if space > position else end
    return start, end


def _marked(text: str, start: int, end: int, matches: list[tuple[int, int, str]]) -> str:
    parts, cursor = [], start
    for m_start, m_end, _stem_text in matches:
        if m_start < start or m_end > end:
            continue
        parts.append(html.escape(text[cursor:m_start], quote=False))
        parts.append(f"<mark>{html.escape(text[m_start:m_end], quote=False)}</mark>")
        cursor = m_end
    parts.append(html.escape(text[cursor:end], quote=False))
    return "".join(parts)


def _opening(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    return text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
