"""The help centre (/help) and its staff pages (/help/staff): articles, feedback, the
repeated-questions dashboard, search gaps, freshness, and closing duplicates.

Views stay thin: parse the request, ask knowledgebase.permissions, call a service or query.
"""
from __future__ import annotations

from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import login_required

from forum import permissions as forum_permissions
from forum import queries as forum_queries
from forum import services as forum_services
from forum import views as forum_views
from forum.admin import PersonExtra
from forum.extensions import db, limiter
from forum.forms import attach_error
from forum.models import Thread, User
from forum.web import me, page_arg
from knowledgebase import clusters, permissions, queries, services, suggestions
from knowledgebase.forms import ArticleForm, DuplicateForm, FeedbackForm, LinkThreadForm
from knowledgebase.models import Article, ArticleStatus, ClusterStatus, QuestionCluster
from knowledgebase.text import line_diff

bp = Blueprint("knowledgebase", __name__, url_prefix="/help")
bp.register_error_handler(forum_services.ServiceError, forum_views.service_error_page)
FORM_ERRORS = (forum_services.ValidationError, forum_services.Conflict)
DAY_CHOICES = (7, 30, 90)
FEEDBACK_SESSION_KEY = "kb_feedback"


def staff_only(view):
    """Signed-in staff only; everyone else gets 403."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        """The view, for staff."""
        if not permissions.can_view_reports(me()):
            abort(403, "The knowledge-base workspace is for staff.")
        return view(*args, **kwargs)
    return wrapper


def _days() -> int:
    days = request.args.get("days", 30, type=int)
    return days if days in DAY_CHOICES else 30


def _article_or_404(article_id: int) -> Article:
    found = queries.get_article(article_id)
    if found is None:
        abort(404, "There is no such article.")
    return found


def _cluster_or_404(cluster_id: int) -> QuestionCluster:
    found = db.session.get(QuestionCluster, cluster_id)
    if found is None:
        abort(404, "There is no such cluster; it may have been merged or recomputed.")
    return found


def _attempt(action, success: str, back: str):
    """Run a staff action; a refusal is flashed and nothing of it is kept."""
    try:
        action()
    except forum_services.ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(success, "success")
    return redirect(back, 303)


# -- the public help centre --------------------------------------------------------------------
@bp.get("/")
def home():
    """Categories with their articles, and what people read most."""
    return render_template(
        "knowledgebase/home.html", sections=queries.help_sections(),
        popular=queries.most_viewed(limit=5),
    )


@bp.get("/c/<slug>")
def category(slug: str):
    """One category's published articles."""
    found = forum_queries.category_by_slug(slug)
    if found is None:
        abort(404, "There is no help category at this address.")
    return render_template("knowledgebase/list.html", heading=found.name,
                           description=found.description, category=found,
                           articles=queries.category_articles(found))


@bp.get("/tag/<tag>")
def tag(tag: str):
    """Published articles with a tag."""
    return render_template("knowledgebase/list.html", heading=f"Tagged “{tag}”",
                           description="", category=None, articles=queries.tagged_articles(tag))


@bp.get("/a/<id:article_id>")
def article_by_id(article_id: int):
    """A stable address by number: redirects to the article's current slug."""
    found = _article_or_404(article_id)
    if not permissions.can_view_article(me(), found):
        abort(404, "There is no such article.")
    return redirect(url_for(".article", slug=found.slug), 301)


@bp.get("/<slug>")
def article(slug: str):
    """An article; a former slug redirects permanently to the current one."""
    found, former = queries.article_by_slug(slug)
    if found is None or not permissions.can_view_article(me(), found):
        abort(404, "There is no help article at this address.")
    if former:
        return redirect(url_for(".article", slug=found.slug), 301)
    response = render_template(
        "knowledgebase/article.html", article=found, form=FeedbackForm(),
        sources=queries.source_threads(found), related=_related_articles(found),
        answered=_my_feedback(found),
    )
    if found.is_published:
        services.record_view(found)  # after rendering: the commit expires loaded objects
    return response


def _related_articles(found: Article) -> list:
    if not found.is_published:
        return []
    return suggestions.related_articles(found, limit=4)


