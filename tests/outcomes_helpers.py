"""Shared pieces of the outcomes tests: small synthetic trichoscopy images with known truth
(anagen.core.trichoscopy.synthetic), a visit, a photography consent, and what a refused write
must leave untouched."""

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile

from anagen.audit.services import Actor
from anagen.consent.services import consent_sign
from anagen.core.trichoscopy import synthetic
from anagen.outcomes import services
from anagen.outcomes.models import (
    ClinicalPhoto,
    MeasurementVisit,
    PullTest,
    TrichoscopyImage,
)
from tests.conftest import audit_count

UM_PER_PX = 5.0  # the synthetic fields below: 400x320 px at 5 µm per pixel (2 x 1.6 mm)


@cache
def field_png(seed: int = 1) -> bytes:
    """A 400x320 trichoscopy-like field of long (unclipped) hairs, as PNG bytes."""
    drawn = synthetic.field(
        seed, 350, 65, 0.1, um_per_px=UM_PER_PX, width=400, height=320, header=False,
        clipped=False,
    )  # fmt: skip
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(drawn.image[:, :, ::-1]))
    assert ok
    return encoded.tobytes()


def upload(seed: int = 1, name: str = "field.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, field_png(seed), content_type="image/png")


def write_field(path: Path, seed: int = 1) -> Path:
    path.write_bytes(field_png(seed))
    return path


def visit_for(patient: Any, user: Any, days_ago: int = 0, kind: str = "baseline") -> Any:
    return services.visit_create(
        actor=Actor(user=user),
        patient=patient,
        date=dt.date.today() - dt.timedelta(days=days_ago),
        kind=kind,
    )


def photo_consent(patient: Any, user: Any) -> Any:
    return consent_sign(
        actor=Actor(user=user),
        patient=patient,
        kind="photography",
        signer_name=f"{patient.given_name} {patient.family_name}",
        signature_svg="",
        ticked=True,
    )


def written(clinic: Any, media: Path) -> tuple[Any, ...]:
    """Everything a refused write must leave as it was."""
    rows = [audit_count(), sorted(str(p) for p in media.rglob("*") if p.is_file())]
    for model in (MeasurementVisit, TrichoscopyImage, ClinicalPhoto, PullTest):
        rows.append(list(model.objects.for_clinic(clinic).order_by("pk").values()))
    return tuple(rows)
