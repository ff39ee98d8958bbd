"""Field checks shared by the web forms, the JSON API and the services (through full_clean)."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from anagen.core import codes


def _known_code(system: str, raw: str, label: str) -> None:
    try:
        code = codes.normalise(system, raw)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    if codes.load(system).get(code) is None:
        raise ValidationError(
            f"{code} is not in the bundled {label} list; pick one from the search"
        )


def validate_icd10(raw: str) -> None:
    _known_code("icd10", raw, "ICD-10")


def validate_atc(raw: str) -> None:
    _known_code("atc", raw, "ATC")


def validate_not_future(value: datetime.date) -> None:
    if value > timezone.localdate():
        raise ValidationError("This date is in the future.")


def validate_birth_date(value: datetime.date) -> None:
    validate_not_future(value)
    if value.year < 1900:
        raise ValidationError("Enter a date of birth after 1900.")
