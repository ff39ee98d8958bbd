"""Trichoscopy images: upload and automatic analysis, the clinician's corrections, a later
calibration, and the two-visit phototrichogram.

The image is analysed before the transaction opens (it takes up to a second), so the database is
locked only while the row and its audit entry are written. The automatic analysis (the C4
document) is kept as it was; the corrections change the current hair list and the measures
computed from it.
"""

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from anagen.audit.services import Actor
from anagen.core.trichoscopy.detect import analyze
from anagen.core.trichoscopy.measure import Analysis, Hair
from anagen.outcomes.files import Upload, read_upload, store
from anagen.outcomes.models import MeasurementVisit, Site, TrichoscopeDevice, TrichoscopyImage
from anagen.outcomes.selectors import clinic_vellus_um, default_device
from anagen.outcomes.services.common import audit, choice, locked_visit, number
from anagen.outcomes.services.visits import MAX_UM_PER_PX

# A hair the clinician adds has no measured shaft: it is drawn with the median size of the
# detected hairs (or this width when none was detected), and left out of diameter measures.
ADDED_WIDTH_PX = 20.0
ADDED_LENGTH_PX = 80.0
MAX_CORRECTIONS = 2000
MEASURES = ("hair_count", "density_per_cm2", "mean_diameter_um", "vellus_fraction", "thin_fraction")


def _site(site: str, site_label: str) -> tuple[str, str]:
    site = choice(site, "site", Site)
    label = (site_label or "").strip()
    if site == Site.OTHER and not label:
        raise ValidationError({"site_label": "Name the site."})
    if len(label) > 80:
        raise ValidationError({"site_label": "Keep the site name under 80 characters."})
    return site, label


def _calibration(
    clinic: Any, um_per_px: object, device: TrichoscopeDevice | None
) -> tuple[float | None, TrichoscopeDevice | None]:
    """The µm per pixel to measure with: the one typed, else the device's, else the clinic's
    default device's, else none (counts only)."""
    if device is not None and (device.clinic_id != clinic.pk or not device.active):
        raise ValidationError({"device": "Choose one of the clinic's devices."})
    if um_per_px not in (None, ""):
        scale = number(um_per_px, "um_per_px", low=0.01, high=MAX_UM_PER_PX, what="µm per pixel")
        return scale, device
    device = device or default_device(clinic)
    return (device.um_per_px if device else None), device


def image_upload(
    *,
    actor: Actor,
    visit: MeasurementVisit,
    file: Any,
    site: str,
    site_label: str = "",
    um_per_px: object = None,
    device: TrichoscopeDevice | None = None,
) -> TrichoscopyImage:
    """Store a trichoscopy image of ``site`` and analyse it. An unreadable file is refused on
    ``file``; the same image twice in one visit is refused."""
    site, label = _site(site, site_label)
    scale, device = _calibration(visit.clinic, um_per_px, device)
    upload = read_upload(file)
    analysis = analyze(upload.pixels, um_per_px=scale, vellus_um=clinic_vellus_um(visit.clinic))
    return _image_save(actor, visit, upload, analysis, site=site, label=label, device=device)


@transaction.atomic
def _image_save(
    actor: Actor,
    visit: MeasurementVisit,
    upload: Upload,
    analysis: Analysis,
    *,
    site: str,
    label: str,
    device: TrichoscopeDevice | None,
) -> TrichoscopyImage:
    visit = locked_visit(visit)
    twin = TrichoscopyImage.objects.for_clinic(visit.clinic).filter(
        visit=visit, sha256=upload.sha256, voided_at__isnull=True
    )
    if twin.exists():
        raise ValidationError({"file": f"{upload.name} is already in this visit."})
    document = analysis.as_json(upload.name)
    image = TrichoscopyImage(
        clinic=visit.clinic,
        visit=visit,
        site=site,
        site_label=label,
        file=store(visit.clinic, "trichoscopy", upload),
        original_name=upload.name,
        sha256=upload.sha256,
        width=upload.width,
        height=upload.height,
        device=device,
        um_per_px=analysis.um_per_px,
        analysis=document,
        hairs=document["hairs"],
        detected_count=analysis.hair_count,
        uploaded_by=actor.user,
    )
    _measure(image, analysis)
    try:
        with transaction.atomic():
            image.save(force_insert=True)
    except IntegrityError:  # the same image, uploaded twice at once
        raise ValidationError({"file": f"{upload.name} is already in this visit."}) from None
    audit(
        actor, image, "outcome.image_upload", ["file", "site", "analysis", *MEASURES], visit.patient
    )
    return image


def _measure(image: TrichoscopyImage, analysis: Analysis) -> None:
    """Set the image's measures from ``analysis`` (its current, corrected hairs): the count and
    density over every hair, the diameters over the hairs whose width was measured."""
    measured = analysis.with_hairs(
        [h for h, j in zip(analysis.hairs, image.hairs, strict=True) if not j.get("added")]
    )
    image.hair_count = analysis.hair_count
    image.density_per_cm2 = analysis.density_per_cm2
    image.mean_diameter_um = measured.mean_diameter_um
    image.vellus_fraction = measured.vellus_fraction
    image.thin_fraction = measured.thin_fraction


