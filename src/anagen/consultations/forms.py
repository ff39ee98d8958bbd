from typing import Any

from django import forms
from django.utils import timezone

from anagen.core import codes
from anagen.core.intake import PREGNANCY, SCALP, TRICHOSCOPY_SIGNS
from anagen.core.knowledge import Knowledge
from anagen.core.staging import SCALE_NAMES

SCALE_LABELS = {
    "norwood": "Hamilton–Norwood (male pattern)",
    "ludwig": "Ludwig (female pattern)",
    "sinclair": "Sinclair (female pattern, 1–5)",
    "savin": "Savin (female pattern)",
    "salt": "SALT (alopecia areata)",
}
TRISTATE = [("", "Not recorded"), ("yes", "Yes"), ("no", "No")]
HAIR_CHAPTER = ("L63", "L64", "L65", "L66")


def _words(value: str) -> str:
    return value.replace("_", " ").capitalize()


def diagnosis_choices() -> list[tuple[str, str]]:
    icd10 = codes.load("icd10")
    hair = [c for c in icd10.codes if c.code.startswith(HAIR_CHAPTER)]
    extra = [
        ("L66.12", "Frontal fibrosing alopecia (ICD-10-CM)"),
        ("L66.81", "Central centrifugal cicatricial alopecia (ICD-10-CM)"),
    ]
    return (
        [("", "Not yet diagnosed")]
        + [(c.code, f"{c.code} {c.title}") for c in hair]
        + [(k, f"{k} {v}") for k, v in extra]
    )


class ExamForm(forms.Form):
    """The examination part of a consultation; the chart supplies history and medicines."""

    assessed_on = forms.DateField(
        label="Assessed on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    sex = forms.ChoiceField(
        label="Sex at birth (for pharmacology)", choices=[("female", "Female"), ("male", "Male")]
    )
    pregnancy = forms.ChoiceField(
        required=False, choices=[("", "Not recorded")] + [(p, _words(p)) for p in PREGNANCY]
    )
    postmenopausal = forms.ChoiceField(required=False, choices=TRISTATE)
    reliable_contraception = forms.ChoiceField(required=False, choices=TRISTATE)
    negative_pregnancy_test_on = forms.DateField(
        required=False,
        label="Negative pregnancy test on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    diagnosis = forms.ChoiceField(required=False, choices=diagnosis_choices)
    onset_months_ago = forms.IntegerField(required=False, min_value=0, label="Onset (months ago)")
    stage_scale = forms.ChoiceField(
        required=False,
        label="Scale",
        choices=[("", "No stage recorded")] + [(s, SCALE_LABELS[s]) for s in SCALE_NAMES],
    )
    stage_value = forms.CharField(required=False, label="Stage")
    salt_top = forms.FloatField(
        required=False, min_value=0, max_value=100, label="Top (vertex) % lost"
    )
    salt_back = forms.FloatField(required=False, min_value=0, max_value=100, label="Back % lost")
    salt_right = forms.FloatField(
        required=False, min_value=0, max_value=100, label="Right side % lost"
    )
    salt_left = forms.FloatField(
        required=False, min_value=0, max_value=100, label="Left side % lost"
    )
    pull_test_positive_regions = forms.IntegerField(
        required=False, min_value=0, max_value=4, label="Pull test: positive regions (of 4)"
    )
    trichoscopy_signs = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(s, _words(s)) for s in TRICHOSCOPY_SIGNS],
    )
    scalp = forms.MultipleChoiceField(
        required=False,
        label="Scalp now",
        widget=forms.CheckboxSelectMultiple,
        choices=[(s, _words(s)) for s in SCALP],
    )
    hba1c_percent = forms.FloatField(required=False, min_value=0, label="HbA1c (%)")
    ferritin_ug_per_l = forms.FloatField(required=False, min_value=0, label="Ferritin (µg/L)")
    haemoglobin_g_per_dl = forms.FloatField(required=False, min_value=0, label="Haemoglobin (g/dL)")
    platelets_10e9_per_l = forms.FloatField(required=False, min_value=0, label="Platelets (×10⁹/L)")
    inr = forms.FloatField(required=False, min_value=0, label="INR")
    tsh_mu_per_l = forms.FloatField(required=False, min_value=0, label="TSH (mU/L)")
    allergies = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    requested = forms.MultipleChoiceField(
        required=False,
        label="Requested ingredients (leave empty for the best option)",
        widget=forms.CheckboxSelectMultiple,
    )
    clearances = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[("haematology", "Haematology clearance on file")],
    )

    def clean_assessed_on(self) -> Any:
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The assessment cannot be in the future.")
        return day

    def __init__(self, *args: Any, kb: Knowledge, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ingredients = [(i.id, i.name) for i in kb.ingredients.values()]
        self.fields["allergies"].choices = ingredients  # type: ignore[attr-defined]
        self.fields["requested"].choices = [  # type: ignore[attr-defined]
            (i.id, i.name)
            for i in kb.ingredients.values()
            if i.stocked and "anaesthetic" not in i.groups
        ]
