"""The one error a document reader raises: which field is wrong, and why."""

from __future__ import annotations

__all__ = ["InvalidDocument"]


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
