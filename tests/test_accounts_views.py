"""Account pages: signing in and out, lockout, two-factor login, the idle timeout, password change
and API tokens."""

import datetime
import os

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from anagen.accounts.models import ApiToken, hash_token
from anagen.audit.models import AuditEntry
from anagen.clinics.models import Membership
from tests.conftest import PASSWORD, audit_count

NEW_PASSWORD = "violet tractor mango seventeen"


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"username": email, "password": password, **extra})


def code_for(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=drift):06d}"


def require_two_factor_for_clinicians(three) -> None:
    response = three.client(three.a_admin).post(
        "/staff/security/", {"two_factor_roles": ["clinician"]}
    )
    assert response.status_code == 302


def enrol(client: Client, user) -> TOTPDevice:
    """Walk through enrolment with a right code; the device comes back confirmed."""
    assert client.get("/account/two-factor/enrol/").status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/account/two-factor/enrol/", {"token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


# --- login ------------------------------------------------------------------------------------


def test_a_right_password_signs_in_redirects_and_writes_one_success_entry(three):
    client = Client()
    before = audit_count()
    response = sign_in(client, three.a_clinician.email)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/patients/").status_code == 200
    assert audit_count() == before + 1
    entry = AuditEntry.objects.get(action="login.success")
    assert entry.user == three.a_clinician
    assert entry.actor == three.a_clinician.email
    assert entry.object_id == str(three.a_clinician.pk)
    assert entry.ip_address == "127.0.0.1"


def test_the_email_is_matched_whatever_its_case(three):
    response = sign_in(Client(), three.a_clinician.email.upper())
    assert response.status_code == 302


def test_login_follows_a_local_next_but_never_an_outside_one(three):
    response = sign_in(Client(), three.a_clinician.email, next="/patients/")
    assert response["Location"] == "/patients/"
    response = sign_in(Client(), three.a_clinician.email, next="https://evil.example/steal")
    assert response["Location"] == "/"


def test_a_wrong_password_rerenders_with_an_error_and_records_the_typed_email_only(three):
    client = Client()
    before = audit_count()
    response = sign_in(client, three.a_clinician.email, "not the password at all")
    assert response.status_code in (200, 400)
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session
    assert audit_count() == before + 1
    entry = AuditEntry.objects.get(action="login.failure")
    assert entry.actor == three.a_clinician.email
    assert entry.user is None
    assert entry.object_id == ""
    stored = " ".join(
        str(value) for value in AuditEntry.objects.filter(pk=entry.pk).values().get().values()
    )
    assert "not the password at all" not in stored


def test_an_unknown_email_fails_like_a_wrong_password(three):
    response = sign_in(Client(), "nobody@example.org")
    assert response.status_code in (200, 400)
    assert AuditEntry.objects.get(action="login.failure").actor == "nobody@example.org"


def test_five_failures_lock_the_account_even_against_the_right_password(three):
    client = Client()
    for _ in range(4):
        response = sign_in(client, three.a_clinician.email, "wrong wrong wrong")
        assert response.status_code == 200
    response = sign_in(client, three.a_clinician.email, "wrong wrong wrong")
    assert response.status_code == 429
    response = sign_in(client, three.a_clinician.email)
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert "_auth_user_id" not in client.session
    assert not AuditEntry.objects.filter(action="login.success").exists()


def test_changing_the_case_of_the_email_does_not_escape_the_lockout(three):
    client = Client()
    email = three.a_clinician.email
    for variant in (email, email.upper(), email.title(), email.capitalize(), email.swapcase()):
        sign_in(client, variant, "wrong wrong wrong")
    assert sign_in(client, email.upper()).status_code == 429
    assert sign_in(client, email).status_code == 429


def test_a_lockout_is_for_that_account_only(three):
    client = Client()
    for _ in range(5):
        sign_in(client, three.a_clinician.email, "wrong wrong wrong")
    assert sign_in(Client(), three.a_reception.email).status_code == 302


def test_a_success_before_the_limit_resets_the_failure_count(three):
    client = Client()
    for _ in range(4):
        sign_in(client, three.a_clinician.email, "wrong wrong wrong")
    assert sign_in(Client(), three.a_clinician.email).status_code == 302
    for _ in range(4):
        response = sign_in(client, three.a_clinician.email, "wrong wrong wrong")
        assert response.status_code == 200
    assert sign_in(Client(), three.a_clinician.email).status_code == 302


