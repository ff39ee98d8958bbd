import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

SexAtBirth = Literal["female", "male", "intersex", "unknown"]


class PatientIn(Schema):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: datetime.date
    sex_at_birth: SexAtBirth
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=250)
    preferred_language: str = Field("en", max_length=5)


class PatientPatch(Schema):
    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    date_of_birth: datetime.date | None = None
    sex_at_birth: SexAtBirth | None = None
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=250)
    preferred_language: str | None = Field(None, max_length=5)


class PatientOut(Schema):
    id: UUID
    number: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    sex_at_birth: str
    email: str
    phone: str
    address: str
    preferred_language: str
    archived: bool
    archive_reason: str
    updated_at: datetime.datetime

    @staticmethod
    def resolve_archived(obj: Any) -> bool:
        return obj["archived"] if isinstance(obj, dict) else obj.archived_at is not None


class ConditionOut(Schema):
    id: int
    code: str
    title: str
    status: str
    onset_date: str | None
    note: str


class MedicationOut(Schema):
    id: int
    atc_code: str
    name: str
    dose: str
    started_on: str | None
    stopped_on: str | None
    note: str


class AllergyOut(Schema):
    id: int
    substance: str
    atc_code: str
    reaction: str
    severity: str
    note: str


class HistoryOut(Schema):
    conditions: list[ConditionOut]
    medications: list[MedicationOut]
    allergies: list[AllergyOut]


class PatientRecordOut(Schema):
    schema_: str = Field(alias="schema")
    patient: PatientOut
    history: HistoryOut | None = None


class ConditionIn(Schema):
    code: str = Field(min_length=1, max_length=8, description="ICD-10 code, e.g. L64.9")
    status: Literal["active", "resolved"] = "active"
    onset_date: datetime.date | None = None
    note: str = Field("", max_length=250)


class MedicationIn(Schema):
    atc_code: str = Field(min_length=1, max_length=8, description="WHO ATC code, e.g. B01AF01")
    name: str = Field("", max_length=250)
    dose: str = Field("", max_length=120)
    started_on: datetime.date | None = None
    stopped_on: datetime.date | None = None
    note: str = Field("", max_length=250)


class AllergyIn(Schema):
    substance: str = Field(min_length=1, max_length=120)
    atc_code: str = Field("", max_length=8)
    reaction: str = Field("", max_length=250)
    severity: Literal["mild", "moderate", "severe", "unknown"] = "unknown"
    note: str = Field("", max_length=250)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=250)


class CodeOut(Schema):
    code: str
    title: str


class MeOut(Schema):
    email: str
    full_name: str
    clinic: str
    role: str
    permissions: list[str]
