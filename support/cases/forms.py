"""Forms of private cases (CSRF on every one; the services check the content)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class CaseForm(FlaskForm):
    """A customer writes to support privately."""

    subject = StringField("Subject", validators=[
        DataRequired(message="Please give your message a subject."), Length(max=200)])
    body = TextAreaField("Your message", description="Markdown works. Only you and our "
                         "support team will read this.", validators=[
                             DataRequired(message="Please write a message.")])
    thread_id = HiddenField()


class CaseReplyForm(FlaskForm):
    """A message in a case."""

    body = TextAreaField("Your message", validators=[
        DataRequired(message="Please write a message.")])


class SummaryForm(FlaskForm):
    """Staff's public summary of a resolved case."""

    body = TextAreaField("Public summary", description="Shown on the public thread, signed "
                         "with your name and role. Leave out anything private.", validators=[
                             DataRequired(message="Please write the summary.")])


class ActionForm(FlaskForm):
    """A button that changes something (move, close, reopen): CSRF only."""
