"""Staff accounts, memberships, two-factor devices and API tokens. Every change is audited."""

import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from anagen.accounts.models import ApiToken, User, hash_token
from anagen.audit.services import Actor, audit_record
from anagen.clinics.models import Clinic, Membership
from anagen.clinics.roles import Role

TOKEN_PREFIX = "anagen_"


def _audit(actor: Actor, clinic: Clinic | None, action: str, obj: Any, changes: Any = ()) -> None:
    audit_record(
        actor=actor.user,
        clinic=clinic,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        changes=changes,
        ip_address=actor.ip_address,
    )


@transaction.atomic
def staff_create(
    *, actor: Actor, clinic: Clinic, email: str, full_name: str, role: str, password: str
) -> Membership:
    """Add a staff member to the clinic: a new account, or an existing one given a membership."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": f"Choose one of: {', '.join(Role.values)}."})
    user = User.objects.filter(email=email).first()
    changes = ["role"]
    if user is None:
        if not full_name.strip():
            raise ValidationError({"full_name": "Enter the staff member's name."})
        user = User(email=email, full_name=full_name.strip())
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
        user.set_password(password)
        user.full_clean()
        user.save()
        changes += ["user.email", "user.full_name", "user.password"]
    elif Membership.objects.filter(user=user, clinic=clinic).exists():
        raise ValidationError({"email": "This person is already on the staff list."})
    membership = Membership.objects.create(user=user, clinic=clinic, role=role)
    _audit(actor, clinic, "membership.create", membership, changes)
    return membership


@transaction.atomic
def membership_change_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Choose one of: {', '.join(Role.values)}."})
    if membership.user_id == actor.user.pk and role != Role.ADMIN:
        raise ValidationError({"role": "You cannot remove your own admin role."})
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
        _audit(actor, membership.clinic, "membership.role_change", membership, ["role"])
    return membership


@transaction.atomic
def membership_set_active(*, actor: Actor, membership: Membership, active: bool) -> Membership:
    """Deactivate (or reactivate) a staff member here. Accounts are never deleted."""
    if membership.user_id == actor.user.pk and not active:
        raise ValidationError({"membership": "You cannot deactivate yourself."})
    membership.is_active = active
    membership.deactivated_at = None if active else timezone.now()
    membership.save(update_fields=["is_active", "deactivated_at"])
    action = "membership.reactivate" if active else "membership.deactivate"
    _audit(actor, membership.clinic, action, membership, ["is_active"])
    return membership


@transaction.atomic
def clinic_two_factor_roles_set(*, actor: Actor, clinic: Clinic, roles: list[str]) -> Clinic:
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValidationError({"two_factor_roles": f"Unknown roles: {', '.join(sorted(unknown))}"})
    clinic.two_factor_roles = sorted(set(roles))
    clinic.save(update_fields=["two_factor_roles"])
    _audit(actor, clinic, "clinic.two_factor_roles", clinic, ["two_factor_roles"])
    return clinic


@transaction.atomic
def two_factor_confirm(*, actor: Actor, device: TOTPDevice, token: str) -> bool:
    """Confirm a pending authenticator with a code from it. False when the code is wrong."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _audit(actor, None, "two_factor.enrol", device.user)
    return True


@transaction.atomic
def two_factor_reset(*, actor: Actor, membership: Membership) -> None:
    """An admin removes a staff member's authenticator (lost phone); they enrol again.

    The authenticator guards the person's login at every clinic, so only an admin of all of
    their clinics may remove it.
    """
    administered = Membership.objects.filter(
        user=actor.user, role=Role.ADMIN, is_active=True
    ).values("clinic_id")
    elsewhere = (
        Membership.objects.filter(user=membership.user, is_active=True)
        .exclude(clinic_id__in=administered)
        .exists()
    )
    if elsewhere:
        raise ValidationError(
            "This person also works at a clinic you do not administer; an admin of every "
            "clinic they work at must reset their two-factor login."
        )
    TOTPDevice.objects.filter(user=membership.user).delete()
    _audit(actor, membership.clinic, "two_factor.reset", membership.user)


@transaction.atomic
def password_change(*, actor: Actor, user: User, new_password: str) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _audit(actor, None, "user.password_change", user, ["password"])


@transaction.atomic
def login_record(*, actor: Actor, succeeded: bool, email: str = "") -> None:
    """Audit a login attempt. A failure records the name that was typed, nothing else."""
    audit_record(
        actor=actor.user if succeeded else email[:254],
        clinic=None,
        action="login.success" if succeeded else "login.failure",
        object_type="user",
        object_id=actor.user.pk if succeeded else "",
        ip_address=actor.ip_address,
    )


@transaction.atomic
def logout_record(*, actor: Actor) -> None:
    audit_record(
        actor=actor.user,
        clinic=None,
        action="logout",
        object_type="user",
        object_id=actor.user.pk,
        ip_address=actor.ip_address,
    )


@transaction.atomic
def api_token_create(*, actor: Actor, membership: Membership, name: str) -> tuple[ApiToken, str]:
    """A new token; the raw value is returned once and only its hash is kept."""
    if not name.strip():
        raise ValidationError({"name": "Name the token after the tool that will use it."})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        membership=membership, name=name.strip()[:80], prefix=raw[:12], digest=hash_token(raw)
    )
    _audit(actor, membership.clinic, "api_token.create", token, ["name"])
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    _audit(actor, token.membership.clinic, "api_token.revoke", token, ["revoked_at"])
