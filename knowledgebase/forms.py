"""Flask-WTF forms of the help centre and its staff pages; the services stay the authority
on every rule (the same limits are repeated here so one submit shows every mistake)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from forum.forms import optional_int
from knowledgebase.services import (
    BODY_MAX,
    COMMENT_MAX,
    INTERVAL_MAX,
    INTERVAL_MIN,
    SUMMARY_MAX,
    TITLE_MAX,
    TITLE_MIN,
)


class ArticleForm(FlaskForm):
    """Write or edit an article."""

    title = StringField("Title", validators=[DataRequired(), Length(
        min=TITLE_MIN, max=TITLE_MAX,
        message=f"Titles are {TITLE_MIN} to {TITLE_MAX} characters: say what the article "
                "answers.")],
                        description="The question the article answers, as customers ask it.")
    slug = StringField("URL slug", validators=[Optional(), Length(max=80)],
                       description="Leave empty to follow the title. Old addresses keep "
                                   "redirecting here once the article has been published.")
    summary = TextAreaField("Summary", validators=[Optional(), Length(max=SUMMARY_MAX)],
                            description="One or two sentences shown in lists and search.")
    category = SelectField("Category", coerce=optional_int, validate_choice=False)
    tags = StringField("Tags", validators=[Optional(), Length(max=300)],
                       description="Comma-separated, e.g. “billing, wifi”.")
    review_interval_days = IntegerField(
        "Review every (days)", default=180,
        validators=[NumberRange(min=INTERVAL_MIN, max=INTERVAL_MAX)],
        description="The article is listed for review when this much time has passed.")
    body = TextAreaField("Article", validators=[DataRequired(), Length(max=BODY_MAX)],
                         description="Markdown: ## headings, lists, **bold**, `code`, links.")
    note = StringField("What changed", validators=[Optional(), Length(max=200)],
                       description="A short note for the history (optional).")

    def set_categories(self, categories) -> None:
        """Offer the forum's categories; an article may also have none."""
        self.category.choices = [SelectChoice("", "No category")] + [
            SelectChoice(c.id, c.name) for c in categories
        ]


class FeedbackForm(FlaskForm):
    """'Was this helpful?' with an optional comment."""

    comment = TextAreaField("Tell us more (optional)",
                            validators=[Optional(), Length(max=COMMENT_MAX)])


class DuplicateForm(FlaskForm):
    """Close a thread as a duplicate of a thread or article."""

    target = StringField("Duplicate of", validators=[DataRequired(), Length(max=500)],
                         description="Paste a thread or help-article address, or a thread "
                                     "number.")


class LinkThreadForm(FlaskForm):
    """Tie a community thread to an article."""

    thread = StringField("Thread", validators=[DataRequired(), Length(max=500)],
                         description="A thread address or number.")
