"""Public forum pages: categories, thread lists, threads, posting, search, profiles.

Views stay thin: parse the request, ask forum.permissions / call a service or query, render.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from forum import forms, hooks, metrics, permissions, queries, rendering, search, services, signals
from forum.extensions import db, limiter
from forum.models import PostStatus, utcnow
from forum.queries import ThreadFilter
from forum.search import SearchQuery
from forum.web import (
    FORM_ERRORS,
    me,
    page_arg,
    service_error_page,
    thread_url,
)

bp = Blueprint("forum", __name__)

MAX_SEARCH_PAGE = 100
VISIBLE = (PostStatus.PUBLISHED, PostStatus.DELETED)


bp.register_error_handler(services.ServiceError, service_error_page)


@bp.before_app_request
def _fresh_identity() -> None:
    """Identity belongs to one request: drop any signed-in user an app context (shared by
    test-client requests, streamed responses, CLI code) kept in g from an earlier request."""
    g.pop("_login_user", None)
    g.pop("ended_session_user", None)  # set by the user loader for a stale session cookie


@bp.before_app_request
def _drop_nul_bytes() -> None:
    """NUL (U+0000) is refused by PostgreSQL and kept by SQLite: strip it from forms and
    query strings so both databases store the same text and nothing else typed is lost;
    the API, whose callers read errors, is told with a 400 instead."""
    dirty = [name for name, source in (("form", request.form), ("args", request.args))
             if any("\x00" in key or "\x00" in value for key, value in source.items(multi=True))]
    if not dirty:
        return
    if request.path.startswith("/api/"):
        abort(400, "Query parameters may not contain NUL (%00) characters.")
    for name in dirty:
        cleaned = type(getattr(request, name))(
            (key.replace("\x00", ""), value.replace("\x00", ""))
            for key, value in getattr(request, name).items(multi=True))
        setattr(request, name, cleaned)
    flash("NUL characters were removed from what you sent; nothing else was changed.", "info")


def _poster_key() -> str:
    """Posting limits count per person (per address for the anonymous)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


posting_limit = limiter.shared_limit(
    lambda: current_app.config["POST_LIMIT"], scope="posting", key_func=_poster_key,
    methods=["POST"],
)


# -- template helpers ------------------------------------------------------------------------------
bp.add_app_template_global(thread_url)


@bp.app_template_global()
def views_shown(thread) -> int:
    """Views written so far plus those this process has counted and not yet written."""
    return services.views_shown(thread)


