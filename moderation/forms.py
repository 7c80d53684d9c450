"""Flask-WTF forms for the moderation pages. Cheap checks live here so a form shows every
mistake at once; the services stay the authority and their refusals are attached beside the
field they concern (forum.forms.attach_error), so nothing typed is lost."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from forum.queries import as_id
from moderation.models import FlagReason, SanctionKind

FLAG_LABELS = {
    FlagReason.SPAM: "Spam or advertising",
    FlagReason.ABUSE: "Abusive or disrespectful",
    FlagReason.PRIVATE_DATA: "Shares private data",
    FlagReason.OFF_TOPIC: "Off-topic",
    FlagReason.OTHER: "Something else",
}
RULE_TEXT_FIELDS = ("title", "summary", "explanation", "example", "advice")


def rule_choices(rules, *, blank: str = "Choose the rule…") -> list[SelectChoice]:
    """Rule codes with titles for a select, with an empty first choice."""
    return [SelectChoice("", blank)] + [SelectChoice(r.code, f"{r.code} · {r.title}")
                                        for r in rules.rules]


class FlagForm(FlaskForm):
    """A member's report on a post."""

    reason = RadioField("What is wrong?",
                        choices=[SelectChoice(r.value, FLAG_LABELS[r]) for r in FlagReason],
                        validators=[InputRequired(message="Please choose a reason.")])
    text = TextAreaField("Details", validators=[Optional(), Length(max=1000)],
                         description="Required for “Something else”; optional otherwise.")


class NoteForm(FlaskForm):
    """Approve (or claim) with an optional note for the log."""

    note = StringField("Note", validators=[Optional(), Length(max=1000)])


class RejectForm(FlaskForm):
    """Reject or hide a post, citing a rule, with a message to the author."""

    rule = SelectField("Rule", validators=[InputRequired(message="Please choose a rule.")])
    message = TextAreaField("Message to the author",
                            validators=[DataRequired(message="Tell the author what to change."),
                                        Length(max=2000)])
    mode = HiddenField(default="reject")


class EditApproveForm(FlaskForm):
    """Fix a post's text and publish it in one step."""

    body = TextAreaField("Text to publish", validators=[DataRequired()])
    note = StringField("Note for the log", validators=[Optional(), Length(max=1000)])


class BulkForm(FlaskForm):
    """Approve, reject or hide several selected items at once."""

    items = SelectMultipleField("Items", coerce=as_id, validate_choice=False,
                                validators=[DataRequired(message="Select at least one item.")])
    action = SelectField("Action", choices=[SelectChoice("approve", "Approve"),
                                            SelectChoice("reject", "Reject"),
                                            SelectChoice("hide", "Hide")])
    rule = SelectField("Rule", validators=[Optional()])
    message = TextAreaField("Message to the authors", validators=[Optional(), Length(max=2000)])


class SanctionForm(FlaskForm):
    """Warn, mute, suspend or ban a member, citing a rule."""

    kind = SelectField("Sanction", choices=[
        SelectChoice(k.value, k.value.capitalize()) for k in SanctionKind])
    rule = SelectField("Rule", validators=[InputRequired(message="Please choose a rule.")])
    reason = TextAreaField("Reason (shown to the member)",
                           validators=[DataRequired(message="Give the member a reason."),
                                       Length(max=2000)])
    days = IntegerField("Days", validators=[Optional(), NumberRange(min=1, max=3650)],
                        description="For mutes and suspensions.")


class ReasonForm(FlaskForm):
    """A reason for the log (nuke, lift, remove)."""

    reason = StringField("Reason", validators=[Optional(), Length(max=1000)])


class AppealForm(FlaskForm):
    """An author's one appeal."""

    target = HiddenField()
    text = TextAreaField("Why should the decision change?",
                         validators=[DataRequired(message="Say why the decision should change."),
                                     Length(max=4000)])


class DecideAppealForm(FlaskForm):
    """Uphold or overturn an appeal, with a note to the member."""

    outcome = RadioField("Outcome", choices=[
        SelectChoice("uphold", "Uphold: the decision stands"),
        SelectChoice("overturn", "Overturn: reverse the decision")],
                         validators=[InputRequired(message="Choose uphold or overturn.")])
    note = TextAreaField("Note to the member",
                         validators=[DataRequired(message="Explain the outcome to the member."),
                                     Length(max=2000)])


class PrivateReplyForm(FlaskForm):
    """A message in a private follow-up."""

    body = TextAreaField("Your message", validators=[
        DataRequired(message="Please write a message."), Length(max=20000)])


class DomainForm(FlaskForm):
    """Block a link domain."""

    domain = StringField("Domain", validators=[DataRequired(), Length(max=300)],
                         description="e.g. cheap-watches.example; subdomains are blocked too.")
    note = StringField("Why", validators=[Optional(), Length(max=1000)])


class RulesForm(FlaskForm):
    """The public text of every rule, plus a note saying what changed; codes are fixed."""

    note = StringField("What changed and why", validators=[DataRequired(
        message="Say what changed and why."), Length(max=1000)])


def rules_form(rules) -> RulesForm:
    """A RulesForm with one set of text fields per current rule, prefilled (codes are keys
    and cannot be edited, so they stay stable across versions)."""

    class Form(RulesForm):
        pass

    for rule in rules.rules:
        for name in RULE_TEXT_FIELDS:
            validators = [Length(max=4000)]
            validators.insert(0, DataRequired(message="Every rule needs a title.")
                              if name == "title" else Optional())
            field = (StringField if name == "title" else TextAreaField)(
                name.capitalize(), validators=validators, default=getattr(rule, name))
            setattr(Form, f"{rule.code}__{name}", field)
    return Form()


def rules_from_form(form: RulesForm, rules) -> dict:
    """The rule set as a dict with the edited texts applied by code."""
    raw = rules.to_dict()
    for entry in raw["rules"]:
        for name in RULE_TEXT_FIELDS:
            value = form[f"{entry['code']}__{name}"].data
            entry[name] = (value or "").strip()
    return raw
