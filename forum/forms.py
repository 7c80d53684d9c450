"""Flask-WTF forms for every HTML page, and the glue that puts a service's refusal beside
the field it concerns so a person never loses what they typed."""
from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from forum.models import Role
from forum.services import PASSWORD_MIN, TITLE_MIN

# Cheap checks repeated here so a form shows every mistake at once; the services stay the
# authority (same rules, same words) and report what only they can know (names taken ...).
PASSWORD_RULE = Length(min=PASSWORD_MIN,
                       message=f"Passwords need at least {PASSWORD_MIN} characters.")
EMAIL_RULE = Email(message="That email address is not valid.")
TITLE_RULE = Length(
    min=TITLE_MIN,
    message=f"Please make the title a full question of at least {TITLE_MIN} characters.",
)


def new_client_token() -> str:
    """A fresh idempotency token, made when a posting form is rendered."""
    return uuid.uuid4().hex


def optional_int(value) -> int | None:
    """Coerce a select's value to an id; the empty placeholder means 'not chosen'."""
    if value is None or value == "":
        return None
    return int(value)


def attach_error(form: FlaskForm, exc, aliases: dict[str, str] | None = None) -> None:
    """Show a ServiceError beside its field, or above the form when no field matches."""
    name = (aliases or {}).get(exc.field, exc.field)
    field = form._fields.get(name) if name else None
    if field is None:
        form.form_errors.append(exc.message)
    else:
        field.errors = [*field.errors, exc.message]


# -- accounts ------------------------------------------------------------------------------------
class RegisterForm(FlaskForm):
    """A new account: the service checks names, emails and password strength."""

    username = StringField("Username", validators=[DataRequired(), Length(max=32)],
                           description="3 to 32 letters, digits, '_', '.' or '-'.")
    email = EmailField("Email", validators=[DataRequired(), Length(max=254), EMAIL_RULE],
                       description="Only used for password resets; never shown to others.")
    display_name = StringField("Display name", validators=[Optional(), Length(max=64)],
                               description="The name people see. Optional.")
    password = PasswordField("Password", validators=[DataRequired(), PASSWORD_RULE],
                             description="At least 10 characters; a short sentence works well.")


class LoginForm(FlaskForm):
    """Sign in with a username or an email address."""

    login = StringField("Username or email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in")


class ForgotPasswordForm(FlaskForm):
    """Ask for a reset link."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = PasswordField("New password", validators=[DataRequired(), PASSWORD_RULE],
                             description="At least 10 characters.")


class ProfileForm(FlaskForm):
    """What other people see, and where reset links go."""

    display_name = StringField("Display name", validators=[Optional(), Length(max=64)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254), EMAIL_RULE])
    bio = TextAreaField("About you", validators=[Optional(), Length(max=2000)],
                        description="A sentence or two; shown on your profile.")


class PasswordForm(FlaskForm):
    """Change a password, proving the current one."""

    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired(), PASSWORD_RULE],
                                 description="At least 10 characters.")

    ERROR_ALIASES = {"password": "new_password"}


class TokenForm(FlaskForm):
    """Name a new API token."""

    name = StringField("Token name", validators=[Optional(), Length(max=64)],
                       description="Something to recognise it by, e.g. “CRM integration”.")


class MailPreferencesForm(FlaskForm):
    """Which kinds of e-mail a person gets: one checkbox a kind, ticked = sent."""

    wanted = SelectMultipleField("Send me an e-mail when", widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(), validate_choice=True)

    def set_kinds(self, labels: dict) -> None:
        """Offer the kinds this person can get, labelled for people."""
        self.wanted.choices = [SelectChoice(str(kind), label) for kind, label in labels.items()]


# -- posting -------------------------------------------------------------------------------------
class AskForm(FlaskForm):
    """A new question; client_token makes a double-clicked submit harmless."""

    title = StringField("Title", validators=[DataRequired(), TITLE_RULE, Length(max=200)],
                        description="Be specific: “How do I pair the remote with my TV?”")
    category = SelectField("Category", coerce=optional_int, validate_choice=False,
                           validators=[InputRequired(message="Please choose a category.")])
    body = TextAreaField("Details", validators=[DataRequired()],
                         description="Markdown works: **bold**, `code`, lists, > quotes, links.")
    client_token = HiddenField()

    def set_categories(self, categories) -> None:
        """Offer the categories in display order."""
        self.category.choices = [SelectChoice("", "Choose a category…")] + [
            SelectChoice(c.id, c.name) for c in categories
        ]


class ReplyForm(FlaskForm):
    """A reply to a thread."""

    body = TextAreaField("Your answer", validators=[DataRequired()])
    client_token = HiddenField()


class EditForm(FlaskForm):
    """Edit a post; the title only matters when the post is the question."""

    title = StringField("Title", validators=[Optional(), TITLE_RULE, Length(max=200)])
    body = TextAreaField("Body", validators=[DataRequired()])


# -- admin ---------------------------------------------------------------------------------------
class CategoryForm(FlaskForm):
    """Create or change a category."""

    name = StringField("Name", validators=[DataRequired(), Length(max=64)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)],
                                description="One line shown under the name on the home page.")


class RoleForm(FlaskForm):
    """Pick someone's role."""

    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role])


class SynonymForm(FlaskForm):
    """A group of words search treats as one."""

    terms = StringField(
        "Words that mean the same", validators=[DataRequired(), Length(max=600)],
        description="Separated by commas, e.g. “router, hub, gateway”. Each one word; "
                    "Wi-Fi / wifi, log in / login and British spellings are folded already.")
