"""Forms of the outcome pages. They parse what the browser sends; the services decide what is
valid, and their errors come back on these fields (the names match)."""

import json
from collections.abc import Iterable
from typing import Any

from django import forms

from anagen.outcomes import questionnaire
from anagen.outcomes.models import (
    PHOTO_CHECKLIST,
    MeasurementVisit,
    PhotoView,
    SheddingMethod,
    Site,
    TrichoscopeDevice,
    TrichoscopyImage,
    VisitKind,
)
from anagen.outcomes.services import GLOBAL_SCALE

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
IMAGE_TYPES = "image/jpeg,image/png,image/tiff,image/bmp,.jpg,.jpeg,.png,.tif,.tiff,.bmp"
SCALE_INPUT = forms.NumberInput(attrs={"step": "any", "min": "0.01", "inputmode": "decimal"})


def _choices(pairs: Iterable[tuple[Any, str]], empty: str | None = None) -> list[tuple[Any, str]]:
    return ([("", empty)] if empty is not None else []) + list(pairs)


class VisitForm(forms.Form):
    date = forms.DateField(label="Date", widget=DATE)
    kind = forms.ChoiceField(label="Kind of visit", choices=VisitKind.choices)
    plan = forms.ChoiceField(label="Course it measures", required=False)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, plans: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plans = {str(p.pk): p for p in plans}
        self.fields["plan"].choices = _choices(  # type: ignore[attr-defined]
            [(pk, f"{p.document['protocol']['name']} from {p.start_date:%d %b %Y}")
             for pk, p in self.plans.items()],
            "None",
        )  # fmt: skip

    def chosen_plan(self) -> Any:
        return self.plans.get(self.cleaned_data["plan"])


class ImageForm(forms.Form):
    site = forms.ChoiceField(label="Site", choices=Site.choices)
    site_label = forms.CharField(label="Site name, if other", required=False, max_length=80)
    file = forms.FileField(
        label="Trichoscopy image",
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_TYPES}),
        help_text="JPEG, PNG, TIFF or BMP from the trichoscope.",
    )
    device = forms.ChoiceField(label="Trichoscope", required=False)
    um_per_px = forms.FloatField(
        label="µm per pixel",
        required=False,
        widget=SCALE_INPUT,
        help_text="Only when it differs from the device's calibration.",
    )

    def __init__(self, *args: Any, devices: Iterable[TrichoscopeDevice] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.devices = {str(d.pk): d for d in devices}
        default = next((d for d in self.devices.values() if d.is_default), None)
        empty = f"Clinic default: {default}" if default else "Not calibrated (counts only)"
        self.fields["device"].choices = _choices(  # type: ignore[attr-defined]
            [(pk, str(d)) for pk, d in self.devices.items() if not d.is_default], empty
        )

    def chosen_device(self) -> TrichoscopeDevice | None:
        return self.devices.get(self.cleaned_data["device"])


class PhotoForm(forms.Form):
    view = forms.ChoiceField(label="View", choices=PhotoView.choices)
    file = forms.FileField(
        label="Photo", widget=forms.ClearableFileInput(attrs={"accept": IMAGE_TYPES})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in PHOTO_CHECKLIST.items():
            self.fields[key] = forms.BooleanField(label=label, required=False)

    def checklist(self) -> dict[str, bool]:
        return {key: self.cleaned_data[key] for key in PHOTO_CHECKLIST}


class PullTestForm(forms.Form):
    site = forms.ChoiceField(
        label="Site",
        choices=[(s, Site(s).label) for s in ("vertex", "parietal_left", "parietal_right",
                                               "occipital", "frontal", "temporal_left",
                                               "temporal_right")],
    )  # fmt: skip
    hairs_grasped = forms.IntegerField(
        label="Hairs grasped", initial=50, help_text="40–60 hairs, a 1–2 cm bundle."
    )
    hairs_pulled = forms.IntegerField(label="Hairs that came out", min_value=0)


class SheddingForm(forms.Form):
    method = forms.ChoiceField(label="Method", choices=SheddingMethod.choices)
    hairs = forms.IntegerField(label="Hairs counted", min_value=0)


class SatisfactionForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in questionnaire.ITEMS:
            self.fields[item.id] = forms.TypedChoiceField(
                label=item.text,
                choices=questionnaire.SCALE,
                coerce=int,
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, int]:
        return {item.id: self.cleaned_data[item.id] for item in questionnaire.ITEMS}


class GlobalAssessmentForm(forms.Form):
    compared_with = forms.ChoiceField(label="Compared with")
    score = forms.TypedChoiceField(
        label="Change in hair growth in the photos",
        choices=[
            (value, f"{value:+d} {label}" if value else f"0 {label}")
            for value, label in GLOBAL_SCALE.items()
        ],
        coerce=int,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, earlier: Iterable[MeasurementVisit] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.earlier = {str(v.pk): v for v in earlier}
        self.fields["compared_with"].choices = [  # type: ignore[attr-defined]
            (pk, f"{v.get_kind_display()} visit, {v.date:%d %b %Y}")
            for pk, v in self.earlier.items()
        ]

    def compared(self) -> MeasurementVisit:
        return self.earlier[self.cleaned_data["compared_with"]]


class PhototrichogramForm(forms.Form):
    before = forms.ChoiceField(label="First image (clipped site)")
    after = forms.ChoiceField(label="Second image, days later")

    def __init__(self, *args: Any, images: Iterable[TrichoscopyImage] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.images = {str(i.pk): i for i in images}
        offered = [(pk, f"{i.site_name}, {i.visit.date:%d %b %Y}") for pk, i in self.images.items()]
        self.fields["before"].choices = offered  # type: ignore[attr-defined]
        self.fields["after"].choices = offered  # type: ignore[attr-defined]
        if offered:  # the latest image is the usual second one
            self.fields["after"].initial = offered[-1][0]

    def chosen(self, field: str) -> TrichoscopyImage:
        return self.images[self.cleaned_data[field]]


class CalibrationForm(forms.Form):
    um_per_px = forms.FloatField(label="µm per pixel", widget=SCALE_INPUT)


class VoidForm(forms.Form):
    reason = forms.CharField(label="Why is this record void?", min_length=5, max_length=250)


class JsonField(forms.CharField):
    """A hidden field carrying a JSON list, written by the page's script."""

    widget = forms.HiddenInput

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value) or "[]"
        try:
            parsed = json.loads(text)
        except ValueError:
            raise forms.ValidationError("The corrections could not be read.") from None
        if not isinstance(parsed, list):
            raise forms.ValidationError("The corrections could not be read.")
        return parsed


class CorrectionForm(forms.Form):
    add = JsonField(required=False)
    remove = JsonField(required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class DeviceForm(forms.Form):
    name = forms.CharField(label="Device", max_length=80, help_text="e.g. “FotoFinder ×20”.")
    um_per_px = forms.FloatField(
        label="µm per pixel",
        widget=SCALE_INPUT,
        help_text="From a stage micrometer image: a known length in µm over its length in pixels.",
    )
    is_default = forms.BooleanField(label="The clinic's default device", required=False)
    active = forms.BooleanField(label="In use", required=False, initial=True)
