"""Forms for adverse events, their follow-ups and closing, and for closing a signal. They only
collect input; the services decide what is valid."""

from typing import Any

from django import forms

from anagen.core import adverse_events
from anagen.safety.models import Culture, Outcome
from anagen.safety.selectors import session_label

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
UNLINKED_HELP = (
    "Tick the session or sessions you suspect. A nodule, abscess or infection left unlinked "
    "counts for every session in the 12 weeks before its onset, which makes chance clusters "
    "(false alarms) much more likely."
)


class EventForm(forms.Form):
    type = forms.ChoiceField(label="Type")
    type_other = forms.CharField(label="If other, what was it", required=False, max_length=120)
    onset = forms.DateField(label="Onset", widget=DATE)
    severity = forms.ChoiceField(label="Severity (CTCAE v5.0 grade)", widget=forms.RadioSelect)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    sessions = forms.MultipleChoiceField(
        label="Linked sessions",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=UNLINKED_HELP,
    )
    lots = forms.MultipleChoiceField(
        label="Linked lots",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty for the lots the linked sessions used.",
    )
    actions = forms.CharField(
        label="Actions taken", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.ChoiceField(label="Outcome so far", choices=Outcome.choices)
    culture = forms.ChoiceField(label="Culture", choices=Culture.choices)
    organism = forms.CharField(
        label="Organism", required=False, max_length=120, help_text="Only with a positive culture."
    )
    next_follow_up = forms.DateField(label="Next follow-up", required=False, widget=DATE)

    def __init__(self, *args: Any, sessions: Any = (), lots: Any = (), **kwargs: Any) -> None:
        """``sessions``: the patient's signed sessions; ``lots``: lots already linked, offered
        with those the sessions used."""
        super().__init__(*args, **kwargs)
        book = adverse_events.load()
        self._offer("type", [("", "Choose…")] + [(t.id, t.label) for t in book.types.values()])
        self._offer("severity", [(g.id, g.label) for g in book.severities.values()])
        self._offer("sessions", [(str(s.pk), session_label(s)) for s in sessions])
        offered = {lot.pk: lot for lot in lots}
        offered |= {use.lot.pk: use.lot for s in sessions for use in s.lots.all()}
        ordered = sorted(offered.values(), key=lambda lot: (str(lot.product), lot.number))
        self._offer("lots", [(str(lot.pk), f"{lot.product} · lot {lot.number}") for lot in ordered])

    def _offer(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def severity_options(self) -> list[tuple[Any, adverse_events.SeverityGrade]]:
        """Each radio button with its grade, so the page shows the definition beside it."""
        grades = adverse_events.load().severities
        return [(w, grades[str(w.data["value"])]) for w in self["severity"]]

    def data_for_service(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class FollowUpForm(forms.Form):
    on = forms.DateField(label="Day of the follow-up", widget=DATE)
    note = forms.CharField(label="What was found", widget=forms.Textarea(attrs={"rows": 3}))
    next_follow_up = forms.DateField(
        label="Next follow-up", required=False, widget=DATE, help_text="Empty: no further date."
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome", choices=[c for c in Outcome.choices if c[0] != Outcome.ONGOING]
    )


class SignalCloseForm(forms.Form):
    note = forms.CharField(
        label="What was found and done",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: lot quarantined and recalled; cultures taken; no common source.",
    )