def _my_feedback(found: Article) -> bool | None:
    """What this reader answered before (True/False), or None."""
    remembered = session.get(FEEDBACK_SESSION_KEY, {}).get(str(found.id))
    return queries.reader_feedback(found, me(), remembered)


@bp.post("/<slug>/feedback")
@limiter.limit("30 per hour", methods=["POST"])
def feedback(slug: str):
    """'Was this helpful?': yes or no, and an optional comment."""
    found, _former = queries.article_by_slug(slug)
    if found is None or not permissions.can_give_feedback(me(), found):
        abort(404, "There is no help article at this address.")
    form = FeedbackForm()
    helpful = request.form.get("helpful")
    if not form.validate_on_submit() or helpful not in ("yes", "no"):
        flash("Please answer yes or no (comments are at most 1,000 characters).", "error")
        return redirect(url_for(".article", slug=found.slug, _anchor="feedback"), 303)
    remembered = dict(session.get(FEEDBACK_SESSION_KEY, {}))
    row = services.give_feedback(found, helpful=helpful == "yes", comment=form.comment.data,
                                 voter=me(), previous_id=remembered.get(str(found.id)))
    if me() is None and row is not None:
        remembered[str(found.id)] = row.id
        session[FEEDBACK_SESSION_KEY] = dict(list(remembered.items())[-50:])
    flash("Thank you: your answer helps us improve this article.", "success")
    return redirect(url_for(".article", slug=found.slug, _anchor="feedback"), 303)


@bp.get("/go/<token>")
def search_click(token: str):
    """A result opened from the search page: remembered in the search log, then followed."""
    kind, _sep, ident = request.args.get("to", "").partition(":")
    if kind not in ("thread", "article") or not ident.isdigit():
        abort(404, "That search result does not exist.")
    services.record_click(token, kind, int(ident))
    if kind == "thread":
        return redirect(url_for("forum.thread", thread_id=int(ident)), 302)
    return redirect(url_for(".article_by_id", article_id=int(ident)), 302)


@bp.post("/ask-events")
@login_required
@limiter.limit("120 per minute", methods=["POST"])
def ask_event():
    """kb.js reports that the ask form showed suggestions, or that one was opened."""
    doc_id = request.form.get("id", type=forum_queries.as_id)
    services.record_ask_event(request.form.get("token", ""), request.form.get("event", ""),
                              doc_type=request.form.get("type"), doc_id=doc_id)
    return "", 204


# -- staff: the dashboard and clusters ---------------------------------------------------------
@bp.get("/staff")
@staff_only
def dashboard():
    """Repeated questions ranked by demand, with deflection, freshness and search figures."""
    try:
        status = ClusterStatus(request.args.get("clusters", ClusterStatus.OPEN.value))
    except ValueError:
        status = ClusterStatus.OPEN
    days = _days()
    config = current_app.config
    return render_template(
        "knowledgebase/staff/dashboard.html", rows=queries.clusters(status), status=status,
        cluster_counts=queries.cluster_counts(), article_counts=queries.count_articles(),
        review_count=len(queries.review_queue(
            not_helpful_threshold=config["KB_NOT_HELPFUL_REVIEW"])),
        deflection=queries.deflection_report(
            days=days, settle_minutes=config["KB_DEFLECTION_SETTLE_MINUTES"]),
        searches=queries.search_totals(days=days), gaps=queries.search_gaps(days=days, limit=5),
        days=days,
    )


@bp.post("/staff/clusters/recompute")
@staff_only
def recompute_clusters():
    """Run the clustering now (the CLI does the same from cron)."""
    found = clusters.compute(days=current_app.config["KB_CLUSTER_DAYS"])
    flash(f"Found {len(found)} open clusters of repeated questions.", "success")
    return redirect(url_for(".dashboard"), 303)


@bp.get("/staff/clusters/<id:cluster_id>")
@staff_only
def cluster(cluster_id: int):
    """One cluster: its questions and best answers; split, merge, dismiss or promote it."""
    row = queries.cluster_row(_cluster_or_404(cluster_id).id)
    others = [c for c in clusters.ranked() if c.id != cluster_id]
    return render_template("knowledgebase/staff/cluster.html", row=row, others=others)


