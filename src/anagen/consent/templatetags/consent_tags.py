"""Template filters for consent pages."""

import datetime as dt

from django import template

register = template.Library()


@register.filter
def iso_date(value: object) -> dt.date | object:
    """A YYYY-MM-DD string from a stored document as a date, for the ``date`` filter; anything
    else unchanged."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value
