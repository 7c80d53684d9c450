"""Repeated questions: find them (knowledgebase.similarity), keep staff's decisions across
runs, rank them by demand, and promote one to a draft help article.

A run re-clusters the questions. Staff decisions survive it: clusters staff shaped (split,
merged, reopened), dismissed, promoted or done are *anchors*: their threads keep their group
and new questions close to them join it, so a dismissed topic stays dismissed and a done one
collects its late askers. Only the automatic open clusters are replaced; each keeps its id
when the new cluster is mostly the same threads.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import case, delete, func, select

from forum import rendering
from forum.extensions import db
from forum.models import Post, PostStatus, Thread, User, utcnow
from forum.services import Conflict, NotFound, PermissionDenied, ValidationError
from knowledgebase import embeddings, permissions, queries, services
from knowledgebase.models import (
    Article,
    ArticleStatus,
    ArticleThread,
    ClusterStatus,
    ClusterThread,
    QuestionCluster,
)
from knowledgebase.similarity import Question, SuggestionIndex, clean_title, cluster_questions

BODY_CHARS = 1000
SAME_CLUSTER_OVERLAP = 0.5
FAILED_SEARCH_MIN_SCORE = 0.4
MAX_MERGED_ANSWERS = 4
_THREAD_PATH = re.compile(r"/t/(\d+)")


def _require(user: User | None) -> None:
    if not permissions.can_manage_clusters(user):
        raise PermissionDenied("Only staff manage repeated questions.")


# -- computing ---------------------------------------------------------------------------------
def compute(*, days: int | None = None) -> list[QuestionCluster]:
    """Re-cluster the questions (of the last `days` days, or all) and store the result;
    returns the open clusters, biggest demand first. One commit."""
    questions = _questions(days)
    anchors = _anchors({q.id for q in questions})
    model = embeddings.for_corpus(embeddings.embedder(), questions)
    vectors = embeddings.vectors("thread", questions, model) if model and questions else None
    found = cluster_questions(questions, embeddings=vectors, anchors=anchors,
                              config=embeddings.tuning().cluster) \
        if len(questions) >= 2 else []
    touched = _apply(found)
    _refresh_stats(touched)
    db.session.commit()
    return ranked()


def ranked(status: ClusterStatus = ClusterStatus.OPEN) -> list[QuestionCluster]:
    """Clusters in a state by demand (ties: newest question first)."""
    return list(db.session.scalars(
        select(QuestionCluster).where(QuestionCluster.status == status)
        .order_by(QuestionCluster.demand.desc(), QuestionCluster.newest_at.desc(),
                  QuestionCluster.id)
    ))


def members(cluster: QuestionCluster) -> list[Thread]:
    """A cluster's threads, most central first."""
    return list(db.session.scalars(
        select(Thread).join(ClusterThread, ClusterThread.thread_id == Thread.id)
        .where(ClusterThread.cluster_id == cluster.id)
        .order_by(ClusterThread.position, Thread.id)
    ))


def _questions(days: int | None) -> list[Question]:
    conditions = [Thread.status == PostStatus.PUBLISHED]
    if days is not None:
        conditions.append(Thread.created_at >= utcnow() - timedelta(days=days))
    rows = db.session.execute(
        select(Thread.id, Thread.title, func.substr(Post.body_source, 1, BODY_CHARS))
        .join(Post, (Post.thread_id == Thread.id) & (Post.number == 1))
        .where(*conditions).order_by(Thread.id)
    )
    return [Question(tid, title, body or "") for tid, title, body in rows]


def _anchors(ids: set[int]) -> dict[int, Hashable]:
    """Known groups: threads of kept clusters, of published articles, and of duplicates."""
    anchors: dict[int, Hashable] = {}
    for thread_id, target in db.session.execute(
        select(Thread.id, Thread.canonical_url)
        .where(Thread.closed_at.is_not(None), Thread.canonical_kind == "thread")
    ):
        match = _THREAD_PATH.search(target or "")
        if match and thread_id in ids and int(match.group(1)) in ids:
            anchors[thread_id] = anchors[int(match.group(1))] = f"thread:{match.group(1)}"
    for thread_id, article_id in db.session.execute(
        select(ArticleThread.thread_id, ArticleThread.article_id)
        .join(Article, Article.id == ArticleThread.article_id)
        .where(Article.status == ArticleStatus.PUBLISHED)
    ):
        if thread_id in ids:
            anchors[thread_id] = f"article:{article_id}"
    kept = (QuestionCluster.manual.is_(True)) | (QuestionCluster.status != ClusterStatus.OPEN)
    for thread_id, cluster_id in db.session.execute(
        select(ClusterThread.thread_id, ClusterThread.cluster_id)
        .join(QuestionCluster, QuestionCluster.id == ClusterThread.cluster_id).where(kept)
    ):
        if thread_id in ids:
            anchors[thread_id] = f"cluster:{cluster_id}"
    return anchors


