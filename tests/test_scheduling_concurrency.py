"""No double booking under concurrent writers: 50 threads, each with its own database connection,
book 50 patients' courses into the same practitioner, room and times. Exactly one course is
written; the 49 others get a clear conflict, and none leaves a partial course behind.

Runs on PostgreSQL (50 connections, exclusion constraints). The SQLite test database is an
in-memory shared cache, whose table locks fail at once instead of waiting, which no deployment
uses; there the database triggers are tested directly in test_scheduling_services.py.
"""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from anagen.audit.services import Actor
from anagen.clinics.roles import Role
from anagen.consultations.services import consultation_sign
from anagen.plans.services import plan_create
from anagen.scheduling import services
from anagen.scheduling.models import Booking, Course
from anagen.scheduling.planner import Choice, plan_windows
from tests.conftest import build_three, make_patient, make_user

THREADS = 50
ALL_WEEK = {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database with real concurrent connections"
)
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_bookings_of_one_slot_give_one_course():
    three = build_three()
    clinic, admin = three.clinic_a, Actor(user=three.a_admin)
    clinician = Actor(user=three.a_clinician)
    services.schedule_save(
        actor=admin,
        clinic=clinic,
        opening=ALL_WEEK,
        slot_minutes=15,
        session_minutes=30,
        protocol_minutes={},
        reminder_hours=48,
    )
    room = services.room_save(actor=admin, clinic=clinic, name="Room 1")
    practitioner = make_user(clinic, Role.PRACTITIONER, "prac@example.org", "Pat Practitioner")
    services.hours_save(actor=admin, clinic=clinic, practitioner=practitioner, weekly=ALL_WEEK)
    today = dt.date.today()
    plans = []
    for i in range(THREADS):
        patient = make_patient(clinic, three.a_clinician, given_name=f"P{i}", email="")
        exam = {
            "assessed_on": today,
            "sex": "male",
            "diagnosis": "L64.9",
            "stage_scale": "norwood",
            "stage_value": "III",
        }
        consultation = consultation_sign(actor=clinician, patient=patient, exam=exam)
        plans.append(
            plan_create(
                actor=clinician,
                consultation=consultation,
                start=today + dt.timedelta(days=7),
                protocol_id="dutasteride-weekly",
            )
        )
    zone = ZoneInfo(clinic.time_zone)
    times = [dt.datetime.combine(w.planned, dt.time(10), zone) for w in plan_windows(plans[0])]
    outcomes: list[str] = []
    barrier = threading.Barrier(THREADS)

    def book(plan):
        try:
            barrier.wait()
            services.course_book(
                actor=Actor(user=three.a_clinician),
                plan=plan,
                choices=[
                    Choice(n, start, practitioner.pk, room.pk)
                    for n, start in enumerate(times, start=1)
                ],
            )
            outcomes.append("booked")
        except ValidationError as error:
            outcomes.append("conflict: " + " ".join(error.messages))
        except Exception as error:  # noqa: BLE001 (a server error is what this test catches)
            outcomes.append(f"error: {type(error).__name__}: {error}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(plan,)) for plan in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes.count("booked") == 1, outcomes
    conflicts = [o for o in outcomes if o.startswith("conflict: ")]
    assert len(conflicts) == THREADS - 1, [o for o in outcomes if not o.startswith("conflict")]
    assert all("already" in o or "booked" in o for o in conflicts)
    assert Course.objects.for_clinic(clinic).count() == 1
    assert Booking.objects.for_clinic(clinic).count() == len(times)