def test_someone_whose_only_membership_is_deactivated_cannot_sign_in(three):
    Membership.objects.filter(user=three.a_reception).update(is_active=False)
    client = Client()
    response = sign_in(client, three.a_reception.email)
    assert response.status_code in (200, 400)
    assert "not active at any clinic" in " ".join(response.context["form"].non_field_errors())
    assert "_auth_user_id" not in client.session
    assert not AuditEntry.objects.filter(action="login.success").exists()


def test_a_disabled_account_cannot_sign_in(three):
    three.a_clinician.is_active = False
    three.a_clinician.save()
    client = Client()
    response = sign_in(client, three.a_clinician.email)
    assert response.status_code in (200, 400)
    assert "_auth_user_id" not in client.session


def test_a_signed_out_visitor_is_sent_to_login(three):
    response = Client().get("/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/patients/")


# --- logout -----------------------------------------------------------------------------------


def test_logout_refuses_get_and_keeps_the_session(three):
    client = three.client(three.a_clinician)
    assert client.get("/logout/").status_code == 405
    assert client.get("/patients/").status_code == 200
    assert not AuditEntry.objects.filter(action="logout").exists()


def test_logout_by_post_ends_the_session_and_is_audited(three):
    client = three.client(three.a_clinician)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    entry = AuditEntry.objects.get(action="logout")
    assert entry.user == three.a_clinician
    assert client.get("/patients/").status_code == 302


def test_logout_when_not_signed_in_writes_nothing(three):
    before = audit_count()
    assert Client().post("/logout/").status_code == 302
    assert audit_count() == before


# --- two-factor -------------------------------------------------------------------------------


