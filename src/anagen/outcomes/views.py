"""The measurement visit: opening one from the chart, its page, and the measurements recorded on
it (pull test, shedding, satisfaction, global assessment, phototrichogram). Images and photos
are in views_images."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from anagen.clinics.access import StaffRequest, can, clinic_member
from anagen.clinics.roles import Perm
from anagen.consent.selectors import photo_consent_current
from anagen.outcomes import forms, questionnaire, selectors, services
from anagen.outcomes.models import (
    PHOTO_CHECKLIST,
    GlobalPhotoAssessment,
    MeasurementVisit,
    Phototrichogram,
    PhotoView,
    PullTest,
    SatisfactionSurvey,
    SheddingCount,
    VisitKind,
)
from anagen.outcomes.services.common import clinic_today
from anagen.patients.selectors import patient_get
from anagen.web.forms_errors import apply_errors, submit
from anagen.web.request_info import actor_of

# What the "void" button of a measurement row names in its URL.
VOIDABLE: dict[str, type[Model]] = {
    "pull-test": PullTest,
    "shedding": SheddingCount,
    "satisfaction": SatisfactionSurvey,
    "global-assessment": GlobalPhotoAssessment,
    "phototrichogram": Phototrichogram,
}


def _visit(request: StaffRequest, visit_id: UUID) -> MeasurementVisit:
    return selectors.visit_get(request.clinic, visit_id)


def _plans(patient: Any) -> Any:
    return patient.plans.filter(voided_at__isnull=True).order_by("-start_date")


@clinic_member(Perm.OUTCOME_RECORD)
def visit_new(request: StaffRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_get(clinic=request.clinic, patient_id=patient_id)
    first = not selectors.visit_list(patient).exists()
    initial: dict[str, Any] = {
        "date": clinic_today(request.clinic),
        "kind": VisitKind.BASELINE if first else VisitKind.INTERIM,
    }
    plans = list(_plans(patient))
    if plans:
        initial["plan"] = str(plans[0].pk)
    form = forms.VisitForm(request.POST or None, initial=initial, plans=plans)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_create(
                actor=actor_of(request),
                patient=patient,
                date=form.cleaned_data["date"],
                kind=form.cleaned_data["kind"],
                plan=form.chosen_plan(),
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            apply_errors(form, error, {"patient": "__all__"})
        else:
            return redirect("visit_detail", visit.pk)
    context = {"form": form, "patient": patient}
    return render(request, "outcomes/visit_form.html", context, status=400 if form.errors else 200)


@clinic_member(Perm.OUTCOME_VIEW)
def visit_detail(request: StaffRequest, visit_id: UUID) -> HttpResponse:
    visit = _visit(request, visit_id)
    services.visit_open(actor=actor_of(request), visit=visit)
    return visit_page(request, visit)


def _earlier(visit: MeasurementVisit) -> list[MeasurementVisit]:
    """The patient's earlier visits, baselines first: what a global assessment compares with."""
    earlier = selectors.visit_list(visit.patient).filter(date__lt=visit.date)
    return sorted(earlier, key=lambda v: (v.kind != VisitKind.BASELINE, v.date))


def visit_page(
    request: StaffRequest, visit: MeasurementVisit, status: int = 200, **bound: Any
) -> HttpResponse:
    """The visit page, with any form that came back with errors in place of its blank one."""
    patient = visit.patient
    photos = list(selectors.visit_photos(visit))
    earlier = _earlier(visit)
    patient_images = list(selectors.patient_images(patient))
    blank = {
        "image_form": forms.ImageForm(devices=selectors.devices(visit.clinic), auto_id="img_%s"),
        "photo_form": forms.PhotoForm(auto_id="photo_%s"),
        "pull_form": forms.PullTestForm(auto_id="pull_%s"),
        "shedding_form": forms.SheddingForm(auto_id="shed_%s"),
        "satisfaction_form": forms.SatisfactionForm(auto_id="sat_%s"),
        "global_form": forms.GlobalAssessmentForm(earlier=earlier, auto_id="global_%s"),
        "ptg_form": forms.PhototrichogramForm(images=patient_images, auto_id="ptg_%s"),
    }
    context = (
        {
            "visit": visit,
            "patient": patient,
            "images": selectors.visit_images(visit),
            "photo_slots": [
                (view, label, [p for p in photos if p.view == view])
                for view, label in PhotoView.choices
            ],
            "photo_consent": photo_consent_current(patient),
            "checklist": PHOTO_CHECKLIST,
            "pull_tests": selectors.visit_pull_tests(visit),
            "shedding": selectors.visit_shedding(visit),
            "satisfaction": selectors.visit_satisfaction(visit),
            "questionnaire": questionnaire,
            "global_assessment": selectors.visit_global_assessment(visit),
            "global_scale": services.GLOBAL_SCALE,
            "earlier": earlier,
            "phototrichograms": selectors.visit_phototrichograms(visit),
            "can_pair": len(patient_images) >= 2,
            "can_record": can(request, Perm.OUTCOME_RECORD) and not visit.is_void,
            "can_review": can(request, Perm.OUTCOME_REVIEW) and not visit.is_void,
            "can_take_consent": can(request, Perm.CONSENT_TAKE),
            "void_form": forms.VoidForm(auto_id="void_%s"),
        }
        | blank
        | bound
    )
    return render(request, "outcomes/visit_detail.html", context, status=status)


