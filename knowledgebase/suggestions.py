"""Suggestions while asking and "Related" beside a thread, from knowledgebase.similarity.

Each worker keeps two in-memory SuggestionIndex objects: published threads (large, kept up to
date incrementally: new threads are added as their ids pass the watermark) and published
articles (small, rebuilt whenever an article or a thread link changes). The thread index is
saved in the instance folder after a build, so other workers and restarts load it instead of
fitting it again, and reload it when a newer file appears. Every hit is checked against the
database before it is shown, so hidden or deleted threads never leak.
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, url_for
from sqlalchemy import func, select

from forum import search
from forum.extensions import db
from forum.models import Post, PostStatus, Thread
from knowledgebase import embeddings, related
from knowledgebase.models import Article, ArticleStatus, ArticleThread
from knowledgebase.similarity import Match, Question, SuggestionIndex, embed_query

EXTENSION = "parley.kb.suggestions"
BODY_CHARS = 1000
MAX_ARTICLES = 3


@dataclass(frozen=True)
class Suggestion:
    """One thing to read before asking: a help article or a community thread."""

    type: str
    id: int
    title: str
    url: str
    score: float
    solved: bool = False

    def as_json(self) -> dict:
        """The API's shape."""
        return {"type": self.type, "id": self.id, "title": self.title, "url": self.url,
                "score": round(self.score, 4), "solved": self.solved}


def engine() -> SuggestionEngine:
    """This worker's engine for the running app."""
    app = current_app._get_current_object()
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions.setdefault(EXTENSION, SuggestionEngine(
            Path(app.instance_path) / "kb" / "threads.index",
            max_age=float(app.config["KB_INDEX_MAX_AGE"]),
            background=bool(app.config["KB_INDEX_BACKGROUND"]),
        ))
    return found


def suggest(title: str, *, limit: int = 5, external: bool = False) -> list[Suggestion]:
    """Up to `limit` suggestions for a question title: matching articles first, then threads;
    the staff's search synonyms apply here too."""
    title = " ".join((title or "").split())[:200]
    if not any(ch.isalnum() for ch in title) or limit <= 0:
        return []
    return engine().suggest(search.expand_query(db.session, title), limit=limit,
                            external=external)


def neighbours(text: str, *, limit: int, doc_types: tuple[str, ...] = ()
               ) -> list[tuple[str, int, float]]:
    """The vector side of search (forum.search.fusion): threads and articles near a query,
    best first; doc_types () means both."""
    text = " ".join((text or "").split())[:200]
    if not any(ch.isalnum() for ch in text) or limit <= 0:
        return []
    return engine().neighbours(text, limit=limit, doc_types=doc_types)


def related_to_thread(thread: Thread, *, limit: int = 5) -> list[Suggestion]:
    """Articles answering a thread's question, then threads asking the same thing."""
    return engine().related_to_thread(thread, limit=limit)


def related_articles(article: Article, *, limit: int = 4) -> list[Suggestion]:
    """Other published articles on the same subject."""
    return engine().related_articles(article, limit=limit)


def warm(*, rebuild: bool = False) -> int:
    """Load the indexes now, or fit them afresh (rebuild) and save them for every worker;
    returns how many threads they hold."""
    found = engine()
    with found._lock:
        if rebuild:
            found._build(db.session.scalar(select(func.max(Thread.id))) or 0)
        found._refresh(wait=True)
        return len(found._threads)


def reset() -> None:
    """Forget the indexes (tests; after a bulk import): the next use rebuilds or reloads."""
    current_app.extensions.pop(EXTENSION, None)


