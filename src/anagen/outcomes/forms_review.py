"""The clinic's response-criteria form: built from the criteria, so a criterion added to the
knowledge file appears without code. Field names are ``<criterion>__<key>`` and
``rule__<key>``; :func:`document` turns the cleaned data into the criteria document and
:data:`rename` maps the service's error fields back onto the form."""

from typing import Any

from django import forms

from anagen.core.outcomes import Criteria
from anagen.core.outcomes_criteria import VELLUS_UM_RANGE

RULE_FIELDS = {
    "responder_min_met": "Criteria met for responder",
    "partial_min_met": "Criteria met for partial response",
    "min_evaluable": "Criteria with data needed to decide",
}


class CriteriaForm(forms.Form):
    need_primary = forms.BooleanField(
        required=False,
        label="Responder needs a hair density rise",
        help_text="At least one hair density criterion must have data, and be met for responder.",
    )
    vellus_um = forms.FloatField(
        label="Vellus hairs are thinner than (µm)",
        min_value=VELLUS_UM_RANGE[0],
        max_value=VELLUS_UM_RANGE[1],
        help_text="Applies to images analysed from now on; earlier images keep their numbers.",
    )

    def __init__(self, *args: Any, criteria: Criteria, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for key, label in RULE_FIELDS.items():
            self.fields[f"rule__{key}"] = forms.IntegerField(label=label, min_value=1, max_value=20)
        for c in criteria.criteria:
            for switch, word in (("enabled", "used"), ("required", "required")):
                self.fields[f"{c.id}__{switch}"] = forms.BooleanField(
                    required=False,
                    label=word.capitalize(),
                    widget=forms.CheckboxInput(attrs={"aria-label": f"{c.label}: {word}"}),
                )
            for key, t in c.thresholds.items():
                self.fields[f"{c.id}__{key}"] = forms.FloatField(
                    label=f"{t.label} ({t.unit})",
                    widget=forms.NumberInput(attrs={"step": "any"}),
                    min_value=t.min,
                    max_value=t.max,
                    help_text=f"{t.min:g}–{t.max:g} {t.unit}",
                )

    def rows(self) -> list[dict[str, Any]]:
        """One row per criterion for the template: the criterion and its bound fields."""
        return [
            {
                "criterion": c,
                "enabled": self[f"{c.id}__enabled"],
                "required": self[f"{c.id}__required"],
                "thresholds": [self[f"{c.id}__{key}"] for key in c.thresholds],
            }
            for c in self.criteria.criteria
        ]

    def rule_fields(self) -> list[Any]:
        return [self[f"rule__{key}"] for key in RULE_FIELDS]


def initial(criteria: Criteria) -> dict[str, Any]:
    values: dict[str, Any] = {f"rule__{key}": getattr(criteria.rule, key) for key in RULE_FIELDS}
    values["need_primary"] = criteria.rule.need_primary
    values["vellus_um"] = criteria.vellus_um
    for c in criteria.criteria:
        values[f"{c.id}__enabled"], values[f"{c.id}__required"] = c.enabled, c.required
        for key, t in c.thresholds.items():
            values[f"{c.id}__{key}"] = t.value
    return values


def document(data: dict[str, Any], criteria: Criteria) -> dict[str, Any]:
    """The criteria document the form describes (every value, so it reads on its own)."""
    rule: dict[str, Any] = {key: data[f"rule__{key}"] for key in RULE_FIELDS}
    rule["need_primary"] = data["need_primary"]
    return {
        "rule": rule,
        "vellus_um": data["vellus_um"],
        "criteria": {
            c.id: {
                "enabled": data[f"{c.id}__enabled"],
                "required": data[f"{c.id}__required"],
                **{key: data[f"{c.id}__{key}"] for key in c.thresholds},
            }
            for c in criteria.criteria
        },
    }


def rename(field: str) -> str:
    """``criteria.density_frontal.min_change_pct`` → ``density_frontal__min_change_pct``."""
    parts = field.split(".")
    if parts[0] == "criteria" and len(parts) == 3:
        return f"{parts[1]}__{parts[2]}"
    if parts[0] == "rule" and len(parts) == 2:
        return "need_primary" if parts[1] == "need_primary" else f"rule__{parts[1]}"
    return field if field == "vellus_um" else "__all__"