def _recorded(request: StaffRequest, visit: MeasurementVisit, what: str) -> HttpResponse:
    messages.success(request, f"{what} recorded.")
    return redirect("visit_detail", visit.pk)


def _record(
    request: StaffRequest,
    visit: MeasurementVisit,
    form: django_forms.Form,
    slot: str,
    what: str,
    write: Callable[[], object],
) -> HttpResponse:
    """One measurement form's POST; on a refusal the visit page shows the form in ``slot``."""
    return submit(
        form,
        write,
        lambda _: _recorded(request, visit, what),
        lambda: visit_page(request, visit, status=400, **{slot: form}),
    )


@clinic_member(Perm.OUTCOME_RECORD)
@require_POST
def pull_test_add(request: StaffRequest, visit_id: UUID) -> HttpResponse:
    visit = _visit(request, visit_id)
    form = forms.PullTestForm(request.POST, auto_id="pull_%s")
    return _record(
        request,
        visit,
        form,
        "pull_form",
        "Pull test",
        lambda: services.pull_test_record(
            actor=actor_of(request), visit=visit, **form.cleaned_data
        ),
    )


@clinic_member(Perm.OUTCOME_RECORD)
@require_POST
def shedding_add(request: StaffRequest, visit_id: UUID) -> HttpResponse:
    visit = _visit(request, visit_id)
    form = forms.SheddingForm(request.POST, auto_id="shed_%s")
    return _record(
        request,
        visit,
        form,
        "shedding_form",
        "Shedding count",
        lambda: services.shedding_record(actor=actor_of(request), visit=visit, **form.cleaned_data),
    )


@clinic_member(Perm.OUTCOME_RECORD)
@require_POST
def satisfaction_add(request: StaffRequest, visit_id: UUID) -> HttpResponse:
    visit = _visit(request, visit_id)
    form = forms.SatisfactionForm(request.POST, auto_id="sat_%s")
    return _record(
        request,
        visit,
        form,
        "satisfaction_form",
        "Questionnaire",
        lambda: services.satisfaction_record(
            actor=actor_of(request), visit=visit, answers=form.answers()
        ),
    )


@clinic_member(Perm.OUTCOME_REVIEW)
@require_POST
def global_assessment_add(request: StaffRequest, visit_id: UUID) -> HttpResponse:
    visit = _visit(request, visit_id)
    form = forms.GlobalAssessmentForm(request.POST, earlier=_earlier(visit), auto_id="global_%s")
    return _record(
        request,
        visit,
        form,
        "global_form",
        "Global assessment",
        lambda: services.global_assessment_record(
            actor=actor_of(request),
            visit=visit,
            compared_with=form.compared(),
            score=form.cleaned_data["score"],
            note=form.cleaned_data["note"],
        ),
    )


@clinic_member(Perm.OUTCOME_RECORD)
@require_POST
def phototrichogram_add(request: StaffRequest, visit_id: UUID) -> HttpResponse:
    visit = _visit(request, visit_id)
    images = selectors.patient_images(visit.patient)
    form = forms.PhototrichogramForm(request.POST, images=images, auto_id="ptg_%s")
    return submit(
        form,
        lambda: services.phototrichogram_create(
            actor=actor_of(request), before=form.chosen("before"), after=form.chosen("after")
        ),
        lambda record: _recorded(request, record.visit, "Phototrichogram"),
        lambda: visit_page(request, visit, status=400, ptg_form=form),
    )


def _void(request: StaffRequest, visit: MeasurementVisit, record: Any) -> HttpResponse:
    form = forms.VoidForm(request.POST, auto_id="void_%s")

    def voided(_: object) -> HttpResponse:
        messages.success(request, "Marked void. The record is kept.")
        return redirect("visit_detail", visit.pk)

    def refused() -> HttpResponse:
        for message in [m for errors in form.errors.values() for m in errors]:
            messages.error(request, str(message))
        return redirect("visit_detail", visit.pk)

    return submit(
        form,
        lambda: services.record_void(
            actor=actor_of(request), record=record, reason=form.cleaned_data["reason"]
        ),
        voided,
        refused,
    )


@clinic_member(Perm.OUTCOME_RECORD)
@require_POST
def visit_void(request: StaffRequest, visit_id: UUID) -> HttpResponse:
    visit = _visit(request, visit_id)
    return _void(request, visit, visit)


@clinic_member(Perm.OUTCOME_RECORD)
@require_POST
def measurement_void(request: StaffRequest, visit_id: UUID, kind: str, pk: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    model = VOIDABLE.get(kind)
    if model is None:
        raise Http404("No such measurement")
    record = model.objects.for_clinic(request.clinic).filter(visit=visit, pk=pk).first()  # type: ignore[attr-defined]
    if record is None:
        raise Http404("No such measurement")
    return _void(request, visit, record)