class SuggestionEngine:
    """Both indexes, their freshness, and the merge of article and thread hits."""

    def __init__(self, path: Path, *, max_age: float = 3600.0, background: bool = False):
        self.path = path
        self.max_age = max_age
        self.background = background
        self.builder: threading.Thread | None = None
        self._lock = threading.RLock()
        self._threads: SuggestionIndex | None = None
        self._watermark = 0
        self._built_at = 0.0
        self._loaded_mtime = 0.0
        self._articles: SuggestionIndex | None = None
        self._article_stamp: tuple | None = None
        self._article_of_thread: dict[int, list[int]] = {}

    # -- public ----------------------------------------------------------------------------
    def suggest(self, title: str, *, limit: int, external: bool) -> list[Suggestion]:
        """Articles (direct matches, or answering a matching thread) first, then threads."""
        model = embeddings.embedder()  # embedded once for both indexes, outside the lock
        vector = None if model is None else embed_query(model, title)
        with self._lock:
            warming = not self._refresh()
            threads = [] if warming else self._threads.query(
                title, k=limit * 3, min_score=_min_score(),
                query_embedding=self._weighted(self._threads, title, vector))
            articles = self._articles.query(
                title, k=MAX_ARTICLES, min_score=_min_score(),
                query_embedding=self._weighted(self._articles, title, vector))
            articles = self._with_linked(articles, threads)
        return _hydrate(articles[:MAX_ARTICLES], threads, limit, external)

    def neighbours(self, text: str, *, limit: int, doc_types: tuple[str, ...]
                   ) -> list[tuple[str, int, float]]:
        """(doc_type, id, score) of the threads and articles nearest a search, best first;
        no threads while the thread index is first being built."""
        model = embeddings.embedder()
        vector = None if model is None else embed_query(model, text)
        found: list[tuple[str, int, float]] = []
        with self._lock:
            if (not doc_types or "thread" in doc_types) and self._refresh():
                found += [("thread", m.id, m.score) for m in self._threads.query(
                    text, k=limit, min_score=_search_floor(),
                    query_embedding=self._weighted(self._threads, text, vector))]
            if not doc_types or "article" in doc_types:
                self._refresh_articles()
                found += [("article", m.id, m.score) for m in self._articles.query(
                    text, k=limit, min_score=_search_floor(),
                    query_embedding=self._weighted(self._articles, text, vector))]
        return sorted(found, key=lambda item: -item[2])

    def related_to_thread(self, thread: Thread, *, limit: int) -> list[Suggestion]:
        """The thread's own article first, then similar articles and threads; the threads
        come from the kept list (knowledgebase.related) and are scored only when it is
        missing or old."""
        kept = related.stored(thread.id)
        with self._lock:
            if kept is None:
                ready = self._refresh()
                threads = self._similar_threads(thread, limit + 2) if ready else []
                if ready:
                    related.remember(thread.id, threads)
            else:
                threads = kept
                self._refresh_articles()
            own = [Match(a, 1.0) for a in self._article_of_thread.get(thread.id, [])]
            articles = self._with_linked(own + self._matching_articles(thread.title), threads)
        threads = [m for m in threads if m.id != thread.id]
        return _hydrate(articles[:MAX_ARTICLES], threads, limit, external=False)

    def keep_related(self, thread_ids: list[int], *, limit: int = 5) -> int:
        """Score and keep the related threads of these threads (a bulk import's backfill);
        the caller commits. Returns how many were kept (threads not indexed are not)."""
        with self._lock:
            self._refresh(wait=True)
            found = self._threads.similar_to_many(thread_ids, k=limit + 2,
                                                  min_score=_min_score())
            for thread_id, matches in found.items():
                related.remember(thread_id, matches)
        return len(found)

    def _similar_threads(self, thread: Thread, k: int) -> list[Match]:
        if thread.id in self._threads:
            return self._threads.similar_to(thread.id, k=k, min_score=_min_score())
        return self._threads.query(thread.title, k=k, exclude=[thread.id],
                                   min_score=_min_score(),
                                   query_embedding=self._query_vector(thread.title,
                                                                      self._threads))

    def _matching_articles(self, title: str) -> list[Match]:
        if not len(self._articles):
            return []
        return self._articles.query(title, k=2, min_score=_min_score(),
                                    query_embedding=self._query_vector(title, self._articles))

    def related_articles(self, article: Article, *, limit: int) -> list[Suggestion]:
        """Articles similar to this one."""
        with self._lock:
            self._refresh_articles()
            matches = self._articles.similar_to(article.id, k=limit, min_score=_min_score())
        return _hydrate(matches, [], limit, external=False)

    # -- freshness -------------------------------------------------------------------------
    def _refresh(self, *, wait: bool = False) -> bool:
        """Bring both indexes up to date; False while the thread index is first being built
        in the background (callers answer from articles alone meanwhile)."""
        max_id = db.session.scalar(select(func.max(Thread.id))) or 0
        self._refresh_articles()
        return self._refresh_threads(max_id, wait=wait or not self.background)

    def _refresh_articles(self) -> None:
        stamp = _article_stamp()
        if self._articles is None or stamp != self._article_stamp:
            self._build_articles(stamp)

    def _refresh_threads(self, max_id: int, *, wait: bool) -> bool:
        """Load a newer saved index, else rebuild when too old, else add the new threads.

        Without `wait` a (re)build runs in a background thread, so no request waits for it
        (at 10,000 threads a build outlasts a gunicorn worker's 30 s timeout): the old index
        serves meanwhile, or none at first. Returns whether an index is there to use.
        """
        mtime = _mtime(self.path)
        if mtime > self._loaded_mtime and self._load(mtime, max_id):
            return True
        too_old = time.monotonic() - self._built_at > self.max_age
        if self._threads is None or too_old or self._threads.needs_refit:
            if wait:
                self._build(max_id)
                return True
            self._start_build()
            if self._threads is None:
                return False
        if max_id > self._watermark:
            self._add_threads(max_id)
        return True

    def _start_build(self) -> None:
        if self.builder is None or not self.builder.is_alive():
            app = current_app._get_current_object()
            self.builder = threading.Thread(target=self._build_apart, args=(app,),
                                            name="kb-index-build", daemon=True)
            self.builder.start()

    def _build_apart(self, app) -> None:
        """Build in this thread and swap the result in; one worker at a time builds (a file
        lock), the others load its saved file when it appears."""
        with app.app_context(), _build_lock(self.path) as mine:
            try:
                if mine:
                    max_id = db.session.scalar(select(func.max(Thread.id))) or 0
                    built = self._fit(max_id)
                    mtime = _save(self.path, built, max_id)
                    with self._lock:
                        self._threads, self._watermark = built, max_id
                        self._built_at, self._loaded_mtime = time.monotonic(), mtime
            except Exception:  # noqa: BLE001 (logged; the next request tries again)
                app.logger.exception("building the suggestion index failed")
            finally:
                db.session.remove()

    def _load(self, mtime: float, max_id: int) -> bool:
        self._loaded_mtime = mtime  # tried once per file, whether or not it fits
        loaded = _load(self.path, embeddings.embedder())
        if loaded is None:
            return False
        self._threads, self._watermark = loaded
        self._built_at = time.monotonic()
        if max_id > self._watermark:
            self._add_threads(max_id)
        return True

    def _build(self, max_id: int) -> None:
        self._threads = self._fit(max_id)
        self._watermark, self._built_at = max_id, time.monotonic()
        self._loaded_mtime = _save(self.path, self._threads, max_id)

    @staticmethod
    def _fit(max_id: int) -> SuggestionIndex:
        return _index_of("thread", _thread_questions(0, max_id))

    def _add_threads(self, max_id: int) -> None:
        questions = _thread_questions(self._watermark, max_id)
        if questions:
            model = embeddings.index_model(self._threads)
            vectors = embeddings.vectors("thread", questions, model) if model else None
            self._threads.add(questions, embeddings=vectors)
        self._watermark = max_id

    def _build_articles(self, stamp: tuple) -> None:
        rows = db.session.execute(
            select(Article.id, Article.title, Article.summary)
            .where(Article.status == ArticleStatus.PUBLISHED).order_by(Article.id)
        ).all()
        self._articles = _index_of(
            "article", [Question(r.id, r.title, r.summary or "") for r in rows])
        self._article_stamp = stamp
        self._article_of_thread = {}
        links = db.session.execute(
            select(ArticleThread.thread_id, ArticleThread.article_id)
            .join(Article, Article.id == ArticleThread.article_id)
            .where(Article.status == ArticleStatus.PUBLISHED)
        )
        for thread_id, article_id in links:
            self._article_of_thread.setdefault(thread_id, []).append(article_id)

    # -- scoring ---------------------------------------------------------------------------
    def _query_vector(self, title: str, index: SuggestionIndex):
        """The title's embedding for one index in semantic mode (both indexes are semantic
        then: a saved index of the other kind is never loaded), else None."""
        model = embeddings.embedder()
        return None if model is None else self._weighted(index, title,
                                                         embed_query(model, title))

    @staticmethod
    def _weighted(index: SuggestionIndex, title: str, plain):
        """The query embedded as that index's questions were: with its community's token
        weights when it has them (WordLlama), else the plain vector already computed."""
        weights = getattr(index, "token_weights", None)
        if plain is None or weights is None:
            return plain
        return embed_query(embeddings.embedder().with_weights(weights), title)

    def _with_linked(self, articles: list[Match], threads: list[Match]) -> list[Match]:
        """Articles scored by their own match or by the best matching thread they answer."""
        best: dict[int, float] = {}
        for match in articles:
            best[match.id] = max(best.get(match.id, 0.0), match.score)
        for match in threads:
            for article_id in self._article_of_thread.get(match.id, []):
                best[article_id] = max(best.get(article_id, 0.0), match.score)
        return [Match(a, s) for a, s in sorted(best.items(), key=lambda kv: -kv[1])]


