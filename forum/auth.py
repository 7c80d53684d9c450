"""Accounts: register, sign in and out, password reset, settings and API tokens."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from forum import forms, mail_queue, permissions, queries, restrictions, services
from forum.extensions import csrf, db, limiter
from forum.models import ApiToken
from forum.web import FORM_ERRORS, me, safe_next, service_error_page

bp = Blueprint("auth", __name__)
bp.register_error_handler(services.ServiceError, service_error_page)


def _account_key() -> str:
    """The login limit per account: one key per account, whether its username or its e-mail
    was typed; what matches no account is keyed on the text itself, lower-cased."""
    typed = (request.form.get("login") or "").strip().lower()
    user_id = services.account_id_for_login(typed) if typed else None
    return f"account:{user_id}" if user_id is not None else f"account-text:{typed}"


per_ip = limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"], key_func=get_remote_address,
    methods=["POST"],
)
register_per_ip = limiter.limit(
    lambda: current_app.config["REGISTER_LIMIT_PER_IP"], key_func=get_remote_address,
    methods=["POST"], scope="register",
    # accounts made count, not tries: a person corrected by the form (a taken or lookalike
    # name, a weak password) is not locked out; per_ip still bounds a flood of attempts
    deduct_when=lambda response: response.status_code < 400,
)
per_account = limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key,
    methods=["POST"],
)


def _status(form) -> int:
    """A rejected submission answers 400; a fresh form 200."""
    return 400 if form.is_submitted() else 200


# -- signing in and out ----------------------------------------------------------------------------
@bp.route("/register", methods=["GET", "POST"])
@per_ip
@register_per_ip
def register():
    """Create an account and sign straight in."""
    if current_user.is_authenticated:
        return redirect(url_for("forum.index"))
    form = forms.RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(
                form.username.data, form.email.data, form.password.data,
                display_name=form.display_name.data or "",
            )
        except FORM_ERRORS as exc:
            forms.attach_error(form, exc)
        else:
            login_user(user)
            flash(f"Welcome to the community, {user.name}!", "success")
            return redirect(safe_next(url_for("forum.index")), 303)
    return render_template("auth/register.html", form=form), _status(form)


@bp.route("/login", methods=["GET", "POST"])
@per_ip
@per_account
def login():
    """Sign in with a username or email; rate-limited per address and per account."""
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("forum.index")))
    form = forms.LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        found = permissions.restriction(user)
        if found is not None and found.signs_out:
            return render_template("auth/login.html", form=form, restriction=found), 403
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash(f"Welcome back, {user.name.rstrip('.')}.", "success")
            return redirect(safe_next(url_for("forum.index")), 303)
        form.form_errors.append("That username or email and password do not match an account.")
    return render_template("auth/login.html", form=form), _status(form)


def enforce_sanctions():
    """Before every request: a member suspended or banned since they signed in is signed out
    at once and shown the sanction and how to appeal (the API answers in JSON)."""
    restrictions.forget()  # a fresh answer for every request
    if request.endpoint == "static":
        return None
    if current_user.is_authenticated:
        found = permissions.restriction(me())
    elif g.get("ended_session_user") is not None:  # the ban itself ended this session
        found = permissions.restriction(g.ended_session_user)
    else:
        return None
    if found is None or not found.signs_out:
        return None
    logout_user()
    if request.path.startswith("/api/"):
        return jsonify({"error": {"code": found.error_code, "message": found.summary()}}), 403
    flash(f"You have been signed out: your account is {found.adjective} ({found.until}).",
          "error")
    return redirect(found.appeal_url or url_for("auth.login"), 303)


@bp.post("/logout")
def logout():
    """Sign out (a POST, so no other site can sign you out with a link). Every session and
    remember-me cookie of the account ends too, so a copied cookie stops working."""
    user = me() if current_user.is_authenticated else None
    logout_user()
    if user is not None:
        services.sign_out_everywhere(user)
    flash("You are signed out. See you soon!", "success")
    return redirect(url_for("forum.index"), 303)


def _stay_signed_in(user) -> None:
    """After a change that ended every session, sign this browser in afresh (new cookies
    with the new session version), keeping "remember me" if it was on."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=remembered in request.cookies)


# -- password reset --------------------------------------------------------------------------------
def _reset_url(token: str) -> str:
    """Links in mail use the configured BASE_URL, never the request's Host header."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for("auth.reset", token=token)


@bp.route("/forgot", methods=["GET", "POST"])
@per_ip
def forgot():
    """Ask for a reset link; the answer never says whether the account exists."""
    g.no_store = True
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, reset_url=_reset_url)
        return render_template("auth/forgot_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form), _status(form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a new password from a signed, expiring, single-use link."""
    g.no_store = True
    try:
        user = services.user_for_reset_token(token)
    except services.ValidationError as exc:
        return render_template("auth/reset_invalid.html", message=exc.message), 400
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except FORM_ERRORS as exc:
            forms.attach_error(form, exc)
        else:
            flash("Your password is changed. Please sign in with it.", "success")
            return redirect(url_for("auth.login"), 303)
    return render_template("auth/reset.html", form=form, user=user), _status(form)


