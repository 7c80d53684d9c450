"""Triage forms: a category's targets, and assigning a thread (CSRF on both)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from support.triage.targets import MAX_MINUTES

RANGE = NumberRange(min=1, max=MAX_MINUTES,
                    message=f"Give whole minutes from 1 to {MAX_MINUTES}, or leave it empty "
                            "for the default.")


class TargetForm(FlaskForm):
    """A category's own targets in business minutes; empty means the default."""

    first_response = IntegerField("First staff response (minutes)", validators=[Optional(),
                                                                               RANGE])
    resolution = IntegerField("Resolution (minutes)", validators=[Optional(), RANGE])


class AssignForm(FlaskForm):
    """Who a thread goes to; the empty choice unassigns it."""

    assignee = SelectField("Assign to", choices=[], validate_choice=True)

    def set_people(self, people) -> AssignForm:
        """Offer the support team, plus 'nobody'."""
        self.assignee.choices = [("", "Nobody (unassign)")] + [
            (str(p.id), f"{p.name} (@{p.username})") for p in people]
        return self
