import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from anagen.clinics.access import clinic_member
from anagen.clinics.roles import Perm
from anagen.consultations import services
from anagen.consultations.forms import SCALE_LABELS, ExamForm
from anagen.consultations.intake import exam_from_intake, record_allergies
from anagen.consultations.selectors import consultation_get, consultation_list
from anagen.consultations.templatetags.clinical import VERDICT_WORDS
from anagen.core.knowledge import Knowledge
from anagen.core.staging import SCALE_NAMES
from anagen.patients.models import Patient
from anagen.patients.selectors import patient_get
from anagen.web.forms_errors import apply_errors
from anagen.web.request_info import actor_of

_PICTURES = json.loads(
    (Path(__file__).parents[1] / "web/static/anagen/scales/index.json").read_text("utf-8")
)


def _clinic(request: HttpRequest) -> Any:
    return request.clinic  # type: ignore[attr-defined]


def _initial(patient: Patient, kb: Knowledge) -> dict[str, Any]:
    allergies, _ = record_allergies(patient, kb)
    sex = patient.sex_at_birth if patient.sex_at_birth in ("female", "male") else ""
    initial: dict[str, Any] = {
        "assessed_on": timezone.localdate(),
        "sex": sex,
        "allergies": allergies,
    }
    current = services.consultation_current(patient)
    if current is not None:  # start from the last consultation's examination
        initial.update(exam_from_intake(current.intake))
        initial["assessed_on"] = timezone.localdate()
    return initial


def _stage_choices(scale: str, kb: Knowledge) -> list[dict[str, str]]:
    if scale not in SCALE_NAMES or scale == "salt":
        return []
    pictures = _PICTURES.get(scale, {})
    return [
        {
            "value": value,
            "description": kb.scales.describe(scale, value),
            "picture": static(f"anagen/scales/{pictures[value]}") if value in pictures else "",
        }
        for value in kb.scales.stages(scale)
    ]


def _page(
    request: HttpRequest, patient: Patient, form: ExamForm, kb: Knowledge, **extra: Any
) -> HttpResponse:
    scale = form["stage_scale"].value() or ""
    _, unmatched = record_allergies(patient, kb)
    context = {
        "patient": patient,
        "form": form,
        "scale": scale,
        "scale_label": SCALE_LABELS.get(scale, ""),
        "stages": _stage_choices(scale, kb),
        "stage_value": form["stage_value"].value() or "",
        "salt_picture": static("anagen/scales/salt-regions.svg"),
        "unmatched_allergies": unmatched,
        "kb": kb,
        **extra,
    }
    return render(request, "consultations/new.html", context)


@clinic_member(Perm.CONSULTATION_SIGN)
def consultation_new(request: HttpRequest, patient_id: object) -> HttpResponse:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    kb = services.clinic_knowledge(patient.clinic)
    if request.method != "POST":
        form = ExamForm(initial=_initial(patient, kb), kb=kb)
        return _page(request, patient, form, kb, **_screened(patient, form, kb, bound=False))
    form = ExamForm(request.POST, kb=kb)
    if form.is_valid():
        try:
            consultation = services.consultation_sign(
                actor=actor_of(request), patient=patient, exam=form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            verdict = VERDICT_WORDS[consultation.verdict]
            messages.success(request, f"Consultation signed: {verdict}.")
            return redirect("consultation_detail", consultation.pk)
    return _page(request, patient, form, kb, **_screened(patient, form, kb, bound=True))


def _screened(patient: Patient, form: ExamForm, kb: Knowledge, *, bound: bool) -> dict[str, Any]:
    """Screen whatever the form holds now (the initial values on a fresh page)."""
    if not bound:  # read the initial values the way a submitted form would be read
        form = ExamForm(_as_data(form.initial), kb=kb)
    if not form.is_valid():
        return {"result": None}
    try:
        _doc, _ctx, screening = services.consultation_screen(
            patient=patient, exam=form.cleaned_data, kb=kb
        )
    except ValidationError as error:
        if bound:
            apply_errors(form, error)  # shown with the form's errors
            return {"result": None}
        return {"result": None, "screen_errors": error.messages}
    return {"result": screening.as_json(), "treatment_protocol": screening.protocol}


def _as_data(initial: Mapping[str, Any]) -> MultiValueDict[str, Any]:
    data: MultiValueDict[str, Any] = MultiValueDict()
    for key, value in initial.items():
        if isinstance(value, list | tuple):
            data.setlist(key, [str(v) for v in value])
        elif value is not None:
            data[key] = str(value)
    return data


@clinic_member(Perm.CONSULTATION_SIGN)
def consultation_preview(request: HttpRequest, patient_id: object) -> HttpResponse:
    """HTMX: the screening for the form as it stands; nothing is saved."""
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    kb = services.clinic_knowledge(patient.clinic)
    form = ExamForm(request.POST or None, kb=kb)
    context = {"form": form, "kb": kb, **_screened(patient, form, kb, bound=True)}
    return render(request, "consultations/_result.html", context)


@clinic_member(Perm.CONSULTATION_SIGN)
def consultation_stages(request: HttpRequest, patient_id: object) -> HttpResponse:
    """HTMX: the stage picker for the chosen scale, with a picture of each stage."""
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    kb = services.clinic_knowledge(patient.clinic)
    scale = request.GET.get("stage_scale", "")
    context = {
        "scale": scale,
        "scale_label": SCALE_LABELS.get(scale, ""),
        "stages": _stage_choices(scale, kb),
        "stage_value": "",
        "salt_picture": static("anagen/scales/salt-regions.svg"),
        "form": ExamForm(kb=kb),
    }
    return render(request, "consultations/_stages.html", context)


@clinic_member(Perm.CLINICAL_VIEW)
def consultation_detail(request: HttpRequest, consultation_id: object) -> HttpResponse:
    consultation = consultation_get(clinic=_clinic(request), consultation_id=consultation_id)
    services.consultation_open(actor=actor_of(request), consultation=consultation)
    kb = services.clinic_knowledge(consultation.clinic)
    context = {
        "consultation": consultation,
        "patient": consultation.patient,
        "result": consultation.result,
        "intake": consultation.intake,
        "intake_json": json.dumps(consultation.intake, indent=2),
        "plans": consultation.plans.order_by("-created_at"),
        "kb": kb,
    }
    return render(request, "consultations/detail.html", context)


@clinic_member(Perm.CLINICAL_VIEW)
def consultation_history(request: HttpRequest, patient_id: object) -> HttpResponse:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    return render(
        request,
        "consultations/history.html",
        {"patient": patient, "consultations": consultation_list(patient=patient)},
    )
