"""Creating a clinic with its first admin (`anagen setup-clinic` and the demo)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from anagen.accounts.services import staff_create
from anagen.audit.services import Actor, audit_record
from anagen.clinics.models import Clinic
from anagen.clinics.roles import Role


@transaction.atomic
def clinic_setup(
    *,
    actor: Actor,
    name: str,
    slug: str,
    admin_email: str,
    admin_name: str,
    admin_password: str,
    address: str = "",
    phone: str = "",
) -> Clinic:
    """A new clinic and its admin (a new account, or an existing one given the admin role)."""
    if Clinic.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A clinic with the id {slug!r} exists already."})
    clinic = Clinic(name=name.strip(), slug=slug.strip(), address=address, phone=phone)
    clinic.full_clean()
    clinic.save()
    audit_record(
        actor=actor.user,
        clinic=clinic,
        action="clinic.create",
        object_type="clinic",
        object_id=clinic.pk,
        changes=["name", "slug"],
        ip_address=actor.ip_address,
    )
    staff_create(
        actor=actor,
        clinic=clinic,
        email=admin_email,
        full_name=admin_name,
        role=Role.ADMIN,
        password=admin_password,
    )
    return clinic
