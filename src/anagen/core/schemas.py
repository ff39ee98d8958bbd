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
from anagen.core.screening import SCREENING_SCHEMA, SEVERITIES, TOPICS, VERDICTS

__all__ = ["SCHEMA_NAMES", "schema"]

SCHEMA_NAMES = ("intake", "screening", "plan")
_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_ICD10 = {"type": "string", "pattern": r"^[A-Za-z]\d{2}(\.?\d{1,2})?$"}
_ATC = {"type": "string", "pattern": r"^[A-Za-z](\d{2}([A-Za-z]([A-Za-z](\d{2})?)?)?)?$"}


def schema(name: str, kb: Knowledge) -> dict[str, Any]:
    """The JSON Schema called ``name`` (one of SCHEMA_NAMES)."""
    builders = {"intake": _intake, "screening": _screening, "plan": _plan}
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