# -- settings --------------------------------------------------------------------------------------
def _mail_form(user, formdata=None) -> forms.MailPreferencesForm:
    """The e-mail checkboxes: the kinds this person can get, ticked unless turned off."""
    form = forms.MailPreferencesForm(formdata=formdata)
    form.set_kinds({kind: mail_queue.LABELS[kind] for kind in mail_queue.kinds_for(user)})
    if formdata is None:
        off = mail_queue.opted_out(user.id)
        form.wanted.data = [str(k) for k in mail_queue.kinds_for(user) if k not in off]
    return form


def _settings(*, profile=None, password=None, token=None, new_token=None, mail=None,
              status=200):
    g.no_store = True  # the settings page lists tokens and may show a new one
    user = me()
    return render_template(
        "auth/settings.html",
        profile_form=profile or forms.ProfileForm(formdata=None, obj=user),
        password_form=password or forms.PasswordForm(formdata=None),
        token_form=token or forms.TokenForm(formdata=None),
        mail_form=mail or _mail_form(user),
        tokens=queries.api_tokens(user),
        new_token=new_token, restriction=permissions.restriction(user),
    ), status


@bp.get("/settings")
@login_required
def settings():
    """Profile, password and API tokens on one page."""
    return _settings()


@bp.post("/settings/profile")
@login_required
def settings_profile():
    """Save display name, bio and email."""
    form = forms.ProfileForm()
    status = 400
    if form.validate_on_submit():
        try:
            services.update_profile(
                me(), actor=me(), display_name=form.display_name.data or "",
                bio=form.bio.data or "", email=form.email.data,
            )
        except (*FORM_ERRORS, services.AccountRestricted) as exc:
            db.session.rollback()
            forms.attach_error(form, exc)
            status = exc.status
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for("auth.settings"), 303)
    return _settings(profile=form, status=status)


@bp.post("/settings/password")
@login_required
def settings_password():
    """Change the password, proving the current one."""
    form = forms.PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                me(), current=form.current_password.data, new=form.new_password.data
            )
        except FORM_ERRORS as exc:
            forms.attach_error(form, exc, form.ERROR_ALIASES)
        else:
            _stay_signed_in(me())
            flash("Your password is changed. Every other device is signed out.", "success")
            return redirect(url_for("auth.settings"), 303)
    return _settings(password=form, status=400)


@bp.post("/settings/mail")
@login_required
def settings_mail():
    """Choose which kinds of e-mail to get."""
    user = me()
    form = _mail_form(user, formdata=request.form)
    if not form.validate_on_submit():
        return _settings(mail=form, status=400)
    wanted = set(form.wanted.data or [])
    services.set_mail_opt_outs(user, actor=user, off={
        kind for kind in mail_queue.kinds_for(user) if str(kind) not in wanted})
    flash("Your e-mail settings are saved.", "success")
    return redirect(url_for("auth.settings", _anchor="mail"), 303)


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; mail clients POST without a form (RFC 8058)
def unsubscribe(token: str):
    """One-click unsubscribe from one kind of mail, signed in or not: a GET asks first (link
    checkers open links), a POST (the page's button, or the mail client's) does it."""
    g.no_store = True
    try:
        user, kind = services.user_for_unsubscribe(token)
        if request.method == "POST":
            services.unsubscribe(token)
    except services.ValidationError as exc:
        return render_template("auth/unsubscribe.html", error=exc.message), 400
    return render_template("auth/unsubscribe.html", user=user, label=mail_queue.LABELS[kind],
                           done=request.method == "POST", token=token)


@bp.post("/settings/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every session and remember-me cookie of the account, this browser's included (a
    lost or shared device may hold a copy of this very cookie). API tokens keep working."""
    user = me()
    logout_user()
    services.sign_out_everywhere(user)
    flash("You are signed out on every device, this one too. Sign in again to continue.",
          "success")
    return redirect(url_for("auth.login"), 303)


@bp.post("/settings/tokens")
@login_required
def create_token():
    """Issue an API token and show it this once."""
    form = forms.TokenForm()
    if not form.validate_on_submit():
        return _settings(token=form, status=400)
    try:
        _token, raw = services.create_api_token(me(), actor=me(), name=form.name.data or "")
    except services.AccountRestricted as exc:
        db.session.rollback()
        forms.attach_error(form, exc)
        return _settings(token=form, status=exc.status)
    g.no_store = True  # the raw token must not sit in any cache
    flash("Token created. Copy it now: it will not be shown again.", "success")
    return _settings(new_token=raw)


@bp.post("/settings/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """Stop a token from working."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404, "That token does not exist.")
    services.revoke_api_token(token, actor=me())
    flash(f"Token “{token.name}” is revoked.", "success")
    return redirect(url_for("auth.settings"), 303)