@bp.app_template_filter("ago")
def ago(when: datetime | None) -> str:
    """'just now', '5 minutes ago', '3 days ago', then a plain date for old things."""
    if when is None:
        return ""
    seconds = max(0, int((utcnow() - when).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            if unit == "day" and count > 30:
                return when.strftime("%-d %b %Y")
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


@bp.app_template_filter("isodate")
def isodate(when: datetime | None) -> str:
    """Machine-readable UTC time for <time datetime=...>."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else ""


# -- browsing --------------------------------------------------------------------------------------
@bp.get("/")
def index():
    """Home: categories with their counts, and the latest questions."""
    latest = queries.list_threads(filter=ThreadFilter.NEWEST, per_page=10)
    return render_template(
        "forum/index.html", categories=services.list_categories(), latest=latest
    )


@bp.get("/threads")
def threads():
    """Every published thread, by tab."""
    return _thread_list(None)


@bp.get("/c/<slug>")
def category(slug: str):
    """One category's threads, by tab."""
    found = queries.category_by_slug(slug)
    if found is None:
        abort(404, "There is no category at this address.")
    return _thread_list(found)


def _thread_list(category):
    try:
        tab = ThreadFilter(request.args.get("tab", ThreadFilter.NEWEST.value))
    except ValueError:
        tab = ThreadFilter.NEWEST
    tag = _tag_arg()
    page = queries.list_threads(
        filter=tab, category_id=category.id if category else None, page=page_arg(),
        per_page=current_app.config["THREADS_PER_PAGE"], tag_id=tag.id if tag else None,
    )
    return render_template(
        "forum/threads.html", category=category, tab=tab, tabs=list(ThreadFilter), page=page,
        categories=services.list_categories(), tag=tag,
    )


def _tag_arg():
    """The tag ?tag=<slug> names (None without one); 404 for a tag that does not exist."""
    slug = request.args.get("tag", "").strip()
    if not slug:
        return None
    found = queries.tag_by_slug(slug)
    if found is None:
        abort(404, "There is no tag with that name.")
    return found


# -- a thread --------------------------------------------------------------------------------------
def _viewable_thread(thread_id: int):
    thread = queries.get_thread(thread_id)
    if thread is None or not permissions.can_view_thread(me(), thread):
        abort(404, "This thread does not exist or is no longer available.")
    return thread


def _viewable_post(post_id: int):
    post = queries.get_post(post_id)
    if post is None or not permissions.can_view_thread(me(), post.thread):
        abort(404, "This post does not exist or is no longer available.")
    if post.status not in VISIBLE and not permissions.can_edit(me(), post):
        abort(404, "This post does not exist or is no longer available.")
    return post


def _post_url(post) -> str:
    per_page = current_app.config["POSTS_PER_PAGE"]
    page = queries.reply_page_of(post, viewer=me(), per_page=per_page)
    return thread_url(post.thread, page=page if page > 1 else None, _anchor=f"post-{post.id}")


def _quote_text(thread) -> str:
    """The ?quote=<post id> block quote for the reply box, if that post can be quoted."""
    post_id = request.args.get("quote", type=queries.as_id)
    post = queries.get_post(post_id) if post_id else None
    if post is None or post.thread_id != thread.id or post.status is not PostStatus.PUBLISHED:
        return ""
    return rendering.quote_markdown(post.author.username, post.body_source)


def _render_thread(thread, form, status: int = 200):
    view = queries.thread_view(
        thread, viewer=me(), page=page_arg(), per_page=current_app.config["POSTS_PER_PAGE"]
    )
    return render_template("forum/thread.html", view=view, thread=thread, form=form), status


@bp.get("/t/<id:thread_id>")
@bp.get("/t/<id:thread_id>/<slug>")
def thread(thread_id: int, slug: str | None = None):
    """The question, its accepted answer, a page of replies and the reply box."""
    found = _viewable_thread(thread_id)
    form = forms.ReplyForm(
        formdata=None, body=_quote_text(found) or hooks.first_text("reply_prefill", found),
        client_token=forms.new_client_token(),
    )
    response = _render_thread(found, form)
    services.record_view(found)  # after rendering, so the commit expires nothing we still need
    return response


@bp.post("/t/<id:thread_id>/reply")
@login_required
@posting_limit
def reply(thread_id: int):
    """Post a reply; on a mistake show the thread again with the text kept."""
    found = _viewable_thread(thread_id)
    form = forms.ReplyForm()
    if form.validate_on_submit():
        try:
            post = services.reply(
                found, author=me(), body=form.body.data, client_token=form.client_token.data
            )
        except FORM_ERRORS as exc:
            forms.attach_error(form, exc)
        else:
            return redirect(_post_url(post), 303)
    return _render_thread(found, form, 400)


@bp.route("/ask", methods=["GET", "POST"])
@login_required
@posting_limit
def ask():
    """Ask a question: title, category and a Markdown body."""
    form = forms.AskForm()
    form.set_categories(services.list_categories())
    if request.method == "GET":
        form.client_token.data = forms.new_client_token()
        chosen = queries.category_by_slug(request.args.get("category", ""))
        form.category.data = chosen.id if chosen else None
        return render_template("forum/ask.html", form=form, typical=_typical_answer())
    if form.validate_on_submit():
        try:
            found = services.create_thread(
                author=me(), title=form.title.data, body=form.body.data,
                category=services.find_category(form.category.data),
                client_token=form.client_token.data,
            )
        except FORM_ERRORS as exc:
            forms.attach_error(form, exc)
        else:
            return redirect(thread_url(found), 303)
    return render_template("forum/ask.html", form=form, typical=_typical_answer()), 400


def _typical_answer() -> str | None:
    """'2 hours': the measured median wait for a first answer, or None without enough data."""
    minutes = metrics.typical_first_answer_minutes()
    return metrics.duration_words(minutes) if minutes is not None else None


# -- one post --------------------------------------------------------------------------------------
@bp.get("/p/<id:post_id>")
def post(post_id: int):
    """A permalink: the thread page the post is on, scrolled to it (a hidden question's link
    still opens its thread, where the question shows collapsed)."""
    found = queries.get_post(post_id)
    if found is not None and found.is_question and permissions.can_view_thread(me(), found.thread):
        return redirect(thread_url(found.thread, _anchor=f"post-{found.id}"))
    return redirect(_post_url(_viewable_post(post_id)))


@bp.route("/p/<id:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    """Edit a post (and, for the question, the title); every edit keeps a revision."""
    found = _viewable_post(post_id)
    if not permissions.can_edit(me(), found):
        abort(403, "You can only edit your own posts.")
    title = found.thread.title if found.is_question else None
    # The author's held or turned-down edit comes back as they typed it, to fix from there.
    draft = services.draft_revision(found) if me().id == found.author_id else None
    form = forms.EditForm(title=(draft.title if draft and draft.title else title),
                          body=draft.body_source if draft else found.body_source)
    if form.validate_on_submit():
        try:
            services.edit_post(found, actor=me(), body=form.body.data,
                               title=form.title.data if found.is_question else None)
        except FORM_ERRORS as exc:
            forms.attach_error(form, exc)
        else:
            flash("Your changes are saved.", "success")
            return redirect(_post_url(found), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("forum/edit.html", form=form, post=found, draft=draft), status


@bp.post("/p/<id:post_id>/delete")
@login_required
def delete(post_id: int):
    """Soft-delete a post: it keeps its place with a 'deleted' note."""
    found = _viewable_post(post_id)
    if not permissions.can_delete(me(), found):
        abort(403, "You can only delete your own posts.")
    services.delete_post(found, actor=me())
    flash("The post was deleted.", "success")
    if found.thread.status is PostStatus.DELETED:
        return redirect(url_for("forum.index"), 303)
    return redirect(_post_url(found), 303)


@dataclass
class RevisionEntry:
    """One revision and how it differs from the one before."""

    revision: object
    old_title: str | None = None
    lines: list[tuple[str, str]] = field(default_factory=list)


def revision_entries(revisions) -> list[RevisionEntry]:
    """Pair each revision with a line diff against its predecessor (the first: its text)."""
    entries, previous = [], None
    for rev in revisions:
        entry = RevisionEntry(rev)
        if previous is None:
            entry.lines = [("same", line) for line in rev.body_source.splitlines()]
        else:
            if rev.title and previous.title and rev.title != previous.title:
                entry.old_title = previous.title
            entry.lines = _diff(previous.body_source, rev.body_source)
        entries.append(entry)
        previous = rev
    return entries


def _diff(old: str, new: str) -> list[tuple[str, str]]:
    kinds = {"+": "add", "-": "del", " ": "same", "@": "hunk"}
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)
    return [(kinds[line[0]], line[1:] if line[0] != "@" else line)
            for line in lines if not line.startswith(("---", "+++"))]


@bp.get("/p/<id:post_id>/history")
def history(post_id: int):
    """Every revision of a post with what changed each time."""
    found = _viewable_post(post_id)
    if not permissions.can_view_history(me(), found):
        abort(403, "The history of a deleted post is only shown to moderators.")
    entries = revision_entries(services.revisions(found))
    return render_template("forum/history.html", post=found, entries=list(reversed(entries)))


@bp.post("/p/<id:post_id>/accept")
@login_required
def accept(post_id: int):
    """Mark a reply as the accepted answer."""
    found = _viewable_post(post_id)
    try:
        services.accept_answer(found, actor=me())
    except services.AccountRestricted as exc:
        return _refused_here(exc, _post_url(found))
    flash("Marked as the accepted answer.", "success")
    return redirect(_post_url(found), 303)


@bp.post("/t/<id:thread_id>/unaccept")
@login_required
def unaccept(thread_id: int):
    """Take the accepted mark away."""
    found = _viewable_thread(thread_id)
    try:
        services.unaccept_answer(found, actor=me())
    except services.AccountRestricted as exc:
        return _refused_here(exc, thread_url(found))
    flash("The answer is no longer marked as accepted.", "success")
    return redirect(thread_url(found), 303)


@bp.post("/p/<id:post_id>/vote")
@login_required
def vote(post_id: int):
    """Vote a post helpful."""
    found = _viewable_post(post_id)
    try:
        services.vote_helpful(found, actor=me())
    except services.AccountRestricted as exc:
        return _refused_here(exc, _post_url(found))
    return redirect(_post_url(found), 303)


def _refused_here(exc: services.ServiceError, back: str):
    """A sanction refused a one-click action: say why on the page the member came from."""
    db.session.rollback()
    flash(exc.message, "error")
    return redirect(back, 303)


@bp.post("/p/<id:post_id>/unvote")
@login_required
def unvote(post_id: int):
    """Take a helpful vote back."""
    found = _viewable_post(post_id)
    services.remove_vote(found, actor=me())
    return redirect(_post_url(found), 303)


@bp.post("/t/<id:thread_id>/follow")
@login_required
def follow(thread_id: int):
    """Hear about every reply."""
    found = _viewable_thread(thread_id)
    services.follow(found, actor=me())
    flash("You are following this thread.", "success")
    return redirect(thread_url(found), 303)


@bp.post("/t/<id:thread_id>/unfollow")
@login_required
def unfollow(thread_id: int):
    """Stop hearing about replies."""
    found = _viewable_thread(thread_id)
    services.unfollow(found, actor=me())
    flash("You no longer follow this thread.", "success")
    return redirect(thread_url(found), 303)


# -- people and notifications ----------------------------------------------------------------------
@bp.get("/u/<username>")
def profile(username: str):
    """A member's public profile and recent questions."""
    user = services.get_user(username)
    if user is None:
        abort(404, "Nobody here goes by that name.")
    return render_template(
        "forum/profile.html", user=user, threads=queries.user_threads(user, limit=20)
    )


@bp.get("/notifications")
@login_required
def notifications():
    """Replies, mentions and accepted answers, newest first."""
    page = queries.notifications(me(), page=page_arg())
    return render_template("forum/notifications.html", page=page)


@bp.get("/notifications/<id:notification_id>")
@login_required
def open_notification(notification_id: int):
    """Mark one notification read and go to what it is about."""
    found = queries.notification_for(me(), notification_id)
    if found is None:
        abort(404, "That notification does not exist.")
    services.mark_notifications_read(me(), [found.id])
    if found.url and found.url.startswith("/") and not found.url.startswith("//"):
        return redirect(found.url)
    if found.post_id:
        return redirect(url_for("forum.post", post_id=found.post_id))
    return redirect(url_for("forum.notifications"))


@bp.post("/notifications/read")
@login_required
def notifications_read():
    """Mark every notification read."""
    services.mark_notifications_read(me())
    flash("All caught up.", "success")
    return redirect(url_for("forum.notifications"), 303)


# -- search ----------------------------------------------------------------------------------------
@bp.get("/search")
def search_page():
    """One box: every word required, with filters; junk gets help, never an error."""
    raw = request.args.get("q", "")
    text = search.clean_query(raw)
    categories = services.list_categories()
    category_id = request.args.get("category", type=queries.as_id)
    solved = {"yes": True, "no": False}.get(request.args.get("solved", ""))
    words, slug = split_tag(text)
    slug = slug or request.args.get("tag", "").strip().lower()
    tag = queries.tag_by_slug(slug) if slug else None
    if slug and tag is not None and not any(ch.isalnum() for ch in words):
        return redirect(url_for("forum.threads", tag=tag.slug))  # a tag alone: its list
    result = None
    if any(ch.isalnum() for ch in words):
        query = SearchQuery(
            text=words, page=page_arg(MAX_SEARCH_PAGE),
            per_page=current_app.config["SEARCH_PER_PAGE"], category_id=category_id,
            solved=solved, doc_types=("thread",),
            thread_ids=_tag_filter(slug, tag),
        )
        result = search.run(db.session, query)
        signals.search_ran.send(current_app._get_current_object(), query=query, result=result)
    truncated = len(" ".join(raw.split())) > search.MAX_QUERY_CHARS
    return render_template(
        "forum/search.html", q=text, truncated=truncated, result=result,
        categories=categories, category_names={c.id: c.name for c in categories},
        category_id=category_id, solved=request.args.get("solved", ""),
        tags=queries.all_tags(), tag_slug=slug, unknown_tag=bool(slug) and tag is None,
    )


TAG_TERM = re.compile(r"(?<!\S)tag:([A-Za-z0-9-]{1,40})(?!\S)")


def split_tag(text: str) -> tuple[str, str]:
    """The words of a query and the slug of its first `tag:slug` term ("" when none)."""
    found = TAG_TERM.search(text)
    if found is None:
        return text, ""
    return " ".join(TAG_TERM.sub(" ", text).split()), found.group(1).lower()


def _tag_filter(slug: str, tag) -> frozenset[int] | None:
    """The threads a tag filter keeps: None without one, none at all for an unknown tag."""
    if not slug:
        return None
    return queries.tagged_thread_ids(tag.id) if tag is not None else frozenset()
