"""The admin page's webhook form (the services check the URL and the events)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from support.webhooks.models import SUBSCRIBABLE


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (one per choice) instead of a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _some_chosen(form, field) -> None:
    """At least one box ticked (without marking each checkbox `required` in the HTML)."""
    if not field.data:
        raise StopValidation("Choose at least one event.")


class WebhookForm(FlaskForm):
    """Where deliveries go, what they are about, and whether they are sent."""

    url = StringField("Payload URL", validators=[
        DataRequired(message="Please give the URL that receives the events."),
        Length(max=2000, message="URLs are at most 2000 characters.")],
        description="An https:// address on your systems; each event is POSTed there as JSON.")
    description = StringField("Description", validators=[Optional(), Length(max=200)],
                              description="What listens there (for your colleagues).")
    events = CheckboxesField(
        "Events", choices=[SelectChoice(e.value, f"{e.value}: {e.label}") for e in SUBSCRIBABLE],
        validators=[_some_chosen])
    active = BooleanField("Active: send deliveries", default=True)
