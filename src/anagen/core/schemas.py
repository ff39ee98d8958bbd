"""JSON Schemas (draft 2020-12) of the documents that cross Anagen's boundary.

They are built from the same constants and knowledge base that the readers use, so the
published schema and the checks cannot drift apart. The readers in ``intake.py`` remain the
authority (they also check what a schema cannot: dates after ``assessed_on``, ICD-10 and ATC
syntax, ingredient ids); the schemas are for other tools.
"""

from __future__ import annotations

from typing import Any

from anagen.core.intake import (
    CLEARANCES,
    INTAKE_SCHEMA,
    LABS,
    PREGNANCY,
    SCALP,
    SEXES,
    TRICHOSCOPY_SIGNS,
)
from anagen.core.knowledge import Knowledge
from anagen.core.planning import PLAN_SCHEMA
from anagen.core.scheduling import RESULT_SCHEMA, SOLVERS
from anagen.core.scheduling_scenario import (
    MAX_DAYS,
    MINUTES_PER_DAY,
    SCENARIO_SCHEMA,
    SLOT_MINUTES,
    WEEKDAYS,
)
from anagen.core.screening import SCREENING_SCHEMA, SEVERITIES, TOPICS, VERDICTS

__all__ = ["SCHEMA_NAMES", "schema"]

