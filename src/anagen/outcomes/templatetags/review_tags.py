"""The response review on the patient's chart: the latest label, and the plan-review flag."""

from typing import Any

from django import template

from anagen.outcomes.review import patient_reviews
from anagen.outcomes.review_display import LABEL_TAGS

register = template.Library()


@register.inclusion_tag("outcomes/review_chart.html")
def response_review_card(patient: Any) -> dict[str, Any]:
    """The outcomes card of the chart: a link to the outcomes page and the latest review."""
    latest = patient_reviews(patient).first()
    return {
        "patient": patient,
        "latest": latest,
        "tag": LABEL_TAGS.get(latest.label, "") if latest else "",
        "open_flag": bool(
            latest and latest.flagged_for_plan_review and latest.acknowledged_at is None
        ),
    }
