"""The thread tools' forms (Flask-WTF, CSRF on each); the services stay the authority on
what is accepted, these only catch the obvious early."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from support.tools import services


class NoteForm(FlaskForm):
    """An internal note: Markdown, for staff only. Its fields are prefixed (note-body), so
    it never clashes with the reply box on the same page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "note")
        super().__init__(*args, **kwargs)

    body = TextAreaField("Internal note", validators=[
        DataRequired(message="Write something in the note."),
        Length(max=services.NOTE_MAX)],
        description="Only staff, moderators and admins see notes. Markdown is supported.")


class SavedReplyForm(FlaskForm):
    """A saved reply's title and Markdown body with placeholders."""

    title = StringField("Title", validators=[
        DataRequired(message="Give the saved reply a title."),
        Length(max=services.TITLE_MAX)])
    body = TextAreaField("Text", validators=[
        DataRequired(message="Write the text of the saved reply."),
        Length(max=services.REPLY_MAX)],
        description="Markdown, with the placeholders listed on this page.")


class LockForm(FlaskForm):
    """Lock a thread under one of the published rules, saying why."""

    rule = SelectField("Rule", validators=[DataRequired(message="Choose the rule.")])
    reason = StringField("Reason (shown publicly)", validators=[
        DataRequired(message="Say why the thread is locked."),
        Length(max=services.REASON_MAX)])

    def set_rules(self, rules) -> None:
        """The rules a thread may be locked under, code and title."""
        self.rule.choices = [("", "Choose the rule…")] + [
            (rule.code, f"{rule.code} · {rule.title}") for rule in rules]


class TagForm(FlaskForm):
    """A tag's name (its slug is made from it)."""

    name = StringField("Tag name", validators=[
        DataRequired(message="Give the tag a name."), Length(max=services.TAG_MAX)])


class ThreadTagForm(FlaskForm):
    """Pick a tag to put on a thread."""

    tag = SelectField("Add a tag", validators=[DataRequired(message="Choose a tag.")])


class ConfirmForm(FlaskForm):
    """A button that only needs its CSRF token (delete, reopen, remove a tag)."""