@bp.post("/staff/clusters/<id:cluster_id>/<action>")
@staff_only
def cluster_action(cluster_id: int, action: str):
    """Dismiss, reopen, split, merge or promote a cluster."""
    found = _cluster_or_404(cluster_id)
    back = request.form.get("back") == "dashboard"
    here = url_for(".dashboard") if back else url_for(".cluster", cluster_id=cluster_id)
    if action == "promote":
        try:
            article = clusters.promote(found, actor=me())
        except forum_services.ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(here, 303)
        flash("A draft article was written from the best answers: check it, then publish.",
              "success")
        return redirect(url_for(".edit_article", article_id=article.id), 303)
    actions = {
        "dismiss": (lambda: clusters.dismiss(found, actor=me()), "Cluster dismissed."),
        "reopen": (lambda: clusters.reopen(found, actor=me()), "Cluster reopened."),
        "split": (lambda: clusters.split(found, _ids("thread_ids"), actor=me()),
                  "The chosen questions now form their own cluster."),
        "merge": (lambda: clusters.merge(found, _cluster_or_404(
            request.form.get("other", 0, type=forum_queries.as_id)), actor=me()),
                  "Clusters merged."),
    }
    if action not in actions:
        abort(404)
    run, message = actions[action]
    target = url_for(".dashboard") if action == "dismiss" else here
    return _attempt(run, message, target)


def _ids(name: str) -> list[int]:
    ids = (forum_queries.id_or_none(v) for v in request.form.getlist(name) if v.isdigit())
    return [i for i in ids if i is not None]


# -- staff: articles ---------------------------------------------------------------------------
@bp.get("/staff/articles")
@staff_only
def articles():
    """Every article, filtered by state or title."""
    try:
        status = ArticleStatus(request.args.get("status")) if request.args.get("status") \
            else None
    except ValueError:
        status = None
    q = request.args.get("q", "")[:100]
    return render_template(
        "knowledgebase/staff/articles.html", page=queries.staff_articles(
            status=status, q=q, page=page_arg()), status=status, q=q,
        counts=queries.count_articles(), statuses=list(ArticleStatus),
    )


def _article_form(article: Article | None = None) -> ArticleForm:
    form = ArticleForm(obj=article) if article is not None and request.method == "GET" \
        else ArticleForm()
    form.set_categories(forum_services.list_categories())
    if article is not None and request.method == "GET":
        form.body.data, form.category.data, form.slug.data = (
            article.body_source, article.category_id, "")
    return form


def _save_kwargs(form: ArticleForm) -> dict:
    return {"title": form.title.data, "body": form.body.data, "summary": form.summary.data,
            "category": form.category.data, "tags": form.tags.data or "",
            "review_interval_days": form.review_interval_days.data,
            "slug": form.slug.data or "", "note": form.note.data or ""}


