import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def age(born: datetime.date | None) -> str:
    """Age in whole years today, as clinicians write it ("43 y")."""
    if born is None:
        return ""
    today = timezone.localdate()
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return f"{years} y"
