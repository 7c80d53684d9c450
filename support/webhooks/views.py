"""Admin pages for webhooks (/admin/webhooks): endpoints, their secrets (shown once), the
delivery log with redeliver, and a test event."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from forum import services as forum_services
from forum.extensions import db, login_manager
from forum.forms import attach_error as forms_attach_error
from forum.web import FORM_ERRORS, me, page_arg, service_error_page
from support import permissions
from support.webhooks import queries, services
from support.webhooks.forms import WebhookForm
from support.webhooks.models import DeliveryStatus, WebhookDelivery

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")
bp.register_error_handler(forum_services.ServiceError, service_error_page)


@bp.before_request
def require_admin():
    """Strangers sign in; signed-in people who are not admins get a 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not permissions.can_manage_webhooks(me()):
        abort(403, "Webhooks are managed by community admins.")
    return None


def _index(form=None, status: int = 200):
    return render_template("support/webhooks/index.html",
                           webhooks_with_counts=queries.list_webhooks(),
                           form=form or WebhookForm(formdata=None)), status


def _fields(form: WebhookForm) -> dict:
    return {"url": form.url.data or "", "events": form.events.data or [],
            "description": form.description.data or "", "active": bool(form.active.data)}


@bp.get("")
def index():
    """Every endpoint, and a form to add one."""
    return _index()


@bp.post("")
def create():
    """Add an endpoint; its secret is shown on the answer to this request and never again."""
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            hook = services.create_webhook(actor=me(), **_fields(form))
        except FORM_ERRORS as exc:
            db.session.rollback()
            forms_attach_error(form, exc)
        else:
            return render_template("support/webhooks/secret.html", webhook=hook,
                                   secret=hook.secret, created=True), 201
    return _index(form, 400)


@bp.route("/<id:webhook_id>", methods=["GET", "POST"])
def detail(webhook_id: int):
    """Edit an endpoint and read its delivery log."""
    hook = services.webhook_or_404(webhook_id)
    form = WebhookForm(obj=hook)
    if form.validate_on_submit():
        try:
            services.update_webhook(hook, actor=me(), **_fields(form))
        except FORM_ERRORS as exc:
            db.session.rollback()
            forms_attach_error(form, exc)
        else:
            flash("Webhook saved.", "success")
            return redirect(url_for("webhooks.detail", webhook_id=hook.id), 303)
    status = 400 if form.is_submitted() else 200
    log = queries.deliveries(hook.id, page=page_arg())
    return render_template("support/webhooks/detail.html", webhook=hook, form=form, log=log,
                           statuses=DeliveryStatus), status


@bp.post("/<id:webhook_id>/test")
def send_test(webhook_id: int):
    """Send a ping now and say how it went."""
    row = services.send_test(services.webhook_or_404(webhook_id), actor=me())
    _flash_outcome(row)
    return redirect(url_for("webhooks.detail", webhook_id=webhook_id), 303)


@bp.post("/<id:webhook_id>/secret")
def rotate_secret(webhook_id: int):
    """A new secret, shown once; the old one stops working at once."""
    hook = services.webhook_or_404(webhook_id)
    secret = services.rotate_secret(hook, actor=me())
    return render_template("support/webhooks/secret.html", webhook=hook, secret=secret,
                           created=False)


@bp.post("/<id:webhook_id>/delete")
def delete(webhook_id: int):
    """Remove an endpoint and its log."""
    services.delete_webhook(services.webhook_or_404(webhook_id), actor=me())
    flash("Webhook deleted.", "success")
    return redirect(url_for("webhooks.index"), 303)


@bp.get("/deliveries/<id:delivery_id>")
def delivery(delivery_id: int):
    """One delivery: the body sent and the start of the answer."""
    row = services.delivery_or_404(delivery_id)
    return render_template("support/webhooks/delivery.html", row=row, webhook=row.webhook)


@bp.post("/deliveries/<id:delivery_id>/redeliver")
def redeliver(delivery_id: int):
    """Send a delivery's body again, now."""
    row = services.redeliver(services.delivery_or_404(delivery_id), actor=me())
    _flash_outcome(row)
    return redirect(url_for("webhooks.detail", webhook_id=row.webhook_id), 303)


def _flash_outcome(row: WebhookDelivery) -> None:
    db.session.refresh(row)
    if row.status is DeliveryStatus.DELIVERED:
        flash(f"Delivered: the receiver answered {row.response_status}.", "success")
        return
    why = f"the receiver answered {row.response_status}" if row.response_status else row.error
    later = (f" Next try at {row.next_attempt_at:%Y-%m-%d %H:%M} UTC."
             if row.next_attempt_at else "")
    flash(f"Not delivered: {why}.{later}", "error")
