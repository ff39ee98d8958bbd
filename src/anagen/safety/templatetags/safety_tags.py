"""Labels of the knowledge-base ids stored on adverse events."""

from django import template

from anagen.core import adverse_events

register = template.Library()


@register.filter
def event_type(type_id: str) -> str:
    return adverse_events.load().type_label(type_id)


@register.filter
def severity(severity_id: str) -> str:
    return adverse_events.load().severity_label(severity_id)


@register.filter
def event_label(event: object) -> str:
    """The type's label, or what "other" was."""
    type_id = str(getattr(event, "type", ""))
    other = str(getattr(event, "type_other", ""))
    if type_id == adverse_events.OTHER and other:
        return f"Other: {other}"
    return adverse_events.load().type_label(type_id)