def test_a_required_role_is_sent_to_enrolment_before_any_clinic_page(three):
    client = three.client(three.a_clinician)
    assert client.get("/patients/").status_code == 200
    require_two_factor_for_clinicians(three)
    for url in ("/patients/", "/", f"/patients/{three.a_patient.pk}/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/account/two-factor/enrol/"


def test_a_role_that_is_not_required_is_not_redirected(three):
    require_two_factor_for_clinicians(three)
    assert three.client(three.a_reception).get("/patients/").status_code == 200


def test_another_clinics_clinician_is_not_affected_by_clinic_as_setting(three):
    require_two_factor_for_clinicians(three)
    assert three.client(three.b_clinician).get("/patients/").status_code == 200


def test_enrolment_with_a_wrong_code_leaves_two_factor_off(three):
    require_two_factor_for_clinicians(three)
    client = three.client(three.a_clinician)
    assert client.get("/account/two-factor/enrol/").status_code == 200
    device = TOTPDevice.objects.get(user=three.a_clinician)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post("/account/two-factor/enrol/", {"token": wrong})
    assert response.status_code == 200
    assert "token" in response.context["form"].errors
    device.refresh_from_db()
    assert not device.confirmed
    assert not AuditEntry.objects.filter(action="two_factor.enrol").exists()
    assert client.get("/patients/")["Location"] == "/account/two-factor/enrol/"


def test_enrolment_reuses_the_pending_device_across_visits(three):
    client = three.client(three.a_clinician)
    client.get("/account/two-factor/enrol/")
    client.get("/account/two-factor/enrol/")
    assert TOTPDevice.objects.filter(user=three.a_clinician).count() == 1


def test_enrolment_with_the_right_code_turns_two_factor_on_and_is_audited(three):
    require_two_factor_for_clinicians(three)
    client = three.client(three.a_clinician)
    assert client.get("/patients/")["Location"] == "/account/two-factor/enrol/"
    client.get("/account/two-factor/enrol/")
    device = TOTPDevice.objects.get(user=three.a_clinician)
    response = client.post("/account/two-factor/enrol/", {"token": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    device.refresh_from_db()
    assert device.confirmed
    entry = AuditEntry.objects.get(action="two_factor.enrol")
    assert entry.user == three.a_clinician
    assert entry.object_id == str(three.a_clinician.pk)
    assert client.get("/patients/").status_code == 200
    assert client.get("/account/").context["two_factor_on"] is True


def test_after_signing_in_again_the_code_is_asked_for_until_a_right_one_is_given(three, settings):
    # django-otp slows down retries after a wrong code; switch that off so the test need not wait.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    require_two_factor_for_clinicians(three)
    client = Client()
    assert sign_in(client, three.a_clinician.email).status_code == 302
    device = enrol(client, three.a_clinician)
    client.post("/logout/")

    assert sign_in(client, three.a_clinician.email).status_code == 302
    for url in ("/patients/", "/account/", "/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/two-factor/verify/"), url
    response = client.post("/account/two-factor/verify/?next=/patients/", {"token": "000000"})
    if code_for(device) != "000000":
        assert response.status_code == 200
        assert "token" in response.context["form"].errors
        assert client.get("/patients/").status_code == 302
    # The code from enrolment is spent; the next period's code is within the allowed drift.
    response = client.post(
        "/account/two-factor/verify/?next=/patients/", {"token": code_for(device, drift=1)}
    )
    assert response.status_code == 302
    assert response["Location"] == "/patients/"
    assert client.get("/patients/").status_code == 200


def test_a_used_code_cannot_be_replayed(three):
    client = Client()
    sign_in(client, three.a_clinician.email)
    device = enrol(client, three.a_clinician)
    used = code_for(device)
    client.post("/logout/")
    sign_in(client, three.a_clinician.email)
    response = client.post("/account/two-factor/verify/", {"token": used})
    assert response.status_code == 200
    assert client.get("/patients/").status_code == 302


def test_verify_sends_someone_without_a_device_to_enrolment(three):
    client = three.client(three.a_clinician)
    response = client.get("/account/two-factor/verify/")
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/enrol/"


def test_a_voluntary_device_is_asked_for_even_when_the_role_does_not_require_it(three):
    client = Client()
    sign_in(client, three.a_reception.email)
    enrol(client, three.a_reception)
    client.post("/logout/")
    sign_in(client, three.a_reception.email)
    assert client.get("/patients/")["Location"].startswith("/account/two-factor/verify/")


def test_an_unverified_session_cannot_enrol_a_second_device_to_skip_the_code(three):
    client = Client()
    sign_in(client, three.a_clinician.email)
    enrol(client, three.a_clinician)
    client.post("/logout/")
    sign_in(client, three.a_clinician.email)
    response = client.get("/account/two-factor/enrol/")
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/verify/"
    assert TOTPDevice.objects.filter(user=three.a_clinician).count() == 1


def test_the_api_refuses_a_session_that_still_needs_its_second_factor(three):
    require_two_factor_for_clinicians(three)
    assert three.client(three.a_clinician).get("/api/v1/me").status_code == 401
    assert three.client(three.a_reception).get("/api/v1/me").status_code == 200


def test_the_api_accepts_the_session_once_verified(three):
    require_two_factor_for_clinicians(three)
    client = three.client(three.a_clinician)
    enrol(client, three.a_clinician)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == three.a_clinician.email


# --- idle timeout -----------------------------------------------------------------------------


def test_the_session_lasts_the_configured_idle_minutes_and_renews_on_every_request():
    minutes = int(os.environ.get("ANAGEN_IDLE_TIMEOUT_MINUTES", "30"))
    idle_seconds = django_settings.SESSION_COOKIE_AGE
    assert idle_seconds == minutes * 60
    assert django_settings.SESSION_SAVE_EVERY_REQUEST is True


def session_row(client: Client) -> Session:
    return Session.objects.get(
        session_key=client.cookies[django_settings.SESSION_COOKIE_NAME].value
    )


def test_an_expired_session_is_sent_to_login(three):
    client = Client()
    sign_in(client, three.a_clinician.email)
    assert client.get("/patients/").status_code == 200
    Session.objects.filter(pk=session_row(client).pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_activity_pushes_the_expiry_forward(three):
    client = Client()
    sign_in(client, three.a_clinician.email)
    soon = timezone.now() + datetime.timedelta(minutes=1)
    Session.objects.filter(pk=session_row(client).pk).update(expire_date=soon)
    assert client.get("/patients/").status_code == 200
    renewed = session_row(client).expire_date
    expected = timezone.now() + datetime.timedelta(seconds=django_settings.SESSION_COOKIE_AGE)
    assert abs((renewed - expected).total_seconds()) < 60


# --- password change --------------------------------------------------------------------------


def change_password(client: Client, old: str, new: str = NEW_PASSWORD):
    return client.post(
        "/account/password/",
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


@pytest.mark.production_hashers
def test_passwords_are_stored_with_argon2(three):
    three.a_clinician.refresh_from_db()
    assert three.a_clinician.password.startswith("argon2")


def test_a_wrong_old_password_is_refused_and_changes_nothing(three):
    client = three.client(three.a_clinician)
    stored = three.a_clinician.password
    before = audit_count()
    response = change_password(client, "not my old password")
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    three.a_clinician.refresh_from_db()
    assert three.a_clinician.password == stored
    assert audit_count() == before


def test_a_weak_new_password_is_refused(three):
    client = three.client(three.a_clinician)
    response = change_password(client, PASSWORD, "password1")
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    three.a_clinician.refresh_from_db()
    assert three.a_clinician.check_password(PASSWORD)


@pytest.mark.production_hashers
def test_the_right_old_password_changes_it_audits_and_keeps_this_session(three):
    client = Client()
    sign_in(client, three.a_clinician.email)
    elsewhere = Client()
    sign_in(elsewhere, three.a_clinician.email)
    response = change_password(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    entry = AuditEntry.objects.get(action="user.password_change")
    assert entry.user == three.a_clinician
    assert entry.changes == ["password"]
    three.a_clinician.refresh_from_db()
    assert three.a_clinician.password.startswith("argon2")
    assert client.get("/patients/").status_code == 200
    # Other sessions of the same account end with the old password.
    assert elsewhere.get("/patients/").status_code == 302

    assert sign_in(Client(), three.a_clinician.email, PASSWORD).status_code == 200
    assert sign_in(Client(), three.a_clinician.email, NEW_PASSWORD).status_code == 302


def test_password_change_needs_a_signed_in_user(three):
    response = Client().get("/account/password/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- API tokens -------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(three):
    client = three.client(three.a_clinician)
    response = client.post("/account/tokens/", {"name": "Booking sync"})
    assert response.status_code == 302
    token = ApiToken.objects.get(membership__user=three.a_clinician)
    assert token.membership.clinic == three.clinic_a
    raw = client.get("/account/").context["new_token"]
    assert raw.startswith("anagen_")
    assert token.digest == hash_token(raw)
    assert raw not in [token.prefix, token.digest, token.name]
    assert client.get("/account/").context["new_token"] is None
    assert AuditEntry.objects.filter(action="api_token.create", object_id=str(token.pk)).exists()
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_a_token_without_a_name_is_refused(three):
    client = three.client(three.a_clinician)
    assert client.post("/account/tokens/", {"name": "  "}).status_code == 302
    assert not ApiToken.objects.exists()


def test_revoking_a_token_sets_revoked_at_and_it_stops_working(three):
    client = three.client(three.a_clinician)
    client.post("/account/tokens/", {"name": "Booking sync"})
    raw = client.get("/account/").context["new_token"]
    token = ApiToken.objects.get()
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404


def test_someone_elses_token_cannot_be_revoked(three):
    owner = three.client(three.a_clinician)
    owner.post("/account/tokens/", {"name": "Booking sync"})
    token = ApiToken.objects.get()
    before = audit_count()
    for user in (three.b_clinician, three.a_admin, three.a_reception):
        response = three.client(user).post(f"/account/tokens/{token.pk}/revoke/")
        assert response.status_code == 404, user
    token.refresh_from_db()
    assert token.revoked_at is None
    assert audit_count() == before


def test_token_revoke_is_post_only(three):
    client = three.client(three.a_clinician)
    client.post("/account/tokens/", {"name": "Booking sync"})
    token = ApiToken.objects.get()
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_someone_without_an_active_clinic_cannot_make_a_token(three):
    client = three.client(three.a_reception)
    Membership.objects.filter(user=three.a_reception).update(is_active=False)
    response = client.post("/account/tokens/", {"name": "Booking sync"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()
