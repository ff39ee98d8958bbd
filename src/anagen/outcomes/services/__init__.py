"""Every write of the outcomes app. Each validates first, then saves and writes its audit entry in
one transaction; a refusal raises ValidationError naming the field and writes nothing."""

from anagen.outcomes.services.images import (
    current_analysis,
    image_calibrate,
    image_correct,
    image_open,
    image_upload,
)
from anagen.outcomes.services.measures import (
    GLOBAL_SCALE,
    NO_PHOTO_CONSENT,
    global_assessment_record,
    photo_add,
    pull_test_record,
    satisfaction_record,
    shedding_record,
)
from anagen.outcomes.services.phototrichogram import phototrichogram_create
from anagen.outcomes.services.visits import device_save, record_void, visit_create, visit_open

__all__ = [
    "GLOBAL_SCALE",
    "NO_PHOTO_CONSENT",
    "current_analysis",
    "device_save",
    "global_assessment_record",
    "image_calibrate",
    "image_correct",
    "image_open",
    "image_upload",
    "photo_add",
    "phototrichogram_create",
    "pull_test_record",
    "record_void",
    "satisfaction_record",
    "shedding_record",
    "visit_create",
    "visit_open",
]
