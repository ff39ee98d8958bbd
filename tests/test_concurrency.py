"""Invariants that must hold when two requests race."""

import threading

import pytest
from django.db import connection

from anagen.patients.models import Patient
from tests.conftest import make_patient


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a server database: the in-memory SQLite test database is one shared connection",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_patient_numbers(three):
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def register(i: int) -> None:
        try:
            barrier.wait()
            make_patient(three.clinic_a, three.a_clinician, given_name=f"Racer{i}")
        except Exception as error:  # noqa: BLE001 - a thread cannot raise to the test; collect it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = list(Patient.objects.for_clinic(three.clinic_a).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 5
