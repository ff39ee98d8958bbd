from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from anagen.api.permissions import requires
from anagen.api.schemas import (
    AllergyIn,
    ConditionIn,
    HistoryOut,
    MedicationIn,
    PatientIn,
    PatientOut,
    PatientPatch,
    PatientRecordOut,
    ReasonIn,
)
from anagen.clinics.access import can
from anagen.clinics.roles import Perm
from anagen.patients import services
from anagen.patients.models import Allergy, Condition, Medication
from anagen.patients.record import patient_history, patient_record, patient_summary
from anagen.patients.selectors import history_item_get, patient_get, patient_list
from anagen.web.request_info import actor_of

router = Router(tags=["patients"])
HISTORY = {"conditions": Condition, "medications": Medication, "allergies": Allergy}


def _patient(request: HttpRequest, patient_id: UUID) -> Any:
    return patient_get(clinic=request.clinic, patient_id=patient_id)  # type: ignore[attr-defined]


@router.get("", response=list[PatientOut])
@requires(Perm.PATIENT_VIEW)
@paginate(LimitOffsetPagination)
def list_patients(request: HttpRequest, q: str = "", archived: bool = False) -> Any:
    return patient_list(clinic=request.clinic, query=q, include_archived=archived)  # type: ignore[attr-defined]


@router.post("", response={201: PatientOut})
@requires(Perm.PATIENT_EDIT)
def create_patient(request: HttpRequest, body: PatientIn) -> Any:
    patient = services.patient_create(
        actor=actor_of(request),
        clinic=request.clinic,  # type: ignore[attr-defined]
        data=body.dict(),
    )
    return Status(201, patient_summary(patient))


# by_alias: the record's "schema" key (not "schema_"); exclude_unset: no "history" key at all
# for roles that may not see it, as in the JSON export.
@router.get("/{patient_id}", response=PatientRecordOut, by_alias=True, exclude_unset=True)
@requires(Perm.PATIENT_VIEW)
def get_patient(request: HttpRequest, patient_id: UUID) -> Any:
    """The patient; with their medical history for roles that may see it. Audited as a view."""
    patient = _patient(request, patient_id)
    services.patient_record_open(actor=actor_of(request), patient=patient)
    return patient_record(patient, include_clinical=can(request, Perm.CLINICAL_VIEW))


@router.patch("/{patient_id}", response=PatientOut)
@requires(Perm.PATIENT_EDIT)
def update_patient(request: HttpRequest, patient_id: UUID, body: PatientPatch) -> Any:
    patient = _patient(request, patient_id)
    data = body.dict(exclude_unset=True)
    nulls = [field for field, value in data.items() if value is None]
    if nulls:
        raise ValidationError({field: "This field cannot be null." for field in nulls})
    services.patient_update(actor=actor_of(request), patient=patient, data=data)
    return patient_summary(patient)


@router.post("/{patient_id}/archive", response=PatientOut)
@requires(Perm.PATIENT_ARCHIVE)
def archive_patient(request: HttpRequest, patient_id: UUID, body: ReasonIn) -> Any:
    patient = _patient(request, patient_id)
    services.patient_archive(actor=actor_of(request), patient=patient, reason=body.reason)
    return patient_summary(patient)


@router.get("/{patient_id}/history", response=HistoryOut)
@requires(Perm.CLINICAL_VIEW)
def get_history(request: HttpRequest, patient_id: UUID) -> Any:
    patient = _patient(request, patient_id)
    services.patient_record_open(actor=actor_of(request), patient=patient)
    return patient_history(patient)


@router.post("/{patient_id}/conditions", response={201: HistoryOut})
@requires(Perm.CLINICAL_EDIT)
def add_condition(request: HttpRequest, patient_id: UUID, body: ConditionIn) -> Any:
    patient = _patient(request, patient_id)
    services.condition_add(actor=actor_of(request), patient=patient, data=body.dict())
    return Status(201, patient_history(patient))


@router.post("/{patient_id}/medications", response={201: HistoryOut})
@requires(Perm.CLINICAL_EDIT)
def add_medication(request: HttpRequest, patient_id: UUID, body: MedicationIn) -> Any:
    patient = _patient(request, patient_id)
    services.medication_add(actor=actor_of(request), patient=patient, data=body.dict())
    return Status(201, patient_history(patient))


@router.post("/{patient_id}/allergies", response={201: HistoryOut})
@requires(Perm.CLINICAL_EDIT)
def add_allergy(request: HttpRequest, patient_id: UUID, body: AllergyIn) -> Any:
    patient = _patient(request, patient_id)
    services.allergy_add(actor=actor_of(request), patient=patient, data=body.dict())
    return Status(201, patient_history(patient))


@router.post("/{patient_id}/{kind}/{item_id}/void", response=HistoryOut)
@requires(Perm.CLINICAL_EDIT)
def void_history_item(
    request: HttpRequest, patient_id: UUID, kind: str, item_id: int, body: ReasonIn
) -> Any:
    if kind not in HISTORY:
        raise Http404("No such history section")
    patient = _patient(request, patient_id)
    item = history_item_get(clinic=request.clinic, model=HISTORY[kind], item_id=item_id)  # type: ignore[attr-defined]
    if item.patient_id != patient.pk:
        raise Http404("No such entry")
    services.history_item_void(actor=actor_of(request), item=item, reason=body.reason)
    return patient_history(patient)
