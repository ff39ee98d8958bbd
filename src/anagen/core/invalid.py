"""The one error a document reader raises (which field is wrong, and why), and the field readers
the document readers share (intake, scheduling scenario)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

__all__ = ["InvalidDocument", "read_date", "read_list", "read_object"]

_T = TypeVar("_T")


class InvalidDocument(ValueError):
    """A document (intake, price list, policy) that cannot be read as given.

    ``field`` is a dotted path into the document (``"hair_loss.stage.value"``,
    ``"medications[2].atc"``); the message says what was wrong and, where the
    field takes one of a fixed set of values, lists them.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def read_object(
    value: object, field: str, allowed: Sequence[str], *, required: Sequence[str]
) -> Mapping[str, Any]:
    """A closed JSON object: only ``allowed`` keys, every ``required`` one present and not null."""
    if not isinstance(value, Mapping):
        raise InvalidDocument(field, "must be an object")
    for key in value:
        if key not in allowed:
            where = f"{field}.{key}" if field else str(key)
            raise InvalidDocument(where, f"unknown key; allowed: {', '.join(allowed)}")
    for key in required:
        if key not in value or value[key] is None:
            raise InvalidDocument(f"{field}.{key}" if field else key, "is required")
    return value


def read_list(value: object, field: str, read: Callable[[Any, str], _T]) -> tuple[_T, ...]:
    """A JSON list, each item read by ``read`` with its index in the field name."""
    if not isinstance(value, list):
        raise InvalidDocument(field, "must be a list")
    return tuple(read(item, f"{field}[{i}]") for i, item in enumerate(value))


def read_date(value: object, field: str) -> dt.date:
    """A calendar date written exactly YYYY-MM-DD."""
    if not isinstance(value, str):
        raise InvalidDocument(field, "must be a date written YYYY-MM-DD")
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or len(value) != len("YYYY-MM-DD"):
        raise InvalidDocument(field, f"{value!r} is not a date (YYYY-MM-DD)")
    return parsed
