"""The two-visit phototrichogram: two images of the same marked (clipped) site some days apart.
Hairs that grew between them are in anagen; the others in telogen (REFERENCE.md §6.2 gives the
normal 85-90 % anagen). The registration and matching are the core's
(``anagen.core.trichoscopy.pair``)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from anagen.audit.services import Actor
from anagen.core.invalid import InvalidDocument
from anagen.core.trichoscopy.image import read_image
from anagen.core.trichoscopy.pair import PairResult, pair
from anagen.outcomes.files import read_stored
from anagen.outcomes.models import Phototrichogram, TrichoscopyImage
from anagen.outcomes.services.common import audit, locked_visit

MAX_DAYS_APART = 14  # hairs grow about 0.35 mm a day; after two weeks matching is guesswork


def _check(before: TrichoscopyImage, after: TrichoscopyImage) -> int:
    if before.clinic_id != after.clinic_id or before.visit.patient_id != after.visit.patient_id:
        raise ValidationError({"before": "Both images must be of the same patient."})
    if before.is_void or after.is_void:
        raise ValidationError({"before": "A voided image cannot be used."})
    if before.site != after.site or before.site_label != after.site_label:
        raise ValidationError({"after": "Both images must be of the same site."})
    days = (after.visit.date - before.visit.date).days
    if not 1 <= days <= MAX_DAYS_APART:
        raise ValidationError(
            {"after": f"The second image must be 1 to {MAX_DAYS_APART} days after the first."}
        )
    return days


def phototrichogram_create(
    *, actor: Actor, before: TrichoscopyImage, after: TrichoscopyImage
) -> Phototrichogram:
    """Pair two images of one site and store the anagen and telogen fractions, recorded on the
    later image's visit. The pairing runs before the transaction opens."""
    days = _check(before, after)
    first = read_image(read_stored(before.file.name), before.original_name or "before")
    second = read_image(read_stored(after.file.name), after.original_name or "after")
    scale = after.um_per_px or before.um_per_px
    try:
        result = pair(first, second, um_per_px=scale, days_apart=days)
    except InvalidDocument as error:
        field = error.field if error.field in ("before", "after") else "after"
        raise ValidationError({field: f"The second image {error.message}."}) from None
    return _save(actor, before, after, days, result)


@transaction.atomic
def _save(
    actor: Actor, before: TrichoscopyImage, after: TrichoscopyImage, days: int, result: PairResult
) -> Phototrichogram:
    visit = locked_visit(after.visit)
    record = Phototrichogram(
        clinic=visit.clinic,
        visit=visit,
        site=after.site,
        before=before,
        after=after,
        days_apart=days,
        anagen_fraction=result.anagen_fraction,
        telogen_fraction=result.telogen_fraction,
        count_before=result.count_before,
        count_after=result.count_after,
        document=result.as_json(str(before.pk), str(after.pk)),
        recorded_by=actor.user,
    )
    record.save(force_insert=True)
    audit(actor, record, "outcome.phototrichogram", ["before", "after", "document"], visit.patient)
    return record