SCHEMA_NAMES = ("intake", "screening", "plan", "schedule-scenario", "schedule-result")
_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_ICD10 = {"type": "string", "pattern": r"^[A-Za-z]\d{2}(\.?\d{1,2})?$"}
_ATC = {"type": "string", "pattern": r"^[A-Za-z](\d{2}([A-Za-z]([A-Za-z](\d{2})?)?)?)?$"}
_TIME = {"type": "string", "pattern": r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"}
_DATETIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$"}
_ID = {"type": "string", "minLength": 1, "pattern": r"\S"}


def schema(name: str, kb: Knowledge) -> dict[str, Any]:
    """The JSON Schema called ``name`` (one of SCHEMA_NAMES)."""
    builders = {
        "intake": _intake,
        "screening": _screening,
        "plan": _plan,
        "schedule-scenario": _schedule_scenario,
        "schedule-result": _schedule_result,
    }
    if name not in builders:
        raise ValueError(f"no schema {name!r}; allowed: {', '.join(SCHEMA_NAMES)}")
    return builders[name](kb)


def _closed(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _enum_list(values: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"type": "array", "items": {"enum": list(values)}, "uniqueItems": True}


def _intake(kb: Knowledge) -> dict[str, Any]:
    ingredients = sorted(kb.ingredients)
    number = {"type": "number", "minimum": 0}
    return {
        "$schema": _DRAFT,
        "$id": "https://anagen.example/schemas/intake-1.json",
        "title": INTAKE_SCHEMA,
        **_closed(
            {
                "schema": {"const": INTAKE_SCHEMA},
                "assessed_on": _DATE,
                "patient": _patient(),
                "hair_loss": _hair_loss(kb),
                "conditions": {
                    "type": "array",
                    "items": _closed({"icd10": _ICD10, "onset": _DATE}, ("icd10",)),
                },
                "medications": {
                    "type": "array",
                    "items": _closed(
                        {"atc": _ATC, "name": {"type": "string"}, "stopped_on": _DATE}, ("atc",)
                    ),
                },
                "allergies": _enum_list(ingredients),
                "labs": _closed({key: number for key in LABS}),
                "requested": _closed(
                    {"ingredients": {**_enum_list(ingredients), "minItems": 1}}, ("ingredients",)
                ),
                "clearances": _enum_list(CLEARANCES),
            },
            ("schema", "assessed_on", "patient"),
        ),
    }


def _patient() -> dict[str, Any]:
    return _closed(
        {
            "birth_date": _DATE,
            "sex": {"enum": list(SEXES)},
            "pregnancy": {"enum": [*PREGNANCY, None]},
            "postmenopausal": {"type": ["boolean", "null"]},
            "reliable_contraception": {"type": ["boolean", "null"]},
            "negative_pregnancy_test_on": {"anyOf": [_DATE, {"type": "null"}]},
        },
        ("birth_date", "sex"),
    )


def _hair_loss(kb: Knowledge) -> dict[str, Any]:
    percent = {"type": "number", "minimum": 0, "maximum": 100}
    salt = _closed(
        {k: percent for k in ("top", "back", "right", "left")}, ("top", "back", "right", "left")
    )
    stages = [
        _closed(
            {"scale": {"const": scale}, "value": {"enum": list(kb.scales.stages(scale))}},
            ("scale", "value"),
        )
        for scale in ("norwood", "ludwig", "savin")
    ]
    sinclair_values = [
        *kb.scales.stages("sinclair"),
        *(int(v) for v in kb.scales.stages("sinclair")),
    ]
    stages.append(
        _closed(
            {"scale": {"const": "sinclair"}, "value": {"enum": sinclair_values}}, ("scale", "value")
        )
    )
    stages.append(_closed({"scale": {"const": "salt"}, "value": salt}, ("scale", "value")))
    return _closed(
        {
            "diagnosis": {"anyOf": [_ICD10, {"type": "null"}]},
            "onset_months_ago": {"type": "integer", "minimum": 0},
            "stage": {"anyOf": [*stages, {"type": "null"}]},
            "pull_test_positive_regions": {"type": "integer", "minimum": 0, "maximum": 4},
            "trichoscopy_signs": _enum_list(TRICHOSCOPY_SIGNS),
            "scalp": _enum_list(SCALP),
            "rakowska": {"type": "object"},
        }
    )


def _finding() -> dict[str, Any]:
    strings = {"type": "array", "items": {"type": "string"}}
    return {
        "type": "object",
        "required": [
            "rule",
            "topic",
            "severity",
            "message",
            "excluded_ingredients",
            "sources",
            "disagreement",
        ],
        "properties": {
            "rule": {"type": "string"},
            "topic": {"enum": list(TOPICS)},
            "severity": {"enum": list(SEVERITIES)},
            "message": {"type": "string"},
            "excluded_ingredients": strings,
            "sources": strings,
            "disagreement": {"type": "string"},
        },
    }


def _screening(kb: Knowledge) -> dict[str, Any]:
    strings = {"type": "array", "items": {"type": "string"}}
    return {
        "$schema": _DRAFT,
        "$id": "https://anagen.example/schemas/screening-1.json",
        "title": SCREENING_SCHEMA,
        "type": "object",
        "required": [
            "schema",
            "verdict",
            "findings",
            "excluded_ingredients",
            "missing",
            "knowledge_version",
        ],
        "properties": {
            "schema": {"const": SCREENING_SCHEMA},
            "verdict": {"enum": list(VERDICTS)},
            "findings": {"type": "array", "items": _finding()},
            "excluded_ingredients": {"type": "array", "items": {"enum": sorted(kb.ingredients)}},
            "missing": strings,
            "knowledge_version": {"type": "string"},
        },
    }


def _plan(kb: Knowledge) -> dict[str, Any]:
    session = {
        "type": "object",
        "required": ["number", "date", "earliest", "latest", "phase"],
        "properties": {
            "number": {"type": "integer", "minimum": 1},
            "date": _DATE,
            "earliest": _DATE,
            "latest": _DATE,
            "phase": {"type": "string"},
        },
    }
    nullable_object = {"type": ["object", "null"]}
    return {
        "$schema": _DRAFT,
        "$id": "https://anagen.example/schemas/plan-1.json",
        "title": PLAN_SCHEMA,
        "type": "object",
        "required": [
            "schema",
            "screening",
            "protocol",
            "ingredients",
            "sessions",
            "review",
            "maintenance",
            "aftercare",
            "notes",
            "cost",
        ],
        "properties": {
            "schema": {"const": PLAN_SCHEMA},
            "screening": _screening_body(kb),
            "protocol": nullable_object,
            "ingredients": {
                "type": "array",
                "items": {"type": "object", "required": ["id", "concentration"]},
            },
            "sessions": {"type": "array", "items": session},
            "review": nullable_object,
            "maintenance": nullable_object,
            "aftercare": {
                "type": "array",
                "items": {"type": "object", "required": ["session", "item", "until", "text"]},
            },
            "notes": {"type": "array", "items": {"type": "string"}},
            "cost": {
                "type": "object",
                "required": ["currency", "total"],
                "properties": {
                    "currency": {"type": ["string", "null"]},
                    "total": {"type": ["number", "null"]},
                },
            },
        },
    }


def _screening_body(kb: Knowledge) -> dict[str, Any]:
    body = _screening(kb)
    return {k: v for k, v in body.items() if k not in ("$schema", "$id")}


# --- Scheduling (contract C5) ----------------------------------------------------------------


def _schedule_scenario(_: Knowledge) -> dict[str, Any]:
    days = {"type": "integer", "minimum": 0, "maximum": MAX_DAYS}
    window = _closed({"earliest": _DATE, "latest": _DATE}, ("earliest", "latest"))
    ids = {"type": "array", "items": _ID, "minItems": 1}
    practitioner = _closed(
        {"id": _ID, "weekly": _weekly(), "absent": {"type": "array", "items": _DATE}},
        ("id", "weekly"),
    )
    busy = {
        **_closed(
            {
                "practitioner": _ID,
                "room": _ID,
                "patient": _ID,
                "start": _DATETIME,
                "minutes": {"type": "integer", "minimum": 1},
            },
            ("start", "minutes"),
        ),
        "oneOf": [{"required": [kind]} for kind in ("practitioner", "room", "patient")],
    }
    course = _closed(
        {
            "id": _ID,
            "patient": _ID,
            "minutes": {"type": "integer", "minimum": 1, "maximum": MINUTES_PER_DAY},
            "first": window,
            "gaps": {
                "type": "array",
                "items": _closed(
                    {"min": days, "target": days, "max": days}, ("min", "target", "max")
                ),
            },
            "practitioners": ids,
            "patient_weekly": _weekly(),
            "windows": {"type": "array", "items": window, "minItems": 1},
        },
        ("id", "patient", "minutes", "first"),
    )
    return {
        "$schema": _DRAFT,
        "$id": "https://anagen.example/schemas/schedule-scenario-1.json",
        "title": SCENARIO_SCHEMA,
        **_closed(
            {
                "schema": {"const": SCENARIO_SCHEMA},
                "start": _DATE,
                "days": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
                "slot_minutes": {"enum": list(SLOT_MINUTES)},
                "practitioners": {"type": "array", "items": practitioner, "minItems": 1},
                "rooms": {"type": "array", "items": _closed({"id": _ID}, ("id",)), "minItems": 1},
                "busy": {"type": "array", "items": busy},
                "courses": {"type": "array", "items": course},
            },
            ("schema", "start", "days", "slot_minutes", "practitioners", "rooms", "courses"),
        ),
    }


def _weekly() -> dict[str, Any]:
    block = {"type": "array", "prefixItems": [_TIME, _TIME], "minItems": 2, "items": False}
    return _closed({day: {"type": "array", "items": block} for day in WEEKDAYS})


def _schedule_result(_: Knowledge) -> dict[str, Any]:
    session = {
        "type": "object",
        "required": ["course", "number", "start", "practitioner", "room"],
        "properties": {
            "course": {"type": "string"},
            "number": {"type": "integer", "minimum": 1},
            "start": _DATETIME,
            "end": _DATETIME,
            "practitioner": {"type": "string"},
            "room": {"type": "string"},
        },
    }
    unscheduled = {
        "type": "object",
        "required": ["course", "reason"],
        "properties": {"course": {"type": "string"}, "reason": {"type": "string"}},
    }
    count = {"type": "integer", "minimum": 0}
    number = {"type": "number", "minimum": 0}
    stats = {
        "type": "object",
        "required": ["courses_scheduled", "gap_deviation_days", "seconds"],
        "properties": {
            "courses_scheduled": count,
            "gap_deviation_days": count,
            "seconds": number,
            "solver": {"enum": list(SOLVERS)},
            "status": {"enum": ["optimal", "feasible", "greedy"]},
            "courses": count,
            "sessions": count,
            "mean_gap_deviation_days": number,
            "mean_distinct_practitioners": number,
            "steps": count,
        },
    }
    return {
        "$schema": _DRAFT,
        "$id": "https://anagen.example/schemas/schedule-result-1.json",
        "title": RESULT_SCHEMA,
        "type": "object",
        "required": ["schema", "sessions", "unscheduled", "stats"],
        "properties": {
            "schema": {"const": RESULT_SCHEMA},
            "sessions": {"type": "array", "items": session},
            "unscheduled": {"type": "array", "items": unscheduled},
            "stats": stats,
        },
    }