def _apply(found) -> set[int]:
    """Store a run's clusters; returns the ids of every cluster whose members changed."""
    automatic = db.session.execute(
        select(ClusterThread.cluster_id, ClusterThread.thread_id)
        .join(QuestionCluster, QuestionCluster.id == ClusterThread.cluster_id)
        .where(QuestionCluster.status == ClusterStatus.OPEN, QuestionCluster.manual.is_(False))
    ).all()
    old: dict[int, set[int]] = defaultdict(set)
    for cluster_id, thread_id in automatic:
        old[cluster_id].add(thread_id)
    if old:
        db.session.execute(delete(ClusterThread).where(ClusterThread.cluster_id.in_(list(old))))
        db.session.flush()
    touched, reused = set(), set()
    for result in found:
        cluster = _home_for(result, old, reused)
        if cluster is None:
            continue
        _add_members(cluster, result.ids, keep_existing=cluster.id not in old)
        touched.add(cluster.id)
    stale = set(old) - reused
    if stale:
        db.session.execute(delete(QuestionCluster).where(QuestionCluster.id.in_(stale)))
    return touched


def _home_for(result, old: dict[int, set[int]], reused: set[int]) -> QuestionCluster | None:
    """The stored cluster a computed one belongs to: its anchor's, an old automatic one with
    mostly the same threads, or a new one."""
    key = str(result.anchor_group or "")
    if key.startswith("cluster:"):
        return db.session.get(QuestionCluster, int(key.split(":", 1)[1]))
    if key.startswith("article:"):
        return db.session.scalar(select(QuestionCluster).where(
            QuestionCluster.article_id == int(key.split(":", 1)[1])).limit(1))
    ids = set(result.ids)
    best, best_overlap = None, 0.0
    for cluster_id, threads in old.items():
        overlap = len(ids & threads) / len(ids | threads)
        if cluster_id not in reused and overlap > best_overlap:
            best, best_overlap = cluster_id, overlap
    if best is not None and best_overlap >= SAME_CLUSTER_OVERLAP:
        reused.add(best)
        cluster = db.session.get(QuestionCluster, best)
    else:
        cluster = QuestionCluster()
        db.session.add(cluster)
    cluster.suggested_title = (result.suggested_title or "")[:200]
    cluster.central_thread_id = int(result.central_id)
    cluster.updated_at = utcnow()
    db.session.flush()
    return cluster


def _add_members(cluster: QuestionCluster, ids, *, keep_existing: bool) -> None:
    """Give the cluster these threads (central first), after the ones it already has."""
    have = set()
    if keep_existing:
        have = set(db.session.scalars(
            select(ClusterThread.thread_id).where(ClusterThread.cluster_id == cluster.id)))
    start = len(have)
    for offset, thread_id in enumerate(i for i in ids if i not in have):
        db.session.add(ClusterThread(cluster_id=cluster.id, thread_id=int(thread_id),
                                     position=start + offset))
    db.session.flush()


# -- demand ------------------------------------------------------------------------------------
def _refresh_stats(cluster_ids: set[int]) -> None:
    """Questions, distinct askers, views, unresolved, newest question, matching failed
    searches, and the demand score they add up to."""
    if not cluster_ids:
        return
    rows = db.session.execute(
        select(ClusterThread.cluster_id, func.count(Thread.id),
               func.count(func.distinct(Thread.author_id)), func.sum(Thread.view_count),
               func.sum(case((Thread.accepted_post_id.is_(None), 1), else_=0)),
               func.max(Thread.created_at))
        .join(Thread, Thread.id == ClusterThread.thread_id)
        .where(ClusterThread.cluster_id.in_(cluster_ids))
        .group_by(ClusterThread.cluster_id)
    ).all()
    stats = {r[0]: r[1:] for r in rows}
    failed = _failed_searches(cluster_ids)
    for cluster in db.session.scalars(
            select(QuestionCluster).where(QuestionCluster.id.in_(cluster_ids))):
        size, askers, views, unresolved, newest = stats.get(cluster.id, (0, 0, 0, 0, None))
        cluster.size, cluster.askers, cluster.views = size, askers, int(views or 0)
        cluster.unresolved, cluster.newest_at = int(unresolved or 0), newest
        cluster.failed_searches = failed.get(cluster.id, 0)
        cluster.demand = demand_score(cluster)
        cluster.updated_at = utcnow()


