"""Edits and revisions, and moving a post between published, held and rejected."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from forum import permissions, screening, search, signals
from forum.extensions import db
from forum.models import (
    Post,
    PostRevision,
    PostStatus,
    RevisionStatus,
    Thread,
    User,
    utcnow,
)
from forum.screening import Screening, ScreenRequest, SubmissionKind
from forum.services.errors import (
    require,
)
from forum.services.posting import (
    check_body,
    check_title,
    count_published,
    on_reply_published,
    render_post,
    screen,
)
from forum.services.transaction import commit


def edit_post(post: Post, *, actor: User, body: str, title: str | None = None) -> Post:
    """Change a post; every edit keeps a revision, and a question's title may change too.

    An author's edit is screened again: a rejected post that now passes is published (fix and
    resubmit). An edit of a published post that is held or rejected never takes the post down:
    it waits as a pending revision (or is kept, rejected, for its author to fix) while the
    published version stays up. A moderator's edit of someone else's post is trusted.
    """
    require(permissions.can_edit(actor, post), "You can only edit your own posts.")
    body = check_body(body)
    thread = post.thread
    new_title = check_title(title) if (post.is_question and title is not None) else None
    if body == post.body_source and (new_title is None or new_title == thread.title):
        return post
    request = ScreenRequest(SubmissionKind.EDIT, post.author, new_title or thread.title, body,
                            thread=thread, post=post)
    verdict = Screening() if actor.id != post.author_id else screen(request)
    new_title = (verdict.title or new_title) if new_title is not None else None
    if post.status is PostStatus.PUBLISHED and verdict.status is not PostStatus.PUBLISHED:
        _propose_revision(post, editor=actor, body=verdict.body or body, title=new_title,
                          status=_PROPOSAL[verdict.status])
    else:
        revise_post(post, editor=actor, body=verdict.body or body, title=new_title)
        post.details_removed = post.details_removed or (
            verdict.private_followup and verdict.status is PostStatus.PUBLISHED)
        if post.status is not PostStatus.HELD:
            set_visibility(post, verdict.status)
    screening.screener().record(request, verdict, post=post)
    commit(thread)
    return post


_PROPOSAL = {PostStatus.HELD: RevisionStatus.PENDING, PostStatus.REJECTED: RevisionStatus.REJECTED}


def revise_post(post: Post, *, editor: User, body: str, title: str | None = None) -> None:
    """Apply an edit as a new revision inside the caller's use case (no screening, no
    commit): the moderation layer uses it to edit-and-approve. It supersedes any held or
    rejected proposal (which takes the same revision number)."""
    body = check_body(body)
    thread = post.thread
    if title is not None and post.is_question:
        thread.title = check_title(title)
    revision = draft_revision(post) or PostRevision(post_id=post.id)
    revision.number, revision.editor_id, revision.status = (
        post.revision_count + 1, editor.id, RevisionStatus.APPLIED)
    revision.title = thread.title if post.is_question else None
    revision.body_source, revision.created_at = body, utcnow()
    _apply_text(post, body, revision.created_at)
    db.session.add(revision)


def _apply_text(post: Post, body: str, when: datetime) -> None:
    post.body_source, post.body_html = body, render_post(body)[0]
    post.edited_at = when
    post.revision_count += 1
    search.record(db.session, "thread", post.thread_id)


def _propose_revision(post: Post, *, editor: User, body: str, title: str | None,
                      status: RevisionStatus) -> PostRevision:
    """Keep a held (pending) or rejected edit beside the published text, which stays up."""
    revision = draft_revision(post) or PostRevision(post_id=post.id)
    revision.number, revision.editor_id, revision.status = (
        post.revision_count + 1, editor.id, status)
    revision.title = title if post.is_question else None
    revision.body_source, revision.created_at = body, utcnow()
    db.session.add(revision)
    return revision


def draft_revision(post: Post) -> PostRevision | None:
    """The edit not (yet) applied to a post: one waiting for review, or one turned down and
    kept so its author can fix it. None when the post's text is its latest version."""
    return db.session.scalar(select(PostRevision).where(
        PostRevision.post_id == post.id, PostRevision.number == post.revision_count + 1,
        PostRevision.status != RevisionStatus.APPLIED))