def _index_of(doc_type: str, questions: list[Question]) -> SuggestionIndex:
    """A suggestion index of these questions for the model in use; with WordLlama its token
    weights are learned from these questions and kept in the index (saved with it)."""
    model = embeddings.embedder()
    weighted = embeddings.for_corpus(model, questions)
    vectors = embeddings.vectors(doc_type, questions, weighted) if model else None
    index = SuggestionIndex.build(questions, embeddings=vectors,
                                  config=embeddings.tuning().index,
                                  model=embeddings.model_name(model) if model else None)
    index.token_weights = getattr(weighted, "weights", None)
    return index


def _min_score() -> float:
    """The configured floor, or the one chosen for the model in use."""
    configured = current_app.config.get("KB_SUGGEST_MIN_SCORE")
    return float(configured if configured is not None else embeddings.tuning().min_score)


def _search_floor() -> float:
    """The configured floor for search's vector side, or the one chosen for the model."""
    configured = current_app.config.get("KB_SEARCH_MIN_SCORE")
    return float(configured if configured is not None else embeddings.tuning().search_floor)


def _article_stamp() -> tuple:
    """Changes whenever a published article or an article-thread link changes."""
    row = db.session.execute(select(
        select(func.count(Article.id)).where(Article.status == ArticleStatus.PUBLISHED)
        .scalar_subquery(),
        select(func.max(Article.updated_at)).scalar_subquery(),
        select(func.max(ArticleThread.id)).scalar_subquery(),
        select(func.count(ArticleThread.id)).scalar_subquery(),
    )).one()
    return tuple(row)


