"""Reading outcome records; every read takes the clinic, so another clinic's record is a 404.

Lists leave out voided records, and the records of voided visits.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404

from anagen.core.trichoscopy.measure import VELLUS_UM
from anagen.outcomes.models import (
    ClinicalPhoto,
    GlobalPhotoAssessment,
    MeasurementVisit,
    Phototrichogram,
    PullTest,
    ResponseCriteria,
    SatisfactionSurvey,
    SheddingCount,
    TrichoscopeDevice,
    TrichoscopyImage,
)

NOT_FOUND = (ValidationError, ValueError, TypeError)


def _get(model: type[Model], clinic: Any, pk: object, *related: str) -> Any:
    try:
        return model.objects.for_clinic(clinic).select_related(*related).get(pk=pk)  # type: ignore[attr-defined]
    except (model.DoesNotExist, *NOT_FOUND):  # type: ignore[attr-defined]
        raise Http404(f"No such {model._meta.verbose_name}") from None


def visit_get(clinic: Any, visit_id: object) -> MeasurementVisit:
    visit: MeasurementVisit = _get(
        MeasurementVisit, clinic, visit_id, "patient", "plan", "created_by", "clinic"
    )
    return visit


def image_get(clinic: Any, image_id: object) -> TrichoscopyImage:
    image: TrichoscopyImage = _get(
        TrichoscopyImage, clinic, image_id, "visit__patient", "device", "corrected_by", "clinic"
    )
    return image


def photo_get(clinic: Any, photo_id: object) -> ClinicalPhoto:
    photo: ClinicalPhoto = _get(ClinicalPhoto, clinic, photo_id, "visit__patient", "clinic")
    return photo


def device_get(clinic: Any, device_id: object) -> TrichoscopeDevice:
    device: TrichoscopeDevice = _get(TrichoscopeDevice, clinic, device_id)
    return device


def visit_list(patient: Any) -> QuerySet[MeasurementVisit]:
    """The patient's visits that stand, latest first."""
    return (
        MeasurementVisit.objects.for_clinic(patient.clinic)
        .filter(patient=patient, voided_at__isnull=True)
        .select_related("plan", "created_by")
        .order_by("-date", "-created_at")
    )


def visit_summaries(patient: Any) -> QuerySet[MeasurementVisit]:
    """The patient's visits with how many images, photos and other measurements each holds."""
    standing = {
        "image_count": ("trichoscopy_images", "trichoscopy_images__voided_at"),
        "photo_count": ("photos", "photos__voided_at"),
        "pull_count": ("pull_tests", "pull_tests__voided_at"),
    }
    counts = {
        name: Count(relation, filter=Q(**{f"{voided}__isnull": True}), distinct=True)
        for name, (relation, voided) in standing.items()
    }
    return visit_list(patient).annotate(**counts)


def _of_visit(model: type[Model], visit: MeasurementVisit) -> QuerySet[Any]:
    return model.objects.for_clinic(visit.clinic).filter(visit=visit, voided_at__isnull=True)  # type: ignore[attr-defined,no-any-return]


def visit_images(visit: MeasurementVisit) -> QuerySet[TrichoscopyImage]:
    return (
        _of_visit(TrichoscopyImage, visit).select_related("device").order_by("site", "uploaded_at")
    )


def visit_photos(visit: MeasurementVisit) -> QuerySet[ClinicalPhoto]:
    return _of_visit(ClinicalPhoto, visit).select_related("taken_by").order_by("view", "taken_at")


def visit_pull_tests(visit: MeasurementVisit) -> QuerySet[PullTest]:
    return _of_visit(PullTest, visit).order_by("recorded_at")


def visit_shedding(visit: MeasurementVisit) -> QuerySet[SheddingCount]:
    return _of_visit(SheddingCount, visit).order_by("recorded_at")


def visit_satisfaction(visit: MeasurementVisit) -> SatisfactionSurvey | None:
    """The latest questionnaire of the visit; an earlier one was superseded."""
    latest: SatisfactionSurvey | None = (
        _of_visit(SatisfactionSurvey, visit).order_by("-recorded_at").first()
    )
    return latest


def visit_global_assessment(visit: MeasurementVisit) -> GlobalPhotoAssessment | None:
    """The latest global assessment of the visit."""
    latest: GlobalPhotoAssessment | None = (
        _of_visit(GlobalPhotoAssessment, visit)
        .select_related("compared_with", "assessed_by")
        .order_by("-assessed_at")
        .first()
    )
    return latest


def visit_phototrichograms(visit: MeasurementVisit) -> QuerySet[Phototrichogram]:
    return _of_visit(Phototrichogram, visit).select_related("before__visit", "after__visit")


def patient_images(patient: Any, site: str | None = None) -> QuerySet[TrichoscopyImage]:
    """Every standing image of the patient (of one site when given), oldest visit first."""
    images = TrichoscopyImage.objects.for_clinic(patient.clinic).filter(
        visit__patient=patient, voided_at__isnull=True, visit__voided_at__isnull=True
    )
    if site:
        images = images.filter(site=site)
    return images.select_related("visit").order_by("visit__date", "uploaded_at")


def patient_photos(patient: Any, view: str) -> QuerySet[ClinicalPhoto]:
    """The patient's standing photos of one view, oldest visit first."""
    return (
        ClinicalPhoto.objects.for_clinic(patient.clinic)
        .filter(
            visit__patient=patient, view=view, voided_at__isnull=True, visit__voided_at__isnull=True
        )
        .select_related("visit")
        .order_by("visit__date", "taken_at")
    )


def devices(clinic: Any, active_only: bool = True) -> QuerySet[TrichoscopeDevice]:
    found = TrichoscopeDevice.objects.for_clinic(clinic)
    return found.filter(active=True) if active_only else found


def default_device(clinic: Any) -> TrichoscopeDevice | None:
    device: TrichoscopeDevice | None = devices(clinic).filter(is_default=True).first()
    return device


def clinic_vellus_um(clinic: Any) -> float:
    """The clinic's vellus threshold in µm: ``vellus_um`` of its response criteria document when
    it sets one, else the default (< 30 µm)."""
    criteria = ResponseCriteria.objects.for_clinic(clinic).first()
    value = (criteria.document or {}).get("vellus_um") if criteria else None
    return float(value) if isinstance(value, int | float) and value > 0 else VELLUS_UM