@bp.route("/staff/articles/new", methods=["GET", "POST"])
@staff_only
def new_article():
    """Write a new draft (?title= prefills it, e.g. from a search gap)."""
    form = _article_form()
    if request.method == "GET":
        form.title.data = request.args.get("title", "")[:200]
    elif form.validate_on_submit():
        try:
            article = services.create_article(actor=me(), **_save_kwargs(form))
        except FORM_ERRORS as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            flash("Draft saved.", "success")
            return redirect(url_for(".staff_article", article_id=article.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("knowledgebase/staff/edit.html", form=form, article=None), status


@bp.route("/staff/articles/<id:article_id>/edit", methods=["GET", "POST"])
@staff_only
def edit_article(article_id: int):
    """Edit an article; every save is a revision."""
    found = _article_or_404(article_id)
    form = _article_form(found)
    if form.validate_on_submit():
        try:
            services.update_article(found, actor=me(), **_save_kwargs(form))
        except FORM_ERRORS as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            flash("Saved.", "success")
            return redirect(url_for(".staff_article", article_id=found.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("knowledgebase/staff/edit.html", form=form, article=found), status


@bp.get("/staff/articles/<id:article_id>")
@staff_only
def staff_article(article_id: int):
    """An article's workspace: state and its next steps, linked threads, feedback."""
    found = _article_or_404(article_id)
    return render_template(
        "knowledgebase/staff/article.html", article=found, moves=_moves(found),
        linked=queries.linked_threads(found), comments=queries.feedback_comments(found),
        link_form=LinkThreadForm(),
        review=next((i for i in queries.review_queue(
            not_helpful_threshold=current_app.config["KB_NOT_HELPFUL_REVIEW"])
            if i.article.id == found.id), None),
    )


MOVE_LABELS = {
    ArticleStatus.IN_REVIEW: "Send for review", ArticleStatus.DRAFT: "Back to draft",
    ArticleStatus.PUBLISHED: "Publish", ArticleStatus.ARCHIVED: "Archive",
}


def _moves(article: Article) -> list[tuple[ArticleStatus, str]]:
    """The status changes this person may make now, as (status, button label)."""
    live = {ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED}
    moves = []
    for target, sources in services.TRANSITIONS.items():
        if article.status not in sources:
            continue
        if (target in live or article.status in live) and not permissions.can_publish(me()):
            continue
        moves.append((target, MOVE_LABELS[target]))
    return moves


@bp.post("/staff/articles/<id:article_id>/status")
@staff_only
def article_status(article_id: int):
    """Move an article to another state."""
    found = _article_or_404(article_id)
    try:
        target = ArticleStatus(request.form.get("status", ""))
    except ValueError:
        abort(400, "Unknown article state.")
    back = url_for(".sent_for_review") if request.form.get("next") == "sent_for_review" \
        else url_for(".staff_article", article_id=found.id)
    return _attempt(lambda: services.set_status(found, target, actor=me()),
                    f"The article is now {target.label.lower()}.", back)


@bp.post("/staff/articles/<id:article_id>/reviewed")
@staff_only
def article_reviewed(article_id: int):
    """Mark an article read through and still right."""
    found = _article_or_404(article_id)
    back = url_for(".review") if request.form.get("next") == "review" \
        else url_for(".staff_article", article_id=found.id)
    return _attempt(lambda: services.mark_reviewed(found, actor=me()), "Marked as reviewed.",
                    back)


@bp.post("/staff/articles/<id:article_id>/threads")
@staff_only
def link_thread(article_id: int):
    """Tie a community thread to the article."""
    found = _article_or_404(article_id)
    form = LinkThreadForm()
    target = services.resolve_target(form.thread.data or "") if form.validate_on_submit() \
        else None
    back = url_for(".staff_article", article_id=found.id)
    if not isinstance(target, Thread):
        flash("Paste a thread address or number.", "error")
        return redirect(back, 303)
    return _attempt(lambda: services.link_thread(found, target, actor=me()),
                    "Thread linked.", back)


@bp.post("/staff/articles/<id:article_id>/threads/<id:thread_id>/unlink")
@staff_only
def unlink_thread(article_id: int, thread_id: int):
    """Untie a thread from the article."""
    found = _article_or_404(article_id)
    thread = db.session.get(Thread, thread_id) or abort(404)
    return _attempt(lambda: services.unlink_thread(found, thread, actor=me()),
                    "Thread unlinked.", url_for(".staff_article", article_id=found.id))


@bp.get("/staff/articles/<id:article_id>/history")
@staff_only
def history(article_id: int):
    """Every revision, newest first, with what changed."""
    found = _article_or_404(article_id)
    return render_template("knowledgebase/staff/history.html", article=found,
                           entries=list(reversed(_history(services.revisions(found)))))


def _history(revisions) -> list[dict]:
    entries, previous = [], None
    for rev in revisions:
        entry = {"revision": rev, "old_title": None, "old_summary": None,
                 "lines": [("same", line) for line in rev.body_source.splitlines()]}
        if previous is not None:
            entry["old_title"] = previous.title if previous.title != rev.title else None
            entry["old_summary"] = previous.summary if previous.summary != rev.summary else None
            entry["lines"] = line_diff(previous.body_source, rev.body_source)
        entries.append(entry)
        previous = rev
    return entries


@bp.post("/staff/articles/<id:article_id>/restore/<id:number>")
@staff_only
def restore(article_id: int, number: int):
    """Bring an old revision back as the newest one."""
    found = _article_or_404(article_id)
    return _attempt(lambda: services.restore_revision(found, number, actor=me()),
                    f"Revision {number} restored as a new revision.",
                    url_for(".history", article_id=found.id))


# -- staff: reports ----------------------------------------------------------------------------
@bp.get("/staff/review")
@staff_only
def review():
    """Articles due for a read-through, and why."""
    items = queries.review_queue(
        not_helpful_threshold=current_app.config["KB_NOT_HELPFUL_REVIEW"])
    return render_template("knowledgebase/staff/review.html", items=items)


@bp.get("/staff/sent-for-review")
@staff_only
def sent_for_review():
    """Articles writers sent for review, for those who may publish them."""
    if not permissions.can_publish(me()):
        abort(403, "The review queue is for people who may publish articles.")
    return render_template("knowledgebase/staff/sent_for_review.html",
                           articles=queries.sent_for_review())


@bp.get("/staff/search-gaps")
@staff_only
def search_gaps():
    """Searches that found nothing or were not clicked, grouped and ranked by frequency."""
    days = _days()
    return render_template("knowledgebase/staff/gaps.html", days=days,
                           gaps=queries.search_gaps(days=days, limit=200),
                           totals=queries.search_totals(days=days))


# -- staff: closing duplicates (the form sits on the thread page) ------------------------------
@bp.post("/staff/threads/<id:thread_id>/duplicate")
@login_required
def close_duplicate(thread_id: int):
    """Close a thread as a duplicate of a thread or a published article."""
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        abort(404, "This thread does not exist.")
    if not permissions.can_close_duplicate(me()):
        abort(403, "Only staff and moderators close threads as duplicates.")
    form = DuplicateForm()
    target = services.resolve_target(form.target.data or "") if form.validate_on_submit() \
        else None
    back = url_for("forum.thread", thread_id=thread.id)
    return _attempt(lambda: services.close_duplicate(thread, actor=me(), target=target),
                    "The thread is closed as a duplicate; its author has been told where "
                    "the answer is.", back)


# -- admins: the publish right, on the forum's People page -------------------------------------
def people_extras(users: list[User], *, actor: User | None) -> dict[int, list[PersonExtra]]:
    """The People page's publish-right badges and buttons (forum.admin.PEOPLE_EXTRAS)."""
    if not permissions.can_grant_publish(actor):
        return {}
    granted = queries.publisher_ids([u.id for u in users])
    extras = {u.id: _publish_extra(u, u.id in granted) for u in users}
    return {user_id: [extra] for user_id, extra in extras.items() if extra is not None}


def _publish_extra(user: User, granted: bool) -> PersonExtra | None:
    url = url_for("knowledgebase.set_publisher", user_id=user.id)
    if forum_permissions.can_moderate(user):
        return PersonExtra(badge="Publishes (role)")
    if granted:
        return PersonExtra(badge="Publisher" if user.is_staff_side else "Publisher (not staff)",
                           action_url=url, action_label="Revoke publishing",
                           fields=(("grant", "0"),))
    if user.is_staff_side:
        return PersonExtra(action_url=url, action_label="Allow publishing",
                           fields=(("grant", "1"),))
    return None


@bp.post("/staff/publishers/<id:user_id>")
@login_required
def set_publisher(user_id: int):
    """Grant or revoke a staff member's publish right, then back to the People page."""
    if not permissions.can_grant_publish(me()):
        abort(403, "Only admins grant the publish right.")
    user = db.get_or_404(User, user_id, description="That person does not exist.")
    grant = request.form.get("grant")
    if grant not in ("0", "1"):
        abort(400, "Say whether to grant or revoke the publish right.")
    back = url_for("admin.users", q=request.form.get("q") or None,
                   page=request.form.get("page", type=int))
    done = "may now publish" if grant == "1" else "may no longer publish"
    return _attempt(lambda: services.grant_publish(user, actor=me(), grant=grant == "1"),
                    f"{user.name} {done} help articles.", back)
