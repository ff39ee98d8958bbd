"""The session pages: who may do what, errors next to their fields, a whole session by form."""

import datetime as dt
import json

import pytest

from anagen.scheduling.calendar_setup import clinic_zone
from anagen.sessions.models import TreatmentSession
from tests.conftest import audit_count
from tests.scheduling_helpers import set_up
from tests.session_flow import MAP, NO, checked, ready, started
from tests.test_consultation_views import body_text


@pytest.fixture
def r(three):
    return ready(set_up(three))


def precheck_post(**answers):
    data = {check: "no" for check in NO} | {"medicines_reviewed": "on"}
    return data | answers


def record_post(r, **overrides):
    start = r.booking.start.astimezone(clinic_zone(r.clinic))
    data = {
        "injection_map": json.dumps(MAP),
        "technique": "nappage",
        "needle_gauge": "32",
        "needle_length_mm": "4",
        "anaesthetic": "cooling",
        "started": f"{start:%H:%M}",
        "ended": f"{start:%H:%M}",
        "notes": "",
    }
    for ingredient, lot in r.lots.items():
        data[f"lot_{ingredient}"] = str(lot.pk)
        data[f"units_{ingredient}"] = "1"
    return data | overrides


def urls(s, booking):
    return [
        ("get", f"/sessions/{s.pk}/", {}),
        ("post", f"/sessions/{s.pk}/precheck/", precheck_post()),
        ("post", f"/sessions/{s.pk}/override/", {"reason": "A good clinical reason"}),
        ("post", f"/sessions/{s.pk}/record/", {}),
        ("post", f"/sessions/{s.pk}/addenda/", {"text": "x"}),
        ("post", f"/bookings/{booking.pk}/session/", {}),
    ]


def test_another_clinic_gets_404_on_every_session_page(three, r):
    s = started(r)
    client = three.client(three.b_clinician)
    before = audit_count()
    for method, url, data in urls(s, r.booking):
        assert getattr(client, method)(url, data).status_code == 404, url
    assert audit_count() == before


def test_reception_may_not_open_or_run_a_session(three, r):
    s = started(r)
    client = three.client(three.a_reception)
    before = audit_count()
    for method, url, data in urls(s, r.booking):
        assert getattr(client, method)(url, data).status_code == 403, url
    assert audit_count() == before


def test_a_practitioner_cannot_override_but_a_clinician_can(three, r):
    s = checked(r, checks=NO | {"PS-01": True})
    url = f"/sessions/{s.pk}/override/"
    practitioner = three.client(r.setup.practitioner)
    assert practitioner.post(url, {"reason": "Afebrile now, checked."}).status_code == 403
    page = body_text(practitioner.get(f"/sessions/{s.pk}/"))
    assert "A clinician must review this" in page and "Override and go ahead" not in page
    clinician = three.client(three.a_clinician)
    assert "Override and go ahead" in body_text(clinician.get(f"/sessions/{s.pk}/"))
    response = clinician.post(url, {"reason": "Afebrile now, checked."})
    assert response.status_code == 302
    assert "Overridden by Dr A" in body_text(clinician.get(f"/sessions/{s.pk}/"))


def test_the_booking_page_starts_the_session_for_those_who_attend(three, r):
    url = f"/bookings/{r.booking.pk}/"
    assert "Start the session" in body_text(three.client(three.a_clinician).get(url))
    assert "Start the session" not in body_text(three.client(three.a_reception).get(url))
    response = three.client(three.a_clinician).post(f"/bookings/{r.booking.pk}/session/")
    s = TreatmentSession.objects.for_clinic(r.clinic).get()
    assert response["Location"] == f"/sessions/{s.pk}/"
    assert "Continue the session" in body_text(three.client(three.a_clinician).get(url))


def test_without_consent_the_booking_page_says_so(three):
    r = ready(set_up(three), consent=False)
    client = three.client(three.a_clinician)
    response = client.post(f"/bookings/{r.booking.pk}/session/", follow=True)
    assert "take consent first" in body_text(response)
    assert not TreatmentSession.objects.for_clinic(r.clinic).exists()


def test_an_unanswered_question_comes_back_next_to_it(three, r):
    s = started(r)
    client = three.client(r.setup.practitioner)
    data = precheck_post()
    del data["PS-02"]
    before = audit_count()
    response = client.post(f"/sessions/{s.pk}/precheck/", data)
    assert response.status_code == 400
    assert response.context["precheck_form"].errors["PS-02"]
    assert audit_count() == before


def test_a_whole_session_by_form_ends_signed_with_the_aftercare(three, r, mailoutbox):
    client = three.client(r.setup.practitioner)
    response = client.post(f"/bookings/{r.booking.pk}/session/")
    s_url = response["Location"]
    assert client.post(f"{s_url}precheck/", precheck_post()).status_code == 302
    data = record_post(r)
    data["ended"] = r.booking.start.astimezone(clinic_zone(r.clinic)).strftime("%H:%M")
    response = client.post(f"{s_url}record/", data | {"sign": "1"})
    assert response.status_code == 400  # the end equals the start: refused, named
    assert response.context["record_form"].errors["ended"]
    later = r.booking.start + dt.timedelta(minutes=20)
    data["ended"] = later.astimezone(clinic_zone(r.clinic)).strftime("%H:%M")
    with_sign = data | {"sign": "1"}
    response = client.post(f"{s_url}record/", with_sign)
    assert response.status_code == 302, response.context["record_form"].errors
    page = body_text(client.get(s_url))
    assert "Signed" in page and "Print the aftercare sheet" in page
    assert "DUT-1" in page
    assert "Sign and lock" not in page


def test_a_broken_map_is_refused_without_a_traceback(three, r):
    s = checked(r)
    client = three.client(r.setup.practitioner)
    before = audit_count()
    response = client.post(f"/sessions/{s.pk}/record/", record_post(r, injection_map="{not json"))
    assert response.status_code == 400
    assert "could not be read" in body_text(response)
    bad = json.dumps(MAP | {"points": [{"view": "top", "x": 3}]})
    response = client.post(f"/sessions/{s.pk}/record/", record_post(r, injection_map=bad))
    assert response.status_code == 400 and "points[0]" in body_text(response)
    assert audit_count() == before
