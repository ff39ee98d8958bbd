from collections.abc import Mapping
from typing import Any

from django import forms, template

register = template.Library()


@register.filter
def percent(value: float | None, places: int = 0) -> str:
    """A fraction (0-1) as a percentage, or a dash when there is none."""
    if value is None:
        return "—"
    return f"{value * 100:.{places}f} %"


@register.filter
def signed(value: int | None) -> str:
    return "—" if value is None else f"{value:+d}"


@register.filter
def measure(value: float | None, places: int = 1) -> str:
    return "—" if value is None else f"{value:.{places}f}"


@register.filter
def get_item(mapping: Mapping[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.filter
def field(form: forms.BaseForm, name: str) -> forms.BoundField:
    return form[name]
