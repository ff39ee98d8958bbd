"""Staff management and clinic security settings: clinic admins only, and only their own clinic."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from anagen.accounts.models import User
from anagen.audit.models import AuditEntry
from anagen.clinics.models import Membership
from anagen.clinics.roles import Role
from tests.conftest import PASSWORD, audit_count, make_user

NEW_STAFF = {
    "full_name": "Nurse New",
    "email": "nurse.new@example.org",
    "role": Role.PRACTITIONER,
    "password": "lilac harbour quietly 42",
}


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/login/", {"username": email, "password": password})


def membership(user, clinic) -> Membership:
    return Membership.objects.get(user=user, clinic=clinic)


def rows() -> tuple[int, int, int, int]:
    return (
        User.objects.count(),
        Membership.objects.count(),
        audit_count(),
        TOTPDevice.objects.count(),
    )


def memberships_state() -> list[dict]:
    return list(Membership.objects.order_by("pk").values())


def staff_urls(three) -> list[tuple[str, str, dict]]:
    target = membership(three.a_admin, three.clinic_a).pk
    return [
        ("get", "/staff/", {}),
        ("get", "/staff/new/", {}),
        ("post", "/staff/new/", NEW_STAFF),
        ("get", f"/staff/{target}/", {}),
        ("post", f"/staff/{target}/", {"action": "role", "role": Role.RECEPTION}),
        ("post", f"/staff/{target}/", {"action": "deactivate"}),
        ("post", f"/staff/{target}/", {"action": "reset_two_factor"}),
        ("get", "/staff/security/", {}),
        ("post", "/staff/security/", {"two_factor_roles": ["reception"]}),
    ]


def b_admin(three):
    return make_user(three.clinic_b, Role.ADMIN, "admin.b@example.org", "Admin B")


def give_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


# --- who may manage staff ---------------------------------------------------------------------


def test_clinicians_and_reception_get_403_on_every_staff_page_and_change_nothing(three):
    give_device(three.a_admin)
    for user in (three.a_clinician, three.a_reception):
        client = three.client(user)
        before, state = rows(), memberships_state()
        for method, url, data in staff_urls(three):
            response = getattr(client, method)(url, data)
            assert response.status_code == 403, (user, method, url)
        assert rows() == before
        assert memberships_state() == state
    three.clinic_a.refresh_from_db()
    assert three.clinic_a.two_factor_roles == []


def test_another_clinics_clinician_gets_403_for_lacking_the_permission(three):
    client = three.client(three.b_clinician)
    for url in ("/staff/", "/staff/new/", "/staff/security/"):
        assert client.get(url).status_code == 403, url


def test_another_clinics_admin_gets_404_on_clinic_as_staff_and_changes_nothing(three):
    client = three.client(b_admin(three))
    give_device(three.a_clinician)
    before, state = rows(), memberships_state()
    for target in Membership.objects.filter(clinic=three.clinic_a):
        url = f"/staff/{target.pk}/"
        assert client.get(url).status_code == 404, url
        for data in (
            {"action": "role", "role": Role.RECEPTION},
            {"action": "deactivate"},
            {"action": "reset_two_factor"},
        ):
            assert client.post(url, data).status_code == 404, (url, data)
    assert rows() == before
    assert memberships_state() == state


def test_the_staff_list_shows_only_this_clinics_staff(three):
    admin_b = b_admin(three)
    response = three.client(three.a_admin).get("/staff/")
    assert response.status_code == 200
    listed = {m.user for m in response.context["memberships"]}
    assert listed == {three.a_clinician, three.a_reception, three.a_admin}
    assert admin_b not in listed and three.b_clinician not in listed
    response = three.client(admin_b).get("/staff/")
    assert {m.user for m in response.context["memberships"]} == {three.b_clinician, admin_b}


def test_the_staff_list_shows_who_has_two_factor_on(three):
    give_device(three.a_reception)
    response = three.client(three.a_admin).get("/staff/")
    on = {m.user for m in response.context["memberships"] if m.two_factor_on}
    assert on == {three.a_reception}


# --- adding staff -----------------------------------------------------------------------------


@pytest.mark.production_hashers
def test_an_admin_adds_a_new_staff_member_who_can_then_sign_in(three):
    client = three.client(three.a_admin)
    users, memberships, audits, _ = rows()
    response = client.post("/staff/new/", NEW_STAFF)
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    user = User.objects.get(email="nurse.new@example.org")
    assert user.full_name == "Nurse New"
    assert user.password.startswith("argon2")
    created = Membership.objects.get(user=user)
    assert created.clinic == three.clinic_a
    assert created.role == Role.PRACTITIONER
    assert created.is_active
    assert User.objects.count() == users + 1
    assert Membership.objects.count() == memberships + 1
    entry = AuditEntry.objects.get(action="membership.create")
    assert entry.user == three.a_admin
    assert entry.clinic == three.clinic_a
    assert entry.object_id == str(created.pk)
    assert "user.password" in entry.changes
    assert audit_count() == audits + 1
    assert NEW_STAFF["password"] not in str(AuditEntry.objects.filter(pk=entry.pk).values().get())

    new_client = Client()
    assert sign_in(new_client, "nurse.new@example.org", NEW_STAFF["password"]).status_code == 302
    assert new_client.get("/patients/").status_code == 200


def test_the_new_staff_members_email_is_stored_in_lower_case(three):
    client = three.client(three.a_admin)
    client.post("/staff/new/", NEW_STAFF | {"email": "Nurse.NEW@Example.org"})
    assert User.objects.filter(email="nurse.new@example.org").exists()


def test_adding_someone_already_on_the_staff_is_a_form_error_naming_email(three):
    client = three.client(three.a_admin)
    before, state = rows(), memberships_state()
    for email in (three.a_reception.email, three.a_reception.email.upper()):
        response = client.post("/staff/new/", NEW_STAFF | {"email": email})
        assert response.status_code == 400
        assert "email" in response.context["form"].errors
    assert rows() == before
    assert memberships_state() == state


def test_adding_another_clinics_staff_member_gives_a_role_but_keeps_their_password(three):
    client = three.client(three.a_admin)
    users = User.objects.count()
    response = client.post("/staff/new/", NEW_STAFF | {"email": three.b_clinician.email})
    assert response.status_code == 302
    assert User.objects.count() == users
    assert membership(three.b_clinician, three.clinic_a).role == Role.PRACTITIONER
    three.b_clinician.refresh_from_db()
    assert three.b_clinician.check_password(PASSWORD)
    assert not three.b_clinician.check_password(NEW_STAFF["password"])
    assert three.b_clinician.full_name == "Dr B"


def test_a_weak_password_is_an_error_on_password_and_writes_nothing(three):
    client = three.client(three.a_admin)
    before = rows()
    for weak in ("short", "1234567890", "password123", "nurse.new@example.org"):
        response = client.post("/staff/new/", NEW_STAFF | {"password": weak})
        assert response.status_code == 400, weak
        assert "password" in response.context["form"].errors, weak
    assert rows() == before
    assert not User.objects.filter(email="nurse.new@example.org").exists()


def test_missing_fields_and_an_unknown_role_are_refused(three):
    client = three.client(three.a_admin)
    before = rows()
    response = client.post("/staff/new/", NEW_STAFF | {"role": "superuser"})
    assert response.status_code == 400
    assert "role" in response.context["form"].errors
    response = client.post("/staff/new/", NEW_STAFF | {"full_name": ""})
    assert response.status_code == 400
    assert "full_name" in response.context["form"].errors
    response = client.post("/staff/new/", NEW_STAFF | {"email": "not-an-email"})
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert rows() == before


# --- changing a staff member ------------------------------------------------------------------


def test_an_admin_changes_a_role_and_it_is_audited(three):
    client = three.client(three.a_admin)
    target = membership(three.a_reception, three.clinic_a)
    response = client.post(f"/staff/{target.pk}/", {"action": "role", "role": Role.PRACTITIONER})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/{target.pk}/"
    target.refresh_from_db()
    assert target.role == Role.PRACTITIONER
    entry = AuditEntry.objects.get(action="membership.role_change")
    assert entry.object_id == str(target.pk)
    assert entry.clinic == three.clinic_a
    assert entry.user == three.a_admin


def test_the_new_role_takes_effect_on_the_next_request(three):
    reception = three.client(three.a_reception)
    assert reception.get("/staff/").status_code == 403
    target = membership(three.a_reception, three.clinic_a)
    three.client(three.a_admin).post(f"/staff/{target.pk}/", {"action": "role", "role": "admin"})
    assert reception.get("/staff/").status_code == 200


def test_an_unknown_role_or_action_changes_nothing(three):
    client = three.client(three.a_admin)
    target = membership(three.a_reception, three.clinic_a)
    before, state = rows(), memberships_state()
    for data in ({"action": "role", "role": "owner"}, {"action": "delete"}, {}):
        response = client.post(f"/staff/{target.pk}/", data)
        assert response.status_code == 200, data
    assert rows() == before
    assert memberships_state() == state


def test_deactivating_ends_access_to_the_clinic_at_once(three):
    reception = Client()
    assert sign_in(reception, three.a_reception.email).status_code == 302
    target = membership(three.a_reception, three.clinic_a)
    response = three.client(three.a_admin).post(f"/staff/{target.pk}/", {"action": "deactivate"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert target.deactivated_at is not None
    assert AuditEntry.objects.filter(action="membership.deactivate").count() == 1

    response = reception.get("/patients/")
    assert response.status_code == 403
    assert b"No active clinic" in response.content
    assert reception.get("/api/v1/me").status_code == 401
    again = Client()
    response = sign_in(again, three.a_reception.email)
    assert response.status_code == 200
    assert "not active at any clinic" in " ".join(response.context["form"].non_field_errors())


def test_deactivating_stops_the_staff_members_api_tokens(three):
    reception = three.client(three.a_reception)
    reception.post("/account/tokens/", {"name": "Front desk"})
    raw = reception.get("/account/").context["new_token"]
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    target = membership(three.a_reception, three.clinic_a)
    three.client(three.a_admin).post(f"/staff/{target.pk}/", {"action": "deactivate"})
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_deactivating_at_one_clinic_leaves_the_other_clinic_alone(three):
    client = three.client(three.a_admin)
    client.post("/staff/new/", NEW_STAFF | {"email": three.b_clinician.email})
    at_a = membership(three.b_clinician, three.clinic_a)
    client.post(f"/staff/{at_a.pk}/", {"action": "deactivate"})
    assert membership(three.b_clinician, three.clinic_b).is_active
    b = Client()
    assert sign_in(b, three.b_clinician.email).status_code == 302
    response = b.get("/patients/")
    assert response.status_code == 200
    assert three.b_patient in list(response.context["patients"])


def test_reactivating_restores_access(three):
    client = three.client(three.a_admin)
    target = membership(three.a_reception, three.clinic_a)
    client.post(f"/staff/{target.pk}/", {"action": "deactivate"})
    response = client.post(f"/staff/{target.pk}/", {"action": "reactivate"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_active
    assert target.deactivated_at is None
    assert AuditEntry.objects.filter(action="membership.reactivate").count() == 1
    reception = Client()
    assert sign_in(reception, three.a_reception.email).status_code == 302
    assert reception.get("/patients/").status_code == 200


def test_a_deactivated_member_is_still_listed_and_can_be_opened(three):
    client = three.client(three.a_admin)
    target = membership(three.a_reception, three.clinic_a)
    client.post(f"/staff/{target.pk}/", {"action": "deactivate"})
    response = client.get("/staff/")
    assert target in response.context["memberships"]
    assert client.get(f"/staff/{target.pk}/").status_code == 200


def test_an_admin_cannot_deactivate_themselves(three):
    client = three.client(three.a_admin)
    own = membership(three.a_admin, three.clinic_a)
    before = audit_count()
    response = client.post(f"/staff/{own.pk}/", {"action": "deactivate"})
    assert response.status_code == 200
    assert "cannot deactivate yourself" in response.content.decode()
    own.refresh_from_db()
    assert own.is_active
    assert audit_count() == before
    assert client.get("/staff/").status_code == 200


def test_an_admin_cannot_drop_their_own_admin_role(three):
    client = three.client(three.a_admin)
    own = membership(three.a_admin, three.clinic_a)
    before = audit_count()
    response = client.post(f"/staff/{own.pk}/", {"action": "role", "role": Role.CLINICIAN})
    assert response.status_code == 200
    assert "cannot remove your own admin role" in response.content.decode()
    own.refresh_from_db()
    assert own.role == Role.ADMIN
    assert audit_count() == before


def test_resetting_two_factor_deletes_the_device_and_is_audited(three):
    give_device(three.a_clinician)
    TOTPDevice.objects.create(user=three.a_clinician, name="pending", confirmed=False)
    other = give_device(three.a_reception)
    client = three.client(three.a_admin)
    target = membership(three.a_clinician, three.clinic_a)
    assert client.get(f"/staff/{target.pk}/").context["two_factor_on"] is True
    response = client.post(f"/staff/{target.pk}/", {"action": "reset_two_factor"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=three.a_clinician).exists()
    assert TOTPDevice.objects.filter(pk=other.pk).exists()
    entry = AuditEntry.objects.get(action="two_factor.reset")
    assert entry.object_id == str(three.a_clinician.pk)
    assert entry.clinic == three.clinic_a
    assert client.get(f"/staff/{target.pk}/").context["two_factor_on"] is False


def test_after_a_reset_a_required_role_must_enrol_again(three):
    three.clinic_a.two_factor_roles = [Role.CLINICIAN]
    three.clinic_a.save()
    give_device(three.a_clinician)
    clinician = Client()
    sign_in(clinician, three.a_clinician.email)
    assert clinician.get("/patients/")["Location"].startswith("/account/two-factor/verify/")
    target = membership(three.a_clinician, three.clinic_a)
    three.client(three.a_admin).post(f"/staff/{target.pk}/", {"action": "reset_two_factor"})
    assert clinician.get("/patients/")["Location"] == "/account/two-factor/enrol/"


def test_no_staff_action_ever_deletes_a_user_or_membership(three):
    client = three.client(three.a_admin)
    give_device(three.a_reception)
    users, memberships = User.objects.count(), Membership.objects.count()
    client.post("/staff/new/", NEW_STAFF)
    client.post("/staff/new/", NEW_STAFF)
    client.post("/staff/new/", NEW_STAFF | {"email": three.b_clinician.email})
    users, memberships = users + 1, memberships + 2
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)
    for target in Membership.objects.filter(clinic=three.clinic_a):
        for data in (
            {"action": "deactivate"},
            {"action": "reset_two_factor"},
            {"action": "role", "role": Role.RECEPTION},
            {"action": "reactivate"},
            {"action": "deactivate"},
            {"action": "delete"},
        ):
            client.post(f"/staff/{target.pk}/", data)
            assert User.objects.count() == users, (target, data)
            assert Membership.objects.count() == memberships, (target, data)
    client.post("/staff/security/", {"two_factor_roles": ["admin", "reception"]})
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)


# --- security settings ------------------------------------------------------------------------


def test_an_admin_sets_the_roles_that_need_two_factor_and_it_is_audited(three):
    client = three.client(three.a_admin)
    assert client.get("/staff/security/").status_code == 200
    response = client.post(
        "/staff/security/", {"two_factor_roles": [Role.RECEPTION, Role.CLINICIAN]}
    )
    assert response.status_code == 302
    three.clinic_a.refresh_from_db()
    assert three.clinic_a.two_factor_roles == ["clinician", "reception"]
    three.clinic_b.refresh_from_db()
    assert three.clinic_b.two_factor_roles == []
    entry = AuditEntry.objects.get(action="clinic.two_factor_roles")
    assert entry.clinic == three.clinic_a
    assert entry.object_id == str(three.clinic_a.pk)
    assert entry.user == three.a_admin
    form = client.get("/staff/security/").context["form"]
    assert form.initial["two_factor_roles"] == ["clinician", "reception"]


def test_clearing_every_role_turns_the_requirement_off(three):
    three.clinic_a.two_factor_roles = [Role.CLINICIAN]
    three.clinic_a.save()
    response = three.client(three.a_admin).post("/staff/security/", {})
    assert response.status_code == 302
    three.clinic_a.refresh_from_db()
    assert three.clinic_a.two_factor_roles == []
    assert three.client(three.a_clinician).get("/patients/").status_code == 200


def test_an_unknown_role_in_the_security_settings_is_refused(three):
    client = three.client(three.a_admin)
    before = audit_count()
    response = client.post("/staff/security/", {"two_factor_roles": ["clinician", "root"]})
    assert response.status_code == 200
    assert "two_factor_roles" in response.context["form"].errors
    three.clinic_a.refresh_from_db()
    assert three.clinic_a.two_factor_roles == []
    assert audit_count() == before


def test_another_clinics_admin_changes_only_their_own_clinics_settings(three):
    client = three.client(b_admin(three))
    response = client.post("/staff/security/", {"two_factor_roles": ["clinician"]})
    assert response.status_code == 302
    three.clinic_a.refresh_from_db()
    three.clinic_b.refresh_from_db()
    assert three.clinic_a.two_factor_roles == []
    assert three.clinic_b.two_factor_roles == ["clinician"]
    assert three.client(three.a_clinician).get("/patients/").status_code == 200
    assert three.client(three.b_clinician).get("/patients/").status_code == 302


def test_two_factor_of_someone_who_also_works_elsewhere_is_kept_unless_admin_there_too(three):
    shared = three.b_clinician
    Membership.objects.create(user=shared, clinic=three.clinic_a, role=Role.PRACTITIONER)
    device = give_device(shared)
    target = membership(shared, three.clinic_a)
    client = three.client(three.a_admin)
    client.post(f"/staff/{target.pk}/", {"action": "reset_two_factor"})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    Membership.objects.create(user=three.a_admin, clinic=three.clinic_b, role=Role.ADMIN)
    client.post(f"/staff/{target.pk}/", {"action": "reset_two_factor"})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