def demand_score(cluster: QuestionCluster) -> float:
    """Demand: each distinct asker counts 1, each matching failed search 0.5, an unresolved
    asker 0.5 more, and views a little (log scale)."""
    return round(cluster.askers + 0.5 * cluster.failed_searches
                 + 0.5 * cluster.unresolved_share * cluster.askers
                 + 0.1 * math.log1p(cluster.views), 4)


def _failed_searches(cluster_ids: set[int]) -> dict[int, int]:
    """Failed searches (no results, no click) whose words match a cluster's questions."""
    failed = queries.failed_queries(days=int(current_app.config["KB_SEARCH_GAP_DAYS"]))
    if not failed:
        return {}
    rows = db.session.execute(
        select(ClusterThread.cluster_id, Thread.id, Thread.title)
        .join(Thread, Thread.id == ClusterThread.thread_id)
        .where(ClusterThread.cluster_id.in_(cluster_ids))
    ).all()
    if not rows:
        return {}
    cluster_of = {thread_id: cluster_id for cluster_id, thread_id, _title in rows}
    index = SuggestionIndex.build([Question(t, title) for _c, t, title in rows])
    counts: Counter = Counter()
    for query, times in failed:
        best = index.query(query, k=1, min_score=FAILED_SEARCH_MIN_SCORE)
        if best:
            counts[cluster_of[best[0].id]] += times
    return dict(counts)


# -- staff decisions ---------------------------------------------------------------------------
def dismiss(cluster: QuestionCluster, *, actor: User) -> QuestionCluster:
    """Not worth an article: hidden from the list, and its questions stay out of new clusters."""
    _require(actor)
    if cluster.status is not ClusterStatus.OPEN:
        raise Conflict("Only open clusters can be dismissed.")
    cluster.status, cluster.updated_at = ClusterStatus.DISMISSED, utcnow()
    db.session.commit()
    return cluster


def reopen(cluster: QuestionCluster, *, actor: User) -> QuestionCluster:
    """Bring a dismissed cluster back, as staff left it."""
    _require(actor)
    if cluster.status is not ClusterStatus.DISMISSED:
        raise Conflict("Only dismissed clusters can be reopened.")
    cluster.status, cluster.manual, cluster.updated_at = ClusterStatus.OPEN, True, utcnow()
    db.session.commit()
    return cluster


def split(cluster: QuestionCluster, thread_ids: list[int], *, actor: User) -> QuestionCluster:
    """Move the chosen threads into a cluster of their own; both are then staff-shaped."""
    _require(actor)
    if cluster.status is not ClusterStatus.OPEN:
        raise Conflict("Only open clusters can be split.")
    current = [t.id for t in members(cluster)]
    chosen = [t for t in current if t in set(thread_ids)]
    if not chosen or len(chosen) == len(current):
        raise ValidationError("Choose some, but not all, of the questions to split off.",
                              field="thread_ids")
    db.session.execute(delete(ClusterThread).where(ClusterThread.thread_id.in_(chosen)))
    new = QuestionCluster(manual=True, central_thread_id=chosen[0])
    db.session.add(new)
    db.session.flush()
    _add_members(new, chosen, keep_existing=False)
    new.suggested_title = _title_of(chosen[0])
    cluster.manual = True
    if cluster.central_thread_id in chosen:
        cluster.central_thread_id = next(t for t in current if t not in chosen)
        cluster.suggested_title = _title_of(cluster.central_thread_id)
    _refresh_stats({cluster.id, new.id})
    db.session.commit()
    return new


def merge(cluster: QuestionCluster, other: QuestionCluster, *, actor: User) -> QuestionCluster:
    """Two clusters ask the same thing: the other's threads join this one."""
    _require(actor)
    if cluster.id == other.id:
        raise ValidationError("Choose a different cluster to merge.", field="other")
    if cluster.status is not ClusterStatus.OPEN or other.status is not ClusterStatus.OPEN:
        raise Conflict("Only open clusters can be merged.")
    moved = [t.id for t in members(other)]
    db.session.execute(delete(ClusterThread).where(ClusterThread.cluster_id == other.id))
    db.session.delete(other)
    db.session.flush()
    _add_members(cluster, moved, keep_existing=True)
    cluster.manual = True
    _refresh_stats({cluster.id})
    db.session.commit()
    return cluster


