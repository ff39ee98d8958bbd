"""Forms of the session page. They parse what the browser sends; the rules are in services."""

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django import forms

from anagen.core.intake import PREGNANCY, SCALP
from anagen.core.precheck import Check
from anagen.inventory.models import Lot
from anagen.sessions.models import Technique
from anagen.sessions.services import ANAESTHETICS, IMMEDIATE_REACTIONS

YES_NO = [("no", "No"), ("yes", "Yes")]
PREGNANCY_WORDS = {
    "pregnant": "Pregnant",
    "breastfeeding": "Breastfeeding",
    "planning": "Planning a pregnancy",
    "no": "Not pregnant",
    "unknown": "Not sure",
}
SCALP_WORDS = {
    "active_psoriasis": "Active psoriasis on the scalp",
    "active_infection": "Infection on the scalp (folliculitis, impetigo, tinea, herpes)",
    "open_wound": "Open wound",
    "sunburn": "Sunburn",
}


class PrecheckForm(forms.Form):
    scalp = forms.MultipleChoiceField(
        label="Scalp today",
        required=False,
        choices=[(s, SCALP_WORDS[s]) for s in SCALP],
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick what you see now; leave empty for a healthy scalp.",
    )
    medicines_reviewed = forms.BooleanField(
        label="I asked about new medicines and illnesses, and the chart is up to date",
        required=True,
    )
    note = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, checks: Sequence[Check], ask_pregnancy: bool, **kw: Any):
        super().__init__(*args, **kw)
        self.checks = checks
        if ask_pregnancy:
            self.fields["pregnancy"] = forms.ChoiceField(
                label="Pregnancy now", choices=[("", "Ask the patient"), *_pregnancy()]
            )
            self.fields["negative_pregnancy_test_on"] = forms.DateField(
                label="Negative pregnancy test on (if one was done)",
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        for check in checks:
            self.fields[check.id] = forms.ChoiceField(
                label=check.question, choices=YES_NO, widget=forms.RadioSelect
            )
        self.order_fields(["pregnancy", "negative_pregnancy_test_on", "scalp"])

    def answers(self) -> dict[str, Any]:
        """The answers as the ``anagen.precheck/1`` document the core reads."""
        data = self.cleaned_data
        test_on = data.get("negative_pregnancy_test_on")
        return {
            "pregnancy": data.get("pregnancy") or None,
            "negative_pregnancy_test_on": test_on.isoformat() if test_on else None,
            "scalp": list(data["scalp"]),
            "checks": {c.id: data[c.id] == "yes" for c in self.checks},
            "note": data["note"],
        }


def _pregnancy() -> list[tuple[str, str]]:
    return [(p, PREGNANCY_WORDS[p]) for p in PREGNANCY]


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label="Clinical reason for going ahead",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
    )


class RecordForm(forms.Form):
    injection_map = forms.CharField(widget=forms.HiddenInput, required=False)
    technique = forms.ChoiceField(choices=[("", "—"), *list(Technique.choices)], required=False)
    needle_gauge = forms.IntegerField(label="Needle gauge (G)", required=False)
    needle_length_mm = forms.DecimalField(
        label="Needle length (mm)", required=False, max_digits=4, decimal_places=1
    )
    anaesthetic = forms.ChoiceField(
        choices=[("", "—"), *list(ANAESTHETICS.items())], required=False
    )
    started = forms.TimeField(
        label="Started", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    ended = forms.TimeField(
        label="Ended", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    reactions = forms.MultipleChoiceField(
        label="Immediate reactions",
        required=False,
        choices=list(IMMEDIATE_REACTIONS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        ingredients: Sequence[dict[str, str]],
        lots: dict[str, list[Lot]],
        day: dt.date,
        zone: dt.tzinfo,
        **kw: Any,
    ):
        super().__init__(*args, **kw)
        self.ingredients, self.day, self.zone = ingredients, day, zone
        for ingredient in ingredients:
            choices = [("", "Choose the lot")] + [
                (str(lot.pk), f"{lot.product} · lot {lot.number} · exp {lot.expiry:%d %b %Y}")
                for lot in lots.get(ingredient["id"], [])
            ]
            self.fields[f"lot_{ingredient['id']}"] = forms.ChoiceField(
                label=f"{ingredient['name']} {ingredient.get('concentration', '')}".strip(),
                choices=choices,
                required=False,
            )
            self.fields[f"units_{ingredient['id']}"] = forms.IntegerField(
                label="Units", min_value=1, max_value=20, initial=1, required=False
            )

    def clean_injection_map(self) -> dict[str, Any] | None:
        raw = self.cleaned_data["injection_map"]
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError("The map could not be read; reload the page.") from None
        return value if isinstance(value, dict) else None

    def record(self) -> dict[str, Any]:
        """The record as ``session_record`` takes it."""
        data = self.cleaned_data
        lots = [
            {
                "ingredient": i["id"],
                "lot": data[f"lot_{i['id']}"],
                "units": data[f"units_{i['id']}"] or 1,
            }
            for i in self.ingredients
            if data.get(f"lot_{i['id']}")
        ]
        return {
            "injection_map": data["injection_map"],
            "technique": data["technique"],
            "needle_gauge": data["needle_gauge"],
            "needle_length_mm": data["needle_length_mm"],
            "anaesthetic": data["anaesthetic"],
            "started_at": self._moment(data["started"]),
            "ended_at": self._moment(data["ended"]),
            "reactions": data["reactions"],
            "notes": data["notes"],
            "lots": lots,
        }

    def _moment(self, time: dt.time | None) -> dt.datetime | None:
        return dt.datetime.combine(self.day, time, self.zone) if time else None


class AddendumForm(forms.Form):
    text = forms.CharField(label="Addendum", widget=forms.Textarea(attrs={"rows": 3}))