def _hair(item: Mapping[str, Any]) -> Hair:
    return Hair(
        float(item["x"]),
        float(item["y"]),
        float(item["length_px"]),
        float(item["width_px"]),
        float(item.get("angle_deg", 0.0)),
    )


def current_analysis(image: TrichoscopyImage) -> Analysis:
    """The field as the analyser saw it, with the current hairs and calibration."""
    document = image.analysis
    return Analysis(
        width=image.width,
        height=image.height,
        hairs=tuple(_hair(item) for item in image.hairs),
        field_px=int(document.get("field_px") or image.width * image.height),
        um_per_px=image.um_per_px,
        vellus_um=float(document.get("vellus_um") or clinic_vellus_um(image.clinic)),
    )


def _locked_image(image: TrichoscopyImage) -> TrichoscopyImage:
    locked: TrichoscopyImage = (
        TrichoscopyImage.objects.for_clinic(image.clinic)
        .select_for_update()
        .select_related("visit__patient", "clinic")
        .get(pk=image.pk)
    )
    if locked.is_void:
        raise ValidationError({"image": "This image was voided."})
    locked_visit(locked.visit)
    return locked


def _removals(remove: object, count: int) -> set[int]:
    if not isinstance(remove, list | tuple) or len(remove) > MAX_CORRECTIONS:
        raise ValidationError({"remove": "Give the numbers of the hairs to remove as a list."})
    indices: set[int] = set()
    for value in remove:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
            raise ValidationError({"remove": f"There is no hair number {value!r} on this image."})
        if value in indices:
            raise ValidationError({"remove": f"Hair number {value} is listed twice."})
        indices.add(value)
    return indices


def _additions(add: object, image: TrichoscopyImage) -> list[dict[str, Any]]:
    if not isinstance(add, list | tuple) or len(add) > MAX_CORRECTIONS:
        raise ValidationError({"add": "Give the hairs to add as a list of points."})
    length, width = _added_size(image)
    added = []
    for point in add:
        if not isinstance(point, Mapping) or set(point) - {"x", "y"}:
            raise ValidationError({"add": "Each hair to add is a point: {x, y} in pixels."})
        x = number(point.get("x"), "add", low=0, high=image.width, what="x in pixels")
        y = number(point.get("y"), "add", low=0, high=image.height, what="y in pixels")
        hair = Hair(x, y, length, width).as_json()
        added.append(hair | {"added": True})
    return added


def _added_size(image: TrichoscopyImage) -> tuple[float, float]:
    detected = image.analysis.get("hairs") or []
    if not detected:
        return ADDED_LENGTH_PX, ADDED_WIDTH_PX
    length = statistics.median(float(h["length_px"]) for h in detected)
    width = statistics.median(float(h["width_px"]) for h in detected)
    return length, width


@transaction.atomic
def image_correct(
    *,
    actor: Actor,
    image: TrichoscopyImage,
    add: Sequence[Mapping[str, Any]] = (),
    remove: Sequence[int] = (),
    version: int | None = None,
) -> TrichoscopyImage:
    """The clinician's corrections: remove the hairs at these indices of the current list and add
    hairs at these points. With nothing to change it records that the clinician checked the
    detections. ``version`` (the ``hairs_version`` the clinician saw) refuses corrections made
    to a list someone else changed meanwhile, since indices would point at other hairs."""
    image = _locked_image(image)
    if version is not None and version != image.hairs_version:
        raise ValidationError(
            {"version": "Someone corrected this image since you opened it. Reload the page and "
             "make your corrections again."}
        )  # fmt: skip
    removed = _removals(list(remove), len(image.hairs))
    kept = [hair for i, hair in enumerate(image.hairs) if i not in removed]
    image.hairs = kept + _additions(list(add), image)
    _measure(image, current_analysis(image))
    image.hairs_version += 1
    image.corrected_by, image.corrected_at = actor.user, timezone.now()
    image.save()
    audit(actor, image, "outcome.image_correct", ["hairs", *MEASURES], image.visit.patient)
    return image


@transaction.atomic
def image_calibrate(
    *, actor: Actor, image: TrichoscopyImage, um_per_px: object
) -> TrichoscopyImage:
    """Set the image's µm per pixel and measure its current hairs with it."""
    image = _locked_image(image)
    image.um_per_px = number(
        um_per_px, "um_per_px", low=0.01, high=MAX_UM_PER_PX, what="µm per pixel"
    )
    _measure(image, current_analysis(image))
    image.save()
    audit(actor, image, "outcome.image_calibrate", ["um_per_px", *MEASURES], image.visit.patient)
    return image


@transaction.atomic
def image_open(*, actor: Actor, image: TrichoscopyImage) -> TrichoscopyImage:
    """Log that someone opened an image and its analysis."""
    audit(actor, image, "outcome.image_view", [], image.visit.patient)
    return image
