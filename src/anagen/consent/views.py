"""Taking consent on screen (treatment consent for a plan, photography consent for a patient),
a consent's page with its PDF snapshot, and withdrawing it."""

import base64
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from anagen.clinics.access import can, clinic_member
from anagen.clinics.roles import Perm
from anagen.consent import selectors, services
from anagen.consent.forms import SignForm, WithdrawForm
from anagen.consent.models import Consent, ConsentKind
from anagen.core.consent import RISK_GROUPS, signature_svg
from anagen.core.invalid import InvalidDocument
from anagen.patients.selectors import patient_get
from anagen.plans.selectors import plan_get
from anagen.plans.services import plan_open
from anagen.web.forms_errors import apply_errors
from anagen.web.request_info import actor_of


def _clinic(request: HttpRequest) -> Any:
    return request.clinic  # type: ignore[attr-defined]


def document_context(document: dict[str, Any]) -> dict[str, Any]:
    """The consent document with its risks grouped under their headings, for the pages."""
    risks = document.get("risks") or []
    groups = [
        (title, [r for r in risks if r["group"] == group]) for group, title in RISK_GROUPS.items()
    ]
    return {"doc": document, "risk_groups": [(t, rs) for t, rs in groups if rs]}


# --- Signing -------------------------------------------------------------------------------------


@clinic_member(Perm.CONSENT_TAKE)
def plan_consent(request: HttpRequest, plan_id: object) -> HttpResponse:
    plan = plan_get(clinic=_clinic(request), plan_id=plan_id)
    if request.method != "POST":
        plan_open(actor=actor_of(request), plan=plan)
    return _sign_page(request, patient=plan.patient, kind=ConsentKind.TREATMENT, plan=plan)


@clinic_member(Perm.CONSENT_TAKE)
def photo_consent(request: HttpRequest, patient_id: object) -> HttpResponse:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    return _sign_page(request, patient=patient, kind=ConsentKind.PHOTOGRAPHY, plan=None)


def _sign_page(request: HttpRequest, *, patient: Any, kind: str, plan: Any) -> HttpResponse:
    form = SignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent = services.consent_sign(
                actor=actor_of(request),
                patient=patient,
                kind=kind,
                plan=plan,
                signer_name=data["signer_name"],
                signature_svg=data["signature_svg"],
                ticked=data["ticked"],
                shown_version=data["shown_version"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{consent.get_kind_display()} consent signed.")
            return redirect("consent_detail", consent.pk)
    text = selectors.template_text(_clinic(request), kind)
    context: dict[str, Any] = {
        "patient": patient,
        "plan": plan,
        "kind": kind,
        "text": text,
        "form": form,
        "in_force": _in_force(patient, kind, plan),
        "can_edit_templates": can(request, Perm.CONSENT_TEMPLATES),
        "problem": _problem(patient, plan),
    }
    try:
        document = selectors.consent_document_for(patient=patient, kind=kind, plan=plan, text=text)
        context |= document_context(document)
    except InvalidDocument as error:
        context["problem"] = f"The {error.field} {error.message}."
    status = 422 if form.errors else 200
    return render(request, "consent/sign.html", context, status=status)


def _in_force(patient: Any, kind: str, plan: Any) -> Consent | None:
    if kind == ConsentKind.TREATMENT:
        return selectors.consent_valid_for_plan(plan)
    return selectors.photo_consent_current(patient)


def _problem(patient: Any, plan: Any) -> str:
    """Why no consent can be taken here, shown instead of the signing form."""
    if patient.is_archived:
        return "This patient is archived; restore the record first."
    if plan is not None and plan.voided_at is not None:
        return f"This plan is void ({plan.void_reason}); consent is taken for a current plan."
    return ""


# --- A signed consent ----------------------------------------------------------------------------


def _detail(request: HttpRequest, consent: Consent, form: WithdrawForm) -> HttpResponse:
    current = _in_force(consent.patient, consent.kind, consent.plan)
    context = {
        "consent": consent,
        "patient": consent.patient,
        "plan": consent.plan,
        "state": _state(consent, current),
        "signature_src": _signature_src(consent),
        "form": form,
        "can_withdraw": can(request, Perm.CONSENT_TAKE) and not consent.is_withdrawn,
        **document_context(consent.document),
    }
    return render(request, "consent/detail.html", context, status=422 if form.errors else 200)


def _state(consent: Consent, current: Consent | None) -> str:
    if consent.is_withdrawn:
        return "withdrawn"
    return "in force" if current is not None and current.pk == consent.pk else "replaced"


def _signature_src(consent: Consent) -> str:
    """The drawn signature as an image address; the picture is rebuilt from path commands
    and numbers only, never taken from what was stored as markup."""
    if not consent.signature_svg:
        return ""
    picture = signature_svg(consent.signature_svg).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(picture).decode("ascii")


@clinic_member(Perm.CLINICAL_VIEW)
def consent_detail(request: HttpRequest, consent_id: object) -> HttpResponse:
    consent = selectors.consent_get(clinic=_clinic(request), consent_id=consent_id)
    services.consent_open(actor=actor_of(request), consent=consent)
    return _detail(request, consent, WithdrawForm())


@clinic_member(Perm.CLINICAL_VIEW)
def consent_pdf(request: HttpRequest, consent_id: object) -> HttpResponse:
    consent = selectors.consent_get(clinic=_clinic(request), consent_id=consent_id)
    services.consent_pdf_log(actor=actor_of(request), consent=consent)
    response = HttpResponse(bytes(consent.pdf), content_type="application/pdf")
    name = f"consent-{consent.patient.number}-{consent.kind}-{consent.signed_at:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@clinic_member(Perm.CONSENT_TAKE)
@require_POST
def consent_withdraw(request: HttpRequest, consent_id: object) -> HttpResponse:
    consent = selectors.consent_get(clinic=_clinic(request), consent_id=consent_id)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.consent_withdraw(
                actor=actor_of(request), consent=consent, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{consent.get_kind_display()} consent withdrawn.")
            return redirect("consent_detail", consent.pk)
    return _detail(request, consent, form)
