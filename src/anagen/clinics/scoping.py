"""Clinic scoping for every model that holds patient data.

``ClinicScopedQuerySet`` refuses to run until it has been narrowed to one clinic with
``for_clinic``, so a forgotten filter is a loud error in development and tests, never another
clinic's data on screen. Related managers (``patient.conditions.all()``) count as scoped: they
hang off an object that was itself fetched through a scoped query.

Models keep a plain ``django_internal`` manager first, for Django's own unique checks; nothing in
the application may use it (tests/test_scoping.py greps for that).
"""

from typing import Any, Self

from django.db import models


class UnscopedQueryError(RuntimeError):
    pass


class ClinicScopedQuerySet(models.QuerySet[Any]):
    _clinic_scoped = False

    def for_clinic(self, clinic: Any) -> Self:
        if clinic is None:
            raise UnscopedQueryError("for_clinic() needs a clinic")
        clone = self.filter(clinic=clinic)
        clone._clinic_scoped = True
        return clone

    def _clone(self) -> Self:
        clone: Self = super()._clone()  # type: ignore[misc]
        clone._clinic_scoped = self._clinic_scoped
        return clone

    def _check_scoped(self) -> None:
        hints: dict[str, Any] = getattr(self, "_hints", {})
        if not (self._clinic_scoped or "instance" in hints):
            raise UnscopedQueryError(
                f"query on {self.model.__name__} without for_clinic(): patient data must be "
                "read through a clinic-scoped selector"
            )

    def _fetch_all(self) -> None:
        self._check_scoped()
        super()._fetch_all()

    def count(self) -> int:
        self._check_scoped()
        return super().count()

    def exists(self) -> bool:
        self._check_scoped()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._check_scoped()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._check_scoped()
        return super().update(**kwargs)

    def iterator(self, chunk_size: int | None = None) -> Any:
        self._check_scoped()
        return super().iterator(chunk_size=chunk_size)


ClinicScopedManager = models.Manager.from_queryset(ClinicScopedQuerySet)
