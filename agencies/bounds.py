"""Input bounds shared by every form, filter, API and command: the dates the product accepts.

A date in year 1 is a valid Python date and a valid PostgreSQL date, yet it breaks the pages that
read it back (timezone conversion overflows) and means nothing here: the portal measures service
from 2000 to 2100. Every date or date-time a person or a program gives passes `check_date`.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)
DATE_RANGE_MESSAGE = _("Give a date between 2000 and 2100.")


def in_range(value: date | datetime | None) -> bool:
    if value is None:
        return True
    day = value.date() if isinstance(value, datetime) else value
    return DATE_MIN <= day <= DATE_MAX


def check_date(value: date | datetime | None) -> None:
    """A Django validator: refuses dates outside 2000–2100 with a message in the user's language."""
    if not in_range(value):
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_range")


def length_checks(prefix: str, **limits: int) -> list:
    """Check constraints holding text fields to their maximum length in the database itself.

    PostgreSQL's varchar bounds a CharField already, SQLite bounds nothing and neither bounds a
    TextField: one `CHECK (LENGTH(field) <= n)` per field makes both engines refuse an over-long
    value whatever the path (form, API, admin, shell, bulk insert). `n` is the field's max_length,
    which its forms take too, so a person gets a form error long before the database answers.
    """
    from django.db import models
    from django.db.models.functions import Length
    from django.db.models.lookups import LessThanOrEqual

    return [
        models.CheckConstraint(condition=models.Q(LessThanOrEqual(Length(name), n)), name=f"{prefix}_{name}_len")
        for name, n in limits.items()
    ]
