import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from anagen.clinics.access import can, clinic_member
from anagen.clinics.roles import Perm
from anagen.consent.selectors import consent_valid_for_plan
from anagen.consultations.selectors import consultation_get
from anagen.plans import services
from anagen.plans.printing import PlanLetterhead, plan_pdf
from anagen.plans.selectors import plan_get, protocols_for
from anagen.scheduling.selectors import course_for_plan
from anagen.web.forms_errors import apply_errors
from anagen.web.request_info import actor_of


def _clinic(request: HttpRequest) -> Any:
    return request.clinic  # type: ignore[attr-defined]


class PlanForm(forms.Form):
    protocol = forms.ChoiceField(label="Protocol")
    start = forms.DateField(
        label="First session", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, protocols: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protocol"].choices = protocols  # type: ignore[attr-defined]


@clinic_member(Perm.PLAN_CREATE)
def plan_new(request: HttpRequest, consultation_id: object) -> HttpResponse:
    consultation = consultation_get(clinic=_clinic(request), consultation_id=consultation_id)
    choices = [
        (p.id, f"{p.name} — {p.session_count} sessions ({p.evidence})")
        for p in protocols_for(consultation)
    ]
    best = consultation.result.get("treatment", {}).get("protocol")
    initial = {"start": timezone.localdate() + dt.timedelta(days=7), "protocol": best}
    form = PlanForm(request.POST or None, initial=initial, protocols=choices)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(
                actor=actor_of(request),
                consultation=consultation,
                start=form.cleaned_data["start"],
                protocol_id=form.cleaned_data["protocol"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Treatment plan created.")
            return redirect("plan_detail", plan.pk)
    context = {"consultation": consultation, "patient": consultation.patient, "form": form}
    return render(request, "plans/new.html", context)


@clinic_member(Perm.CLINICAL_VIEW)
def plan_detail(request: HttpRequest, plan_id: object) -> HttpResponse:
    plan = plan_get(clinic=_clinic(request), plan_id=plan_id)
    services.plan_open(actor=actor_of(request), plan=plan)
    doc = plan.document
    aftercare_first = [a for a in doc["aftercare"] if a["session"] == 1]
    context = {
        "plan": plan,
        "patient": plan.patient,
        "doc": doc,
        "sessions": doc["sessions"],
        "aftercare_first": aftercare_first,
        "session_count": len(doc["sessions"]),
        "course": course_for_plan(plan),
        "can_book": can(request, Perm.SCHEDULE_BOOK),
        "consent": consent_valid_for_plan(plan),
        "can_consent": can(request, Perm.CONSENT_TAKE),
    }
    return render(request, "plans/detail.html", context)


@clinic_member(Perm.CLINICAL_VIEW)
def plan_print(request: HttpRequest, plan_id: object) -> HttpResponse:
    plan = plan_get(clinic=_clinic(request), plan_id=plan_id)
    patient = plan.patient
    letterhead = PlanLetterhead(
        clinic_name=plan.clinic.name,
        clinic_address="",
        patient_name=str(patient),
        patient_number=patient.number,
        patient_birth_date=patient.date_of_birth,
        clinician_name=str(plan.created_by),
        created_on=timezone.localtime(plan.created_at).date(),
    )
    pdf = plan_pdf(plan.document, letterhead, printed_on=timezone.localdate())
    services.plan_print_log(actor=actor_of(request), plan=plan)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="plan-{patient.number}.pdf"'
    return response
