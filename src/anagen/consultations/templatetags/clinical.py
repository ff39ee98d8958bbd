from typing import Any

from django import template

from anagen.core.knowledge import Knowledge, Source

register = template.Library()

VERDICT_WORDS = {
    "eligible": "Eligible",
    "eligible_with_caution": "Eligible with caution",
    "defer": "Defer",
    "not_eligible": "Not eligible",
    "incomplete": "Incomplete: facts missing",
}


@register.filter
def source(kb: Knowledge, source_id: str) -> Source | None:
    """The cited source record, for showing a finding's evidence one click away."""
    return kb.sources.get(source_id)


@register.filter
def verdict_words(verdict: str) -> str:
    return VERDICT_WORDS.get(verdict, verdict)


@register.filter
def ingredient_name(kb: Knowledge, ingredient_id: str) -> str:
    found = kb.ingredients.get(ingredient_id)
    return found.name if found else ingredient_id


@register.filter
def words(value: Any) -> str:
    return str(value).replace("_", " ")


@register.filter
def protocol_name(kb: Knowledge, protocol_id: str | None) -> str:
    found = kb.protocols.get(protocol_id or "")
    return found.name if found else ""
