"""The intake document (``anagen.intake/1``) for a patient: their chart, plus the examination
the clinician enters at the consultation."""

import datetime as dt
from typing import Any

from anagen.core.knowledge import Knowledge
from anagen.patients.models import Patient
from anagen.patients.selectors import allergies_current, conditions_current, medications_current


def record_allergies(patient: Patient, kb: Knowledge) -> tuple[list[str], list[str]]:
    """The chart's allergies as knowledge-base ingredient ids, and those that match none."""
    matched, unmatched = [], []
    for allergy in allergies_current(patient):
        ingredient = kb.ingredient_for_allergy(allergy.substance, allergy.atc_code)
        if ingredient:
            matched.append(ingredient)
        else:
            unmatched.append(allergy.substance)
    return sorted(set(matched)), unmatched


def intake_document(patient: Patient, exam: dict[str, Any]) -> dict[str, Any]:
    """Combine the chart (history, medicines) with the examination form's cleaned data."""
    doc: dict[str, Any] = {
        "schema": "anagen.intake/1",
        "assessed_on": _iso(exam["assessed_on"]),
        "patient": _drop_empty(
            {
                "birth_date": _iso(patient.date_of_birth),
                "sex": exam["sex"],
                "pregnancy": exam.get("pregnancy") or None,
                "postmenopausal": _tristate(exam.get("postmenopausal")),
                "reliable_contraception": _tristate(exam.get("reliable_contraception")),
                "negative_pregnancy_test_on": _iso(exam.get("negative_pregnancy_test_on")),
            }
        ),
        "hair_loss": _hair_loss(exam),
        "conditions": chart_conditions(patient),
        "medications": chart_medications(patient),
        "allergies": list(exam.get("allergies") or []),
        "labs": _drop_empty({key: exam.get(key) for key in LAB_FIELDS}),
        "clearances": list(exam.get("clearances") or []),
    }
    if exam.get("requested"):
        doc["requested"] = {"ingredients": list(exam["requested"])}
    return doc


def chart_conditions(patient: Patient) -> list[dict[str, Any]]:
    """The chart's current conditions, as the intake document lists them."""
    return [
        _drop_empty({"icd10": c.code, "onset": _iso(c.onset_date)})
        for c in conditions_current(patient)
    ]


def chart_medications(patient: Patient) -> list[dict[str, Any]]:
    """The chart's current medicines, as the intake document lists them."""
    return [
        _drop_empty({"atc": m.atc_code, "name": m.name, "stopped_on": _iso(m.stopped_on)})
        for m in medications_current(patient)
    ]


def exam_from_intake(doc: dict[str, Any]) -> dict[str, Any]:
    """The examination form's values from a signed intake (the inverse of intake_document), so
    a new consultation starts from the last one."""
    patient, hair = doc.get("patient", {}), doc.get("hair_loss", {})
    tristate = {True: "yes", False: "no"}
    exam: dict[str, Any] = {
        "pregnancy": patient.get("pregnancy", ""),
        "postmenopausal": tristate.get(patient.get("postmenopausal"), ""),
        "reliable_contraception": tristate.get(patient.get("reliable_contraception"), ""),
        "diagnosis": hair.get("diagnosis") or "",
        "onset_months_ago": hair.get("onset_months_ago"),
        "pull_test_positive_regions": hair.get("pull_test_positive_regions"),
        "trichoscopy_signs": hair.get("trichoscopy_signs", []),
        "scalp": hair.get("scalp", []),
        "allergies": doc.get("allergies", []),
        "clearances": doc.get("clearances", []),
        **doc.get("labs", {}),
    }
    stage = hair.get("stage")
    if stage:
        exam["stage_scale"] = stage["scale"]
        if stage["scale"] == "salt":
            exam.update({f"salt_{k}": v for k, v in stage["value"].items()})
        else:
            exam["stage_value"] = str(stage["value"])
    return exam


LAB_FIELDS = (
    "hba1c_percent", "ferritin_ug_per_l", "haemoglobin_g_per_dl", "platelets_10e9_per_l",
    "inr", "tsh_mu_per_l",
)  # fmt: skip
SALT_FIELDS = {"salt_top": "top", "salt_back": "back", "salt_right": "right", "salt_left": "left"}


def _hair_loss(exam: dict[str, Any]) -> dict[str, Any]:
    hair: dict[str, Any] = {
        "diagnosis": exam.get("diagnosis") or None,
        "onset_months_ago": exam.get("onset_months_ago"),
        "pull_test_positive_regions": exam.get("pull_test_positive_regions"),
        "trichoscopy_signs": list(exam.get("trichoscopy_signs") or []),
        "scalp": list(exam.get("scalp") or []),
    }
    scale = exam.get("stage_scale")
    if scale == "salt":
        hair["stage"] = {
            "scale": "salt",
            "value": {v: exam.get(k) or 0 for k, v in SALT_FIELDS.items()},
        }
    elif scale:
        hair["stage"] = {"scale": scale, "value": exam.get("stage_value") or ""}
    return {k: v for k, v in hair.items() if v is not None or k == "diagnosis"}


def _tristate(value: object) -> bool | None:
    return {"yes": True, "no": False}.get(str(value or ""))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


def form_field(document_field: str) -> str | None:
    """The examination form field that an intake error is about (None: a chart entry)."""
    if document_field.startswith("hair_loss.stage"):
        return "stage_value"
    if document_field.startswith(("conditions", "medications")):
        return None
    head, _, rest = document_field.partition(".")
    if head in ("patient", "hair_loss", "labs") and rest:
        name = rest.split(".")[0].split("[")[0]
        return "assessed_on" if name == "birth_date" else name
    return {"requested.ingredients": "requested"}.get(document_field, head.split("[")[0])