def pending_revision(post: Post) -> PostRevision | None:
    """A held edit of a published post, waiting for a moderator."""
    draft = draft_revision(post)
    return draft if draft is not None and draft.status is RevisionStatus.PENDING else None


def apply_pending_revision(post: Post) -> PostRevision | None:
    """A moderator approved a held edit: it becomes the post's text (part of the caller's use
    case). Returns the revision applied, or None when no edit was waiting."""
    revision = pending_revision(post)
    return None if revision is None else _apply_revision(post, revision)


def apply_turned_down_revision(post: Post, *, body: str,
                               stored: Callable[[str], str] = str) -> PostRevision | None:
    """A turned-down edit was overturned on appeal: the edit its author proposed becomes the
    post's text, exactly as if a moderator had released it from the queue. `body` is the
    text the decision was about, as the caller stored it; `stored` turns the proposal into
    that form (moderation masks card and bank numbers), so a proposal that differs from it
    only by that masking is the same edit, applied in the stored form. A later proposal (the
    author edited again) is left to its own review. Returns the revision applied, or None
    when that edit is not waiting."""
    revision = draft_revision(post)
    if (revision is None or revision.status is not RevisionStatus.REJECTED
            or stored(revision.body_source) != body):
        return None
    revision.body_source = body
    if revision.title is not None:
        revision.title = stored(revision.title)
    return _apply_revision(post, revision)


def _apply_revision(post: Post, revision: PostRevision) -> PostRevision:
    """Make an unapplied edit the post's text, with private data removed for the public."""
    redact = screening.screener().redact
    if revision.title is not None and post.is_question:
        revision.title = post.thread.title = redact(revision.title, author=post.author)
    public = redact(revision.body_source, author=post.author)
    post.details_removed = post.details_removed or public != revision.body_source
    revision.status, revision.body_source = RevisionStatus.APPLIED, public
    _apply_text(post, public, utcnow())
    return revision


def discard_pending_revision(post: Post) -> PostRevision | None:
    """A moderator turned a held edit down: the published version stays, the proposal is kept
    (rejected) for its author to fix. Returns it, or None when no edit was waiting."""
    revision = pending_revision(post)
    if revision is not None:
        revision.status = RevisionStatus.REJECTED
    return revision


def set_visibility(post: Post, status: PostStatus) -> None:
    """Move a post between published, held and rejected, keeping counters, the thread's own
    status (for a question) and notifications right. Part of the caller's use case: it does
    not commit (moderation calls it inside its decisions)."""
    old = post.status
    if old is status or old is PostStatus.DELETED:
        return
    post.status = status
    first_question = False
    if post.number == 1:
        post.thread.status = status
        if status is PostStatus.PUBLISHED and post.thread.published_at is None:
            post.thread.published_at = utcnow()
            first_question = True
    if old is PostStatus.PUBLISHED:
        count_published(post, -1)
    elif status is PostStatus.PUBLISHED:
        _make_public(post)
        if post.number == 1:
            count_published(post, +1)
            if first_question:
                signals.send_after_commit(signals.thread_published, thread=post.thread)
                signals.send_after_commit(signals.post_published, post=post)
        else:
            on_reply_published(post, render_post(post.body_source)[1], post.created_at)
    search.record(db.session, "thread", post.thread_id)


def _make_public(post: Post) -> None:
    """A held or rejected post kept its author's text; the public reads it (and its history,
    and a question's title) with private data removed."""
    redact = screening.screener().redact
    public = redact(post.body_source, author=post.author)
    if public != post.body_source:
        post.body_source, post.body_html = public, render_post(public)[0]
        post.details_removed = True
    if post.number == 1:
        post.thread.title = redact(post.thread.title, author=post.author)
    for revision in revisions(post):
        revision.body_source = redact(revision.body_source, author=post.author)
        if revision.title:
            revision.title = redact(revision.title, author=post.author)


def commit_changes(*threads: Thread) -> None:
    """Commit a use case made of set_visibility calls and others (for the moderation layer)."""
    commit(*threads)


def revisions(post: Post) -> list[PostRevision]:
    """A post's versions, oldest first (held or rejected proposals are not part of it)."""
    return list(db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id,
                                   PostRevision.status == RevisionStatus.APPLIED)
        .order_by(PostRevision.number)
    ))
