"""Reads of consents and consent templates; each is scoped to the clinic of the object asked
about, so another clinic's consent is a 404."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from anagen.consent.defaults import DEFAULTS
from anagen.consent.models import Consent, ConsentKind, ConsentTemplate
from anagen.core.consent import consent_document, load_risks
from anagen.scheduling.calendar_setup import clinic_zone


def consent_get(*, clinic: Any, consent_id: object) -> Consent:
    try:
        consent: Consent = (
            Consent.objects.for_clinic(clinic)
            .select_related("patient", "plan", "witness", "withdrawn_by", "template", "clinic")
            .get(pk=consent_id)
        )
    except (Consent.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No such consent") from None
    return consent


def _latest(query: QuerySet[Consent]) -> Consent | None:
    """The latest consent of a kind counts alone: once withdrawn, an earlier one does not
    come back into force."""
    latest = query.order_by("-signed_at").defer("pdf").first()
    return None if latest is None or latest.is_withdrawn else latest


def consent_valid_for_plan(plan: Any) -> Consent | None:
    """The plan's latest treatment consent, or None when there is none or it was withdrawn."""
    return _latest(
        Consent.objects.for_clinic(plan.clinic).filter(plan=plan, kind=ConsentKind.TREATMENT)
    )


def photo_consent_current(patient: Any) -> Consent | None:
    """The patient's latest photography consent, or None when there is none or it was
    withdrawn."""
    return _latest(
        Consent.objects.for_clinic(patient.clinic).filter(
            patient=patient, kind=ConsentKind.PHOTOGRAPHY
        )
    )


def patient_consents(patient: Any) -> QuerySet[Consent]:
    """Every consent the patient signed, latest first (the PDF bytes are left unread)."""
    return (
        Consent.objects.for_clinic(patient.clinic)
        .filter(patient=patient)
        .select_related("plan", "witness", "withdrawn_by")
        .defer("pdf")
        .order_by("-signed_at")
    )


# --- Templates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateText:
    """The text a consent of this kind uses now: the latest saved version, or the default that
    becomes version 1 when it is first used."""

    kind: str
    title: str
    body: str
    version: int
    saved: ConsentTemplate | None


def template_current(clinic: Any, kind: str) -> ConsentTemplate | None:
    return template_versions(clinic, kind).first()


def template_versions(clinic: Any, kind: str) -> QuerySet[ConsentTemplate]:
    return (
        ConsentTemplate.objects.for_clinic(clinic)
        .filter(kind=kind)
        .select_related("created_by")
        .order_by("-version")
    )


def template_text(clinic: Any, kind: str) -> TemplateText:
    current = template_current(clinic, kind)
    if current is not None:
        return TemplateText(kind, current.title, current.body, current.version, current)
    title, body = DEFAULTS[kind]
    return TemplateText(kind, title, body, 1, None)


# --- The document the patient reads --------------------------------------------------------------


def clinic_today(clinic: Any) -> Any:
    return timezone.now().astimezone(clinic_zone(clinic)).date()


def consent_document_for(
    *, patient: Any, kind: str, plan: Any, text: TemplateText
) -> dict[str, Any]:
    """The consent document for this patient (and plan), dated today at the clinic; the core
    builder's InvalidDocument reaches the caller."""
    return consent_document(
        kind=kind,
        template_title=text.title,
        template_body=text.body,
        template_version=text.version,
        plan=plan.document if plan is not None else None,
        risks=load_risks() if kind == ConsentKind.TREATMENT else (),
        patient_name=f"{patient.given_name} {patient.family_name}",
        clinic_name=patient.clinic.name,
        today=clinic_today(patient.clinic),
    )
