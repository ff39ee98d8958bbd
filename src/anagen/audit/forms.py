from typing import Any

from django import forms

from anagen.clinics.models import Clinic

ACTIONS = [
    ("", "Any action"),
    ("patient.", "Patients"),
    ("patient.view", "Chart viewed"),
    ("patient.export", "Exports"),
    ("condition.", "Conditions"),
    ("medication.", "Medications"),
    ("allergy.", "Allergies"),
    ("login.", "Logins"),
    ("login.failure", "Failed logins"),
    ("membership.", "Staff roles"),
    ("user.", "Accounts"),
    ("two_factor.", "Two-factor"),
    ("api_token.", "API tokens"),
    ("audit.", "Audit exports"),
]


class AuditFilterForm(forms.Form):
    user = forms.TypedChoiceField(
        label="Staff member", coerce=int, required=False, empty_value=None
    )
    patient = forms.UUIDField(label="Patient id", required=False)
    action = forms.ChoiceField(choices=ACTIONS, required=False)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = clinic.memberships.select_related("user").order_by("user__full_name")
        self.fields["user"].choices = [("", "Anyone")] + [  # type: ignore[attr-defined]
            (m.user_id, m.user.full_name) for m in staff
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data
