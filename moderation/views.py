"""Moderation pages. `bp` (/moderation) is the moderators' and admins' workspace: the review
queue, item and member pages, sanctions, appeals, the dashboard, the audit log and blocked
domains, plus each member's own moderation record. `public` holds what members and visitors
use: flagging, the published rules, the transparency report and private follow-ups.

Views stay thin: check permissions (forum.permissions), call a moderation service or query,
render; a refused use case is shown beside the form that asked, keeping what was typed."""
from __future__ import annotations

from functools import wraps

from flask import (
    Blueprint,
    Response,
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

from forum import permissions, services
from forum import queries as forum_queries
from forum.extensions import db, limiter, login_manager
from forum.forms import attach_error
from forum.models import PostStatus, User, utcnow
from forum.web import me, page_arg, safe_next, service_error_page, thread_url
from moderation import alerts, audit, forms, lists, queries
from moderation import services as moderation
from moderation.audit import AuditAction
from moderation.engine import rules as engine_rules
from moderation.models import Appeal, BadDomain, PrivateConversation, ReviewItem, Sanction
from moderation.runtime import current_rules

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
public = Blueprint("moderation_public", __name__)
for _blueprint in (bp, public):
    _blueprint.register_error_handler(services.ServiceError, service_error_page)

REFUSALS = (services.ValidationError, services.Conflict, services.PermissionDenied)
QUEUE_PER_PAGE = 20
AUDIT_PER_PAGE = 50


# -- access ------------------------------------------------------------------------------------
def _only(check, message: str):
    """Strangers are asked to sign in; signed-in people without the role get a clear 403."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not check(me()):
                abort(403, message)
            return view(*args, **kwargs)
        return wrapped
    return decorator


moderators_only = _only(permissions.can_moderate, "The review queue is for moderators.")
admins_only = _only(permissions.can_admin, "This page is for community admins.")


def _member_key() -> str:
    """Flags are counted per member (per address for the anonymous, who are sent to sign in)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


flag_limit = limiter.shared_limit(
    lambda: current_app.config["FLAG_LIMIT"], scope="flagging", key_func=_member_key,
    methods=["POST"],
)


@bp.app_context_processor
def _moderation_context() -> dict:
    """The header's "Moderation (N)" count and the tabs' counts, for moderators only
    (re-counted at most once a minute per process)."""
    if permissions.can_moderate(me()):
        counts = alerts.header_counts(db.session)
        return {"review_queue_count": counts.queue, "moderation_counts": counts}
    return {"review_queue_count": None, "moderation_counts": None}


@bp.app_template_global("check_info")
def check_info(name: str) -> tuple[str, bool]:
    """A check's published description, and whether its score argues for keeping the post."""
    return engine_rules.CHECKS.get(name, ""), name in engine_rules.PROTECTIVE_CHECKS


@public.app_template_global("moderation_notice")
def moderation_notice(post):
    """Why a held or rejected post is not public (rule and explanation), for its author."""
    return queries.post_notice(post)


@bp.app_template_filter("audit_changes")
def audit_changes(event) -> list[audit.Change]:
    """An audit row's before/after as readable field: old -> new lines."""
    return audit.changes(event.before, event.after)


@public.app_template_global("member_trust")
def member_trust(user):
    """The signed-in member's trust level, what it allows and what the next one needs."""
    return queries.trust_summary(user)


def _refused(form, exc) -> None:
    """Undo the refused use case and put its message beside the field (or above the form)."""
    db.session.rollback()
    attach_error(form, exc)


# -- flags -------------------------------------------------------------------------------------
def _flaggable_post(post_id: int):
    post = forum_queries.get_post(post_id)
    viewer = me()
    if post is None or not permissions.can_view_thread(viewer, post.thread):
        abort(404, "This post does not exist or is no longer available.")
    if post.status is not PostStatus.PUBLISHED and not permissions.can_edit(viewer, post):
        abort(404, "This post does not exist or is no longer available.")
    return post


def _back_to(post) -> str:
    """Where the flagger goes next: the post, else its thread, else home (if it is hidden)."""
    if post.status is PostStatus.PUBLISHED:
        return url_for("forum.post", post_id=post.id)
    if post.thread.status is PostStatus.PUBLISHED:
        return thread_url(post.thread)
    return url_for("forum.index")


@public.route("/p/<id:post_id>/flag", methods=["GET", "POST"])
@login_required
@flag_limit
def flag(post_id: int):
    """Flag a post for moderators: a reason and, optionally, what is wrong."""
    post = _flaggable_post(post_id)
    form = forms.FlagForm()
    restriction = permissions.restriction(me())
    if request.method == "GET":
        return render_template("moderation/flag.html", form=form, post=post,
                               restriction=restriction)
    status = 400
    if form.validate_on_submit():
        try:
            moderation.flag_post(post, actor=me(), reason=form.reason.data,
                                 text=form.text.data or "")
        except services.Conflict as exc:
            db.session.rollback()
            flash(exc.message, "info")
            return redirect(_back_to(post), 303)
        except (services.ValidationError, services.PermissionDenied) as exc:
            _refused(form, exc)
            status = exc.status
        else:
            flash("Thank you. Moderators will review this post.", "success")
            return redirect(_back_to(post), 303)
    return render_template("moderation/flag.html", form=form, post=post,
                           restriction=restriction), status


# -- the review queue --------------------------------------------------------------------------
def _with_rules(form, rules=None, blank: str = "Choose the rule…"):
    """Give a form's rule select the current rules as choices."""
    form.rule.choices = forms.rule_choices(rules or current_rules(), blank=blank)
    return form


def _queue_page(bulk=None, status: int = 200):
    filters = queries.QueueFilter.from_args(request.args)
    rules = current_rules()
    page = queries.review_queue(filters, page=page_arg(), per_page=QUEUE_PER_PAGE)
    bulk = _with_rules(bulk or forms.BulkForm(formdata=None), rules, "Rule (for reject or hide)")
    return render_template(
        "moderation/queue.html", page=page, filters=filters, rules=rules, bulk=bulk,
        categories=services.list_categories(), ages=queries.AGES, now=utcnow(),
    ), status


@bp.get("/")
@bp.get("/queue")
@moderators_only
def queue():
    """One queue of held submissions and flagged posts, oldest first, with filters."""
    return _queue_page()


def _bulk_check(form) -> bool:
    """Rejecting or hiding needs a rule and a message for every author."""
    if form.action.data == "approve":
        return True
    if not form.rule.data:
        form.rule.errors = ["Please choose the rule these decisions enforce."]
    if not (form.message.data or "").strip():
        form.message.errors = ["Tell the authors what to change."]
    return not (form.rule.errors or form.message.errors)


def _decide_one(item, form) -> None:
    actor = me()
    if form.action.data == "approve":
        moderation.approve(item, actor=actor)
    else:
        moderation.reject(item, actor=actor, rule=form.rule.data, message=form.message.data,
                          hide_only=form.action.data == "hide")


@bp.post("/queue/bulk")
@moderators_only
def bulk():
    """Approve, reject or hide the selected items, each through its own use case."""
    form = _with_rules(forms.BulkForm())
    if not (form.validate_on_submit() and _bulk_check(form)):
        return _queue_page(form, 400)
    done, refused = 0, []
    for item_id in dict.fromkeys(form.items.data):
        item = db.session.get(ReviewItem, item_id)
        try:
            if item is None:
                raise services.NotFound("No such review item.")
            _decide_one(item, form)
        except (*REFUSALS, services.NotFound) as exc:
            db.session.rollback()
            refused.append(f"#{item_id}: {exc.message}")
        else:
            done += 1
    verb = {"approve": "Approved", "reject": "Rejected", "hide": "Hid"}[form.action.data]
    flash(f"{verb} {done} of {done + len(refused)} selected items.",
          "success" if done else "info")
    if refused:
        flash("Not decided: " + " ".join(refused), "error")
    return redirect(safe_next(url_for(".queue")), 303)


# -- one item ----------------------------------------------------------------------------------
def _item(item_id: int):
    item = queries.review_item(item_id)
    if item is None:
        abort(404, "There is no such review item.")
    return item


def _sanction_form(user: User, rules, rule: str | None = None):
    kind, days = moderation.suggested_sanction(user)
    form = forms.SanctionForm(formdata=None, kind=kind.value, days=days, rule=rule or "")
    return _with_rules(form, rules)


def _item_page(item_id: int, status: int = 200, error: str | None = None, **given):
    item = _item(item_id)
    rules = current_rules()
    first_rule = item.decision_rule or (item.rules[0] if item.rules else "")
    page_forms = {
        "approve_form": forms.NoteForm(formdata=None),
        "reject_form": _with_rules(forms.RejectForm(formdata=None, rule=first_rule), rules),
        "edit_form": forms.EditApproveForm(formdata=None, body=item.post.body_source),
        "sanction_form": _sanction_form(item.author, rules, first_rule),
        "nuke_form": forms.ReasonForm(formdata=None, reason="Spam account."),
    }
    page_forms.update(given)
    return render_template(
        "moderation/item.html", item=item, entry=queries.queue_entry(item), rules=rules,
        history=queries.author_history(item.author), error=error,
        suggested=moderation.suggested_sanction(item.author), **page_forms,
    ), status


@bp.get("/items/<id:item_id>")
@moderators_only
def item(item_id: int):
    """One item with its scores, texts, actions and the author's whole history."""
    return _item_page(item_id)


def _decision(item_id: int, form_name: str, form, decide, message: str):
    """Run one decision; a refusal re-renders the item page with the form as typed."""
    if not form.validate_on_submit():
        return _item_page(item_id, 400, **{form_name: form})
    try:
        decide()
    except REFUSALS as exc:
        _refused(form, exc)
        return _item_page(item_id, exc.status, error=exc.message, **{form_name: form})
    flash(message, "success")
    return redirect(safe_next(url_for(".queue")), 303)


@bp.post("/items/<id:item_id>/claim")
@moderators_only
def claim(item_id: int):
    """Take an item so no other moderator decides it meanwhile."""
    found = _item(item_id)
    try:
        moderation.claim(found, actor=me())
    except services.Conflict as exc:
        flash(exc.message, "error")
    else:
        flash(f"You claimed item #{found.id}.", "success")
    return redirect(safe_next(url_for(".item", item_id=item_id)), 303)


@bp.post("/items/<id:item_id>/approve")
@moderators_only
def approve(item_id: int):
    """Publish the post; flags on it are dismissed."""
    found, form = _item(item_id), forms.NoteForm()
    return _decision(item_id, "approve_form", form,
                     lambda: moderation.approve(found, actor=me(), note=form.note.data or ""),
                     f"Approved item #{item_id}; the post is public.")


@bp.post("/items/<id:item_id>/reject")
@moderators_only
def reject(item_id: int):
    """Reject (or only hide) the post citing a rule, with a message to the author."""
    found, form = _item(item_id), _with_rules(forms.RejectForm())
    hide = form.mode.data == "hide"
    return _decision(
        item_id, "reject_form", form,
        lambda: moderation.reject(found, actor=me(), rule=form.rule.data,
                                  message=form.message.data, hide_only=hide),
        f"{'Hid' if hide else 'Rejected'} item #{item_id} under {form.rule.data}.")


@bp.post("/items/<id:item_id>/edit")
@moderators_only
def edit_approve(item_id: int):
    """Fix the text and publish it in one step."""
    found, form = _item(item_id), forms.EditApproveForm()
    return _decision(
        item_id, "edit_form", form,
        lambda: moderation.edit_and_approve(found, actor=me(), body=form.body.data,
                                            note=form.note.data or ""),
        f"Edited and approved item #{item_id}.")


# -- members: history, sanctions, nuke ---------------------------------------------------------
def _user(user_id: int) -> User:
    return db.get_or_404(User, user_id, description="That person does not exist.")


def _user_page(user: User, status: int = 200, error: str | None = None, **given):
    rules = current_rules()
    page_forms = {"sanction_form": _sanction_form(user, rules),
                  "nuke_form": forms.ReasonForm(formdata=None, reason="Spam account.")}
    page_forms.update(given)
    return render_template(
        "moderation/user.html", member=user, history=queries.author_history(user),
        suggested=moderation.suggested_sanction(user), error=error, rules=rules,
        **page_forms,
    ), status


@bp.get("/users/<id:user_id>")
@moderators_only
def member(user_id: int):
    """A member's history in one view, with sanctions and the nuke button."""
    return _user_page(_user(user_id))


@bp.post("/users/<id:user_id>/sanction")
@moderators_only
def sanction(user_id: int):
    """Warn, mute, suspend or ban, citing a rule; the member is told why."""
    user, form = _user(user_id), _with_rules(forms.SanctionForm())
    if not form.validate_on_submit():
        return _user_page(user, 400, sanction_form=form)
    try:
        row = moderation.sanction(user, form.kind.data, actor=me(), rule=form.rule.data,
                                  reason=form.reason.data, days=form.days.data)
    except REFUSALS as exc:
        _refused(form, exc)
        return _user_page(_user(user_id), exc.status, error=exc.message, sanction_form=form)
    flash(f"{row.kind.value.capitalize()} issued to {user.name} under {row.rule_code}.",
          "success")
    return redirect(safe_next(url_for(".member", user_id=user_id)), 303)


@bp.post("/users/<id:user_id>/nuke")
@moderators_only
def nuke(user_id: int):
    """Remove every post of a spam account and ban it."""
    user, form = _user(user_id), forms.ReasonForm()
    form.validate_on_submit()
    try:
        removed = moderation.nuke_spammer(user, actor=me(),
                                          reason=form.reason.data or "Spam account.")
    except REFUSALS as exc:
        _refused(form, exc)
        return _user_page(_user(user_id), exc.status, error=exc.message, nuke_form=form)
    ban = moderation.active_restriction(user)
    flash(f"Removed {removed} posts by {user.name} and banned the account under "
          f"{ban.rule_code if ban else 'the spam rules'}.", "success")
    return redirect(url_for(".member", user_id=user_id), 303)


@bp.post("/sanctions/<id:sanction_id>/lift")
@moderators_only
def lift(sanction_id: int):
    """End a sanction early."""
    row = db.get_or_404(Sanction, sanction_id, description="There is no such sanction.")
    form = forms.ReasonForm()
    form.validate_on_submit()
    if row.lifted_at is not None:
        flash("That sanction was already lifted.", "info")
    else:
        moderation.lift_sanction(row, actor=me(), reason=form.reason.data or "")
        flash(f"The {row.kind.value} was lifted.", "success")
    return redirect(safe_next(url_for(".member", user_id=row.user_id)), 303)


# -- appeals -----------------------------------------------------------------------------------
def _mine_page(failed: tuple[str, object] | None = None, status: int = 200,
               error: str | None = None):
    return render_template(
        "moderation/mine.html", record=queries.member_record(me()), rules=current_rules(),
        failed=failed, blank=forms.AppealForm(formdata=None), error=error,
    ), status


@bp.get("/mine")
@login_required
def mine():
    """My moderation record: what is waiting, what was removed and why, sanctions; appeal."""
    return _mine_page()


@public.route("/sanctioned/<token>", methods=["GET", "POST"])
def sanctioned(token: str):
    """A suspended or banned member, signed out, reads their sanction (kind, rule, reason,
    end) and appeals it here through the signed link the sign-in page gave them."""
    g.no_store = True
    row = moderation.sanction_for_appeal_token(token)
    form = forms.AppealForm(target=f"sanction:{row.id}")
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            moderation.appeal(actor=row.user, text=form.text.data, sanction_row=row)
        except REFUSALS as exc:
            _refused(form, exc)
            status = exc.status
        else:
            flash("Your appeal was sent. A different moderator will decide and tell you the "
                  "outcome by notification when you can sign in again.", "success")
            return redirect(url_for(".sanctioned", token=token), 303)
    elif request.method == "POST":
        status = 400
    return render_template("moderation/sanctioned.html", sanction=row, form=form,
                           rules=current_rules(), appealed=queries.appeal_for_sanction(row),
                           now=utcnow()), status


def _appeal_target(target: str) -> dict:
    """"item:3" or "sanction:5", checked to be the signed-in member's own."""
    kind, _, raw = (target or "").partition(":")
    model = {"item": ReviewItem, "sanction": Sanction}.get(kind)
    row_id = forum_queries.id_or_none(raw) if raw.isdigit() else None
    row = db.session.get(model, row_id) if model and row_id is not None else None
    owner = getattr(row, "author_id", None) or getattr(row, "user_id", None)
    if row is None or owner != me().id:
        abort(404, "There is no such decision on your record.")
    return {"item": row} if kind == "item" else {"sanction_row": row}


@bp.post("/mine/appeal")
@login_required
def appeal():
    """Appeal a hold, a rejection or a sanction, once; a different moderator decides. Sent
    from the notice on the post, the author goes back there (?next=)."""
    form = forms.AppealForm()
    target = _appeal_target(form.target.data)
    if not form.validate_on_submit():
        return _mine_page((form.target.data, form), 400)
    try:
        moderation.appeal(actor=me(), text=form.text.data, **target)
    except REFUSALS as exc:
        _refused(form, exc)
        return _mine_page((form.target.data, form), exc.status, exc.message)
    flash("Your appeal was sent. A different moderator will decide and tell you the outcome.",
          "success")
    return redirect(safe_next(url_for(".mine")), 303)


def _appeals_page(failed: tuple[int, object] | None = None, status: int = 200,
                  error: str | None = None):
    pending, decided = queries.appeals(pending=True), queries.appeals(pending=False, limit=20)
    ids = [a.original_moderator_id for a in pending + decided] + [
        a.decided_by_id for a in decided]
    return render_template(
        "moderation/appeals.html", pending=pending, decided=decided, failed=failed,
        error=error, blank=forms.DecideAppealForm(formdata=None),
        people=queries.users_by_id(ids), rules=current_rules(),
    ), status


@bp.get("/appeals")
@moderators_only
def appeals():
    """Pending appeals (each decided by someone other than the original moderator)."""
    return _appeals_page()


@bp.post("/appeals/<id:appeal_id>/decide")
@moderators_only
def decide_appeal(appeal_id: int):
    """Uphold or overturn an appeal; the member is told the outcome."""
    row = db.get_or_404(Appeal, appeal_id, description="There is no such appeal.")
    form = forms.DecideAppealForm()
    if not form.validate_on_submit():
        return _appeals_page((appeal_id, form), 400)
    try:
        moderation.decide_appeal(row, actor=me(), overturn=form.outcome.data == "overturn",
                                 note=form.note.data)
    except REFUSALS as exc:
        _refused(form, exc)
        return _appeals_page((appeal_id, form), exc.status, error=exc.message)
    outcome = "overturned" if form.outcome.data == "overturn" else "upheld"
    flash(f"Appeal #{appeal_id} {outcome}; the member has been told.", "success")
    return redirect(url_for(".appeals"), 303)


# -- dashboard ---------------------------------------------------------------------------------
@bp.get("/dashboard")
@moderators_only
def dashboard():
    """Queue health, how often automatic holds are upheld, misses, flags, appeals, model."""
    return render_template("moderation/dashboard.html", stats=queries.dashboard())


@bp.post("/dashboard/retrain")
@moderators_only
def retrain():
    """Retrain the classifier now on the shipped data plus every moderator decision."""
    bundle = moderation.train(actor=me())
    flash(f"Model version {bundle.version} is trained with {bundle.extra_examples} moderator "
          "decisions; every worker switches to it within seconds.", "success")
    return redirect(url_for(".dashboard"), 303)


# -- audit log and blocked domains (admins) ----------------------------------------------------
def _audit_filters() -> tuple[str, str]:
    action = request.args.get("action", "")
    rule = request.args.get("rule", "")
    return (action if action in {a.value for a in AuditAction} else "",
            rule if rule in {r.code for r in current_rules().rules} else "")


audit_readers_only = _only(permissions.can_read_audit_log, "The audit log is for moderators.")
audit_exporters_only = _only(permissions.can_export_audit_log,
                             "Only admins export the audit log.")


@bp.get("/audit")
@audit_readers_only
def audit_log():
    """Every automatic and human moderation action, newest first, filterable."""
    action, rule = _audit_filters()
    page = queries.audit_page(action=action, rule=rule, page=page_arg(),
                              per_page=AUDIT_PER_PAGE)
    return render_template("moderation/audit.html", page=page, action=action, rule=rule,
                           actions=list(AuditAction), rules=current_rules())


@bp.get("/audit.csv")
@audit_exporters_only
def audit_csv():
    """The (filtered) audit log as a CSV download."""
    action, rule = _audit_filters()
    body = audit.to_csv(audit.events(action=action or None, rule=rule or None))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=moderation-audit.csv"})


def _domains_page(form=None, status: int = 200):
    return render_template("moderation/domains.html", domains=queries.bad_domains(),
                           form=form or forms.DomainForm(formdata=None)), status


@bp.get("/domains")
@admins_only
def domains():
    """The blocked link domains, with a form to add one."""
    return _domains_page()


@bp.post("/domains")
@admins_only
def add_domain():
    """Block a link domain (and its subdomains)."""
    form = forms.DomainForm()
    if form.validate_on_submit():
        try:
            row = lists.add_bad_domain(form.domain.data, actor=me(), note=form.note.data or "")
        except REFUSALS as exc:
            _refused(form, exc)
            return _domains_page(form, exc.status)
        flash(f"Links to {row.domain} are now blocked.", "success")
        return redirect(url_for(".domains"), 303)
    return _domains_page(form, 400)


@bp.post("/domains/<id:domain_id>/remove")
@admins_only
def remove_domain(domain_id: int):
    """Unblock a domain."""
    row = db.get_or_404(BadDomain, domain_id, description="That domain is not on the list.")
    domain = row.domain
    lists.remove_bad_domain(row, actor=me())
    flash(f"Links to {domain} are no longer blocked.", "success")
    return redirect(url_for(".domains"), 303)


# -- public: rules and transparency ------------------------------------------------------------
@public.get("/rules")
def rules():
    """The community rules in force and every change to them."""
    return render_template("moderation/rules.html", rules=current_rules(),
                           versions=queries.rule_versions())


@public.get("/rules/versions")
def rule_versions():
    """Every version of the rules, newest first, each readable with its changes."""
    return render_template("moderation/rule_versions.html", rules=current_rules(),
                           versions=queries.rule_versions())


@public.get("/rules/versions/<id:version>")
def rule_version(version: int):
    """One version of the rules as it was published, and what changed from the one before."""
    found = queries.rule_version(version)
    if found is None:
        abort(404, "There is no such version of the rules.")
    return render_template("moderation/rule_version.html", view=found, version=version,
                           latest=current_rules().version)


@public.route("/rules/edit", methods=["GET", "POST"])
@admins_only
def edit_rules():
    """Edit the rules' public text (codes stay fixed); each save is a new logged version."""
    current = current_rules()
    form = forms.rules_form(current)
    if form.validate_on_submit():
        try:
            row = moderation.update_rules(forms.rules_from_form(form, current), actor=me(),
                                          note=form.note.data)
        except moderation.Unchanged as exc:
            db.session.rollback()
            flash(exc.message, "info")
            return redirect(url_for(".rules"), 303)
        except REFUSALS as exc:
            _refused(form, exc)
        else:
            flash(f"Version {row.version} of the rules is published.", "success")
            return redirect(url_for(".rules"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("moderation/rules_edit.html", form=form, rules=current,
                           fields=forms.RULE_TEXT_FIELDS), status


@public.get("/transparency")
def transparency():
    """Monthly counts of moderation actions per rule, for anyone to see."""
    return render_template("moderation/transparency.html", report=queries.transparency(),
                           rules=current_rules())


# -- public: private follow-ups ----------------------------------------------------------------
@public.get("/private")
@login_required
def private_list():
    """My private conversations with staff (staff: every open one)."""
    g.no_store = True
    return render_template("moderation/private_list.html",
                           conversations=queries.conversations_for(me()))


@public.route("/private/<id:conversation_id>", methods=["GET", "POST"])
@login_required
def private(conversation_id: int):
    """One private conversation: only its customer and staff may read or reply."""
    g.no_store = True
    conversation = db.get_or_404(PrivateConversation, conversation_id,
                                 description="There is no such conversation.")
    if not (me().id == conversation.customer_id or permissions.is_staff(me())):
        abort(403, "This conversation is private.")
    form = forms.PrivateReplyForm()
    if form.validate_on_submit():
        try:
            moderation.post_private_message(conversation, actor=me(), body=form.body.data)
        except REFUSALS as exc:
            _refused(form, exc)
        else:
            flash("Your message was sent.", "success")
            return redirect(url_for(".private", conversation_id=conversation_id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "moderation/private.html", conversation=conversation, form=form,
        messages=queries.conversation_messages(conversation),
    ), status