def _title_of(thread_id: int) -> str:
    thread = db.session.get(Thread, thread_id)
    return clean_title(thread.title)[:200] if thread else ""


# -- promotion ---------------------------------------------------------------------------------
def promote(cluster: QuestionCluster, *, actor: User) -> Article:
    """Draft a help article from a cluster: a clean question title, the question summarised,
    the best answers merged with attribution and links to every source thread. Publishing it
    links the threads to it and marks the cluster done."""
    if not permissions.can_write(actor):
        raise PermissionDenied("Only staff write help articles.")
    if cluster.status is ClusterStatus.PROMOTED and cluster.article is not None:
        return cluster.article
    if cluster.status is not ClusterStatus.OPEN:
        raise Conflict("Only open clusters can be promoted.")
    threads = members(cluster)
    if not threads:
        raise NotFound("This cluster has no questions left.")
    draft = draft_from(cluster, threads)
    article = services.new_article(
        actor=actor, title=draft["title"], summary=draft["summary"], body=draft["body"],
        category=draft["category_id"], sources=threads,
        note=f"Promoted from repeated question #{cluster.id}",
    )
    cluster.status, cluster.article_id, cluster.updated_at = (
        ClusterStatus.PROMOTED, article.id, utcnow())
    services.commit_articles(article)
    return article


def draft_from(cluster: QuestionCluster, threads: list[Thread]) -> dict:
    """The prefilled draft: title, summary, Markdown body and the most common category."""
    central = next((t for t in threads if t.id == cluster.central_thread_id), threads[0])
    title = clean_title(cluster.suggested_title or central.title)
    if len(title) < services.TITLE_MIN:
        title = clean_title(central.title)
    answers = queries.best_answers(threads)
    category = Counter(t.category_id for t in threads).most_common(1)[0][0]
    return {"title": title[:services.TITLE_MAX], "summary": _summary(central, threads),
            "body": _body(threads, answers), "category_id": category}


def _summary(central: Thread, threads: list[Thread]) -> str:
    """The question in a sentence or two, from the most central asker's own words."""
    question = db.session.scalar(
        select(Post.body_html).where(Post.thread_id == central.id, Post.number == 1))
    text = rendering.html_to_text(question or "")
    sentences = re.split(r"(?<=[.!?])\s+", text)
    summary = ""
    for sentence in sentences:
        if len(summary) + len(sentence) > 280:
            break
        summary = f"{summary} {sentence}".strip()
    asked = f"Asked {len(threads)} times in the community."
    return f"{summary or central.title} {asked}".strip()[:services.SUMMARY_MAX]


def _body(threads: list[Thread], answers: dict) -> str:
    """Best answers first (accepted, support team, most helpful), each attributed and linked;
    the same answer given twice is kept once; then every source question."""
    chosen, seen = [], set()
    order = sorted(answers.values(), key=lambda a: (queries._RANK[a.reason],
                                                     -a.post.helpful_count))
    for answer in order:
        key = " ".join(answer.post.body_source.lower().split())
        if key not in seen:
            seen.add(key)
            chosen.append(answer)
    by_id = {t.id: t for t in threads}
    parts = ["## Answer", ""]
    if not chosen:
        parts += ["_No accepted or helpful answer yet: write the answer here._", ""]
    for n, answer in enumerate(chosen[:MAX_MERGED_ANSWERS]):
        if n == 1:
            parts += ["## More answers from the community", ""]
        parts += [answer.post.body_source.strip(), "", _attribution(answer, by_id), ""]
    parts += ["## Questions this answers", ""]
    parts += [f"- [{_escape(t.title)}]({url_for('forum.thread', thread_id=t.id, _external=False)})"
              for t in threads]
    return "\n".join(parts).strip() + "\n"


def _attribution(answer, threads: dict[int, Thread]) -> str:
    post, thread = answer.post, threads[answer.post.thread_id]
    badge = f" ({post.author.role.badge})" if post.author.role.badge else ""
    link = url_for("forum.post", post_id=post.id, _external=False)
    return (f"> {answer.reason} by **{_escape(post.author.name)}**{badge} in "
            f"[{_escape(thread.title)}]({link})")


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)
