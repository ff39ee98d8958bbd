import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from anagen.clinics.access import can, clinic_member
from anagen.clinics.roles import Perm
from anagen.consent.selectors import patient_consents
from anagen.consultations.selectors import consultation_list
from anagen.outcomes.selectors import visit_summaries
from anagen.patients import services
from anagen.patients.forms import HISTORY_FORMS, PatientForm, ReasonForm
from anagen.patients.models import Allergy, Condition, Medication
from anagen.patients.record import patient_history, patient_record
from anagen.patients.selectors import history_item_get, patient_get, patient_list
from anagen.safety.selectors import patient_events
from anagen.scheduling.selectors import patient_sessions
from anagen.sessions.selectors import session_records
from anagen.web.forms_errors import apply_errors
from anagen.web.request_info import actor_of

HISTORY_MODELS = {"condition": Condition, "medication": Medication, "allergy": Allergy}


def _clinic(request: HttpRequest) -> Any:
    return request.clinic  # type: ignore[attr-defined]


@clinic_member(Perm.PATIENT_VIEW)
def patient_list_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    archived = request.GET.get("archived") == "1"
    patients = patient_list(clinic=_clinic(request), query=query, include_archived=archived)
    context = {
        "patients": patients[:100],
        "total": patients.count(),
        "q": query,
        "archived": archived,
    }
    # htmx asks for the rows alone, except when it restores a page from history.
    rows_only = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )
    template = "patients/_rows.html" if rows_only else "patients/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@clinic_member(Perm.PATIENT_EDIT)
def patient_new(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(
                actor=actor_of(request), clinic=_clinic(request), data=form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{patient} registered as {patient.number}.")
            return redirect("patient_chart", patient_id=patient.pk)
    context = {"form": form, "title": "New patient"}
    return render(request, "patients/form.html", context, status=400 if form.errors else 200)


@clinic_member(Perm.PATIENT_VIEW)
def patient_chart(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    services.patient_record_open(actor=actor_of(request), patient=patient)
    context: dict[str, Any] = {"patient": patient, "reason_form": ReasonForm()}
    if can(request, Perm.CLINICAL_VIEW):
        context["history"] = patient_history(patient)
        # Three forms share the page: prefix their ids so every label points at its own field.
        context["history_forms"] = {
            kind: form(auto_id=f"{kind}_%s") for kind, form in HISTORY_FORMS.items()
        }
        context["consultations"] = consultation_list(patient=patient)[:5]
        context["plans"] = patient.plans.select_related("consultation").order_by("-created_at")[:5]
        context["session_records"] = session_records(patient)[:20]
        context["consents"] = patient_consents(patient)
        context["events"] = patient_events(patient)
    if can(request, Perm.SCHEDULE_VIEW):
        context["sessions"] = patient_sessions(patient)
    if can(request, Perm.OUTCOME_VIEW):
        context["visits"] = visit_summaries(patient)
    return render(request, "patients/chart.html", context)


@clinic_member(Perm.PATIENT_EDIT)
def patient_edit(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    # The form writes submitted values onto its instance while validating; give it its own copy
    # so the service can still see what changed against the stored patient.
    form = PatientForm(
        request.POST or None, instance=patient_get(clinic=_clinic(request), patient_id=patient_id)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(
                actor=actor_of(request), patient=patient, data=form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Changes saved.")
            return redirect("patient_chart", patient_id=patient.pk)
    context = {"form": form, "patient": patient, "title": f"Edit {patient}"}
    return render(request, "patients/form.html", context, status=400 if form.errors else 200)


@clinic_member(Perm.PATIENT_ARCHIVE)
@require_POST
def patient_archive_view(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    try:
        services.patient_archive(
            actor=actor_of(request), patient=patient, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{patient} archived. Their record is kept.")
    return redirect("patient_chart", patient_id=patient.pk)


@clinic_member(Perm.PATIENT_ARCHIVE)
@require_POST
def patient_restore_view(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    if patient.is_archived:
        services.patient_restore(actor=actor_of(request), patient=patient)
        messages.success(request, f"{patient} is active again.")
    return redirect("patient_chart", patient_id=patient.pk)


@clinic_member(Perm.CLINICAL_VIEW)
def patient_export(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    services.patient_export_log(actor=actor_of(request), patient=patient, export_format="json")
    body = json.dumps(patient_record(patient, include_clinical=True), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{patient.number}.json"'
    return response


@clinic_member(Perm.CLINICAL_EDIT)
def history_add(request: HttpRequest, patient_id: str, kind: str) -> HttpResponse:
    if kind not in HISTORY_FORMS:
        raise Http404("No such history section")
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    form = HISTORY_FORMS[kind](request.POST or None, auto_id=f"{kind}_%s")
    if request.method == "POST" and form.is_valid():
        add = getattr(services, f"{kind}_add")
        try:
            add(actor=actor_of(request), patient=patient, data=form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{kind.capitalize()} added.")
            return redirect(f"/patients/{patient.pk}/#{kind}s")
    context = {"form": form, "patient": patient, "kind": kind}
    return render(
        request, "patients/history_form.html", context, status=400 if form.errors else 200
    )


@clinic_member(Perm.CLINICAL_EDIT)
@require_POST
def history_void(request: HttpRequest, patient_id: str, kind: str, item_id: int) -> HttpResponse:
    if kind not in HISTORY_MODELS:
        raise Http404("No such history section")
    item = history_item_get(clinic=_clinic(request), model=HISTORY_MODELS[kind], item_id=item_id)
    if str(item.patient_id) != str(patient_id):
        raise Http404("No such entry")
    try:
        services.history_item_void(
            actor=actor_of(request), item=item, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Entry struck out; it stays in the record's history.")
    return redirect(f"/patients/{patient_id}/#{kind}s")
