"""Shared fixtures. Every view and API test file uses the three-user fixture: a clinician and a
receptionist at clinic A, and a clinician at clinic B who must never see A's data."""

import datetime
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from django.db import transaction
from django.test import Client, override_settings

from anagen.accounts.models import User
from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor
from anagen.clinics.models import Clinic, Membership
from anagen.clinics.roles import Role
from anagen.patients import services
from anagen.patients.models import Patient
from anagen.project import settings as project_settings

PASSWORD = "correct horse battery staple"
# Argon2 as configured costs about 0.1 s and 100 MB a hash, and `three` hashes four passwords;
# tests hash with MD5 unless they check how passwords are stored (mark production_hashers).
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "production_hashers: hash passwords as the project's settings say (Argon2)"
    )


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> Iterator[None]:
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture(autouse=True)
def hashers_as_marked(request: pytest.FixtureRequest) -> Iterator[None]:
    """Autouse, so it runs before `three` makes its users."""
    if request.node.get_closest_marker("production_hashers") is None:
        yield
        return
    with override_settings(PASSWORD_HASHERS=project_settings.PASSWORD_HASHERS):
        yield


def make_user(clinic: Clinic, role: str, email: str, name: str = "") -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=name or email.split("@")[0])
    Membership.objects.create(user=user, clinic=clinic, role=role)
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def tool_missing(message: str) -> None:
    """A test needs an outside tool this machine lacks: skip it here, but fail under CI, where
    .ci/run installs every tool, so a missing one can never pass silently as a skip."""
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@dataclass
class ThreeUsers:
    clinic_a: Clinic
    clinic_b: Clinic
    a_clinician: User
    a_reception: User
    b_clinician: User
    a_admin: User
    a_patient: Patient
    b_patient: Patient

    def client(self, user: User) -> Client:
        return client_for(user)


def make_patient(clinic: Clinic, actor: User, **overrides: Any) -> Patient:
    data = {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": datetime.date(1985, 12, 10),
        "sex_at_birth": "female",
        "email": "ada@example.net",
        "phone": "+44 7700 900123",
        "preferred_language": "en",
    } | overrides
    return services.patient_create(actor=Actor(user=actor), clinic=clinic, data=data)


def build_three() -> ThreeUsers:
    """Two clinics, the three users (plus clinic A's admin) and a patient in each clinic."""
    clinic_a = Clinic.objects.create(name="Clinic A", slug="clinic-a")
    clinic_b = Clinic.objects.create(name="Clinic B", slug="clinic-b")
    a_clinician = make_user(clinic_a, Role.CLINICIAN, "clin.a@example.org", "Dr A")
    a_reception = make_user(clinic_a, Role.RECEPTION, "recep.a@example.org", "Reception A")
    b_clinician = make_user(clinic_b, Role.CLINICIAN, "clin.b@example.org", "Dr B")
    a_admin = make_user(clinic_a, Role.ADMIN, "admin.a@example.org", "Admin A")
    a_patient = make_patient(clinic_a, a_clinician)
    services.condition_add(
        actor=Actor(user=a_clinician), patient=a_patient, data={"code": "L64.9", "status": "active"}
    )
    services.medication_add(
        actor=Actor(user=a_clinician),
        patient=a_patient,
        data={"atc_code": "B01AF01", "dose": "20 mg daily"},
    )
    services.allergy_add(
        actor=Actor(user=a_clinician),
        patient=a_patient,
        data={"substance": "Lidocaine", "atc_code": "N01BB02", "severity": "moderate"},
    )
    b_patient = make_patient(clinic_b, b_clinician, given_name="Bea", family_name="Bclinic")
    return ThreeUsers(
        clinic_a, clinic_b, a_clinician, a_reception, b_clinician, a_admin, a_patient, b_patient
    )


@pytest.fixture
def three(db: Any) -> ThreeUsers:
    return build_three()


def audit_count() -> int:
    return AuditEntry.objects.count()


T = TypeVar("T")


def built_once_per_module(build: Callable[[], T]) -> Any:
    """A module-scoped fixture holding what ``build()`` made, built once for the module's tests
    rather than once for each (what Django's TestCase.setUpTestData does for a class).

    It is built inside an atomic block that stays open until the module's last test is done;
    each test's own block (pytest-django's ``db``) is a savepoint inside it, so every test starts
    from exactly what was built and its writes roll back to it. Tests must not share the Python
    objects themselves: take a ``copy.deepcopy`` of them in a function-scoped fixture, as
    setUpTestData hands each test its own copy.

    Only for a module whose every database test wants this data and none of whose tests is
    transactional (its flush would wipe the data from under the others); the fixture refuses
    such a module.
    """

    @pytest.fixture(scope="module")
    def built(request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any) -> Any:
        transactional = [
            item.name
            for item in request.session.items
            if item.getparent(pytest.Module) is request.node and _transactional(item)
        ]
        if transactional:
            pytest.fail(
                f"built_once_per_module in a module with transactional tests: {transactional}"
            )
        block = transaction.atomic()
        with django_db_blocker.unblock():
            block.__enter__()
            try:
                data = build()
            except BaseException:
                _roll_back(block)
                raise
        yield data
        with django_db_blocker.unblock():
            _roll_back(block)

    return built


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or "transactional_db" in names
        or "live_server" in names
    )


def _roll_back(block: Any) -> None:
    transaction.set_rollback(True)
    block.__exit__(None, None, None)
