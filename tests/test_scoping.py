"""Clinic scoping: patient data can only be queried through a clinic."""

import re
from pathlib import Path

import pytest

from anagen.clinics.scoping import UnscopedQueryError
from anagen.patients.models import Allergy, Condition, Medication, Patient
from anagen.patients.selectors import patient_get, patient_list

SRC = Path(__file__).resolve().parents[1] / "src" / "anagen"


@pytest.mark.parametrize("model", [Patient, Condition, Medication, Allergy])
def test_an_unscoped_query_of_patient_data_fails_loudly(three, model):
    for query in (
        lambda: list(model.objects.all()),
        lambda: model.objects.count(),
        lambda: model.objects.exists(),
        lambda: model.objects.filter(pk=1).first(),
        lambda: model.objects.update(),
    ):
        with pytest.raises(UnscopedQueryError):
            query()


def test_a_scoped_query_sees_only_its_clinic(three):
    assert list(Patient.objects.for_clinic(three.clinic_a)) == [three.a_patient]
    assert list(patient_list(clinic=three.clinic_b)) == [three.b_patient]


def test_scoping_survives_chaining(three):
    scoped = Patient.objects.for_clinic(three.clinic_a).filter(given_name="Ada").order_by("pk")
    assert scoped.count() == 1


def test_related_history_of_a_scoped_patient_can_be_read(three):
    patient = patient_get(clinic=three.clinic_a, patient_id=three.a_patient.pk)
    assert [c.code for c in patient.conditions.all()] == ["L64.9"]


def test_another_clinics_patient_is_not_found(three):
    from django.http import Http404

    with pytest.raises(Http404):
        patient_get(clinic=three.clinic_b, patient_id=three.a_patient.pk)


def test_for_clinic_refuses_none(three):
    with pytest.raises(UnscopedQueryError):
        Patient.objects.for_clinic(None)


def test_application_code_never_uses_the_unscoped_manager():
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts and re.search(r"\.django_internal\b", path.read_text())
    ]
    assert offenders == []
