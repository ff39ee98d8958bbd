from django import forms

from anagen.patients.models import Allergy, Condition, Medication, Patient

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = Patient.EDITABLE_FIELDS
        widgets = {
            "date_of_birth": DATE,
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }


class ConditionForm(forms.ModelForm):
    class Meta:
        model = Condition
        fields = ("code", "status", "onset_date", "note")
        widgets = {"onset_date": DATE}


class MedicationForm(forms.ModelForm):
    class Meta:
        model = Medication
        fields = ("atc_code", "name", "dose", "started_on", "stopped_on", "note")
        widgets = {"started_on": DATE, "stopped_on": DATE}
        help_texts = {"name": "Leave empty to use the ATC name; or give the brand as written."}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["name"].required = False


class AllergyForm(forms.ModelForm):
    class Meta:
        model = Allergy
        fields = ("substance", "atc_code", "reaction", "severity", "note")


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=250, widget=forms.TextInput(attrs={"autocomplete": "off"}))


HISTORY_FORMS: dict[str, type[forms.ModelForm]] = {
    "condition": ConditionForm,
    "medication": MedicationForm,
    "allergy": AllergyForm,
}