def _thread_questions(after_id: int, up_to_id: int) -> list[Question]:
    """Published threads in an id range as (id, title, start of the question)."""
    rows = db.session.execute(
        select(Thread.id, Thread.title, func.substr(Post.body_source, 1, BODY_CHARS))
        .join(Post, (Post.thread_id == Thread.id) & (Post.number == 1))
        .where(Thread.id > after_id, Thread.id <= up_to_id,
               Thread.status == PostStatus.PUBLISHED)
        .order_by(Thread.id)
    )
    return [Question(tid, title, body or "") for tid, title, body in rows]


def _hydrate(articles: list[Match], threads: list[Match], limit: int,
             external: bool) -> list[Suggestion]:
    """Current titles and URLs from the database; anything no longer public is dropped."""
    found_articles = _articles_by_id([m.id for m in articles])
    out = [
        Suggestion("article", m.id, found_articles[m.id].title,
                   url_for("knowledgebase.article", slug=found_articles[m.id].slug,
                           _external=external), m.score, True)
        for m in articles if m.id in found_articles
    ][:limit]
    found_threads = _threads_by_id([m.id for m in threads])
    for match in threads:
        thread = found_threads.get(match.id)
        if thread is None or len(out) >= limit:
            continue
        out.append(Suggestion("thread", thread.id, thread.title,
                              url_for("forum.thread", thread_id=thread.id, _external=external),
                              match.score, thread.solved))
    return out


def _articles_by_id(ids: list[int]) -> dict[int, Article]:
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Article).where(Article.id.in_(ids), Article.status == ArticleStatus.PUBLISHED)
    )
    return {a.id: a for a in rows}


@dataclass(frozen=True)
class _ThreadRef:
    id: int
    title: str
    solved: bool


def _threads_by_id(ids: list[int]) -> dict[int, _ThreadRef]:
    """Public threads, leaving out those closed as duplicates (their canonical answer shows);
    only the columns a suggestion shows, since every thread page asks."""
    if not ids:
        return {}
    rows = db.session.execute(  # by primary key only: with the status filter in SQL,
        # SQLite walked a thread-list index of every published thread instead (3 ms, not 0.2)
        select(Thread.id, Thread.title, Thread.accepted_post_id, Thread.status,
               Thread.closed_at).where(Thread.id.in_(ids))
    )
    return {r.id: _ThreadRef(r.id, r.title, r.accepted_post_id is not None) for r in rows
            if r.status is PostStatus.PUBLISHED and r.closed_at is None}


# -- the saved thread index ----------------------------------------------------------------
@contextmanager
def _build_lock(path: Path) -> Iterator[bool]:
    """Yields True when this process may build the index (no other process is building)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _save(path: Path, index: SuggestionIndex, watermark: int) -> float:
    """Write atomically (temp file, then rename) so a reading worker never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        index.save(temp)
        (temp.parent / f"{temp.name}.mark").write_text(str(watermark))
        os.replace(temp.parent / f"{temp.name}.mark", path.with_name(path.name + ".mark"))
        os.replace(temp, path)
    except OSError:
        current_app.logger.exception("could not save the suggestion index")
        return 0.0
    return _mtime(path)


def _load(path: Path, model) -> tuple[SuggestionIndex, int] | None:
    """The saved index and its watermark, or None when unreadable or of the wrong kind."""
    try:
        watermark = int(path.with_name(path.name + ".mark").read_text())
        index = SuggestionIndex.load(path)
    except (OSError, ValueError, EOFError, ImportError, AttributeError):
        return None
    wanted = embeddings.model_name(model) if model is not None else None
    if index.semantic != (model is not None) or index.model != wanted:
        return None  # built for another model (or none): rebuilt
    return index, watermark
