"""Creating a clinic with its first admin (the `anagen setup-clinic` command)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from anagen.accounts.models import User
from anagen.audit.services import audit_record
from anagen.clinics.models import Clinic, Membership
from anagen.clinics.roles import Role


@transaction.atomic
def clinic_setup(
    *, name: str, slug: str, admin_email: str, admin_name: str, admin_password: str
) -> Clinic:
    if Clinic.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A clinic with the id {slug!r} exists already."})
    clinic = Clinic(name=name.strip(), slug=slug.strip())
    clinic.full_clean()
    clinic.save()
    user = User.objects.filter(email=admin_email.strip().lower()).first()
    if user is None:
        user = User(email=admin_email.strip().lower(), full_name=admin_name.strip())
        try:
            validate_password(admin_password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
        user.set_password(admin_password)
        user.full_clean()
        user.save()
    Membership.objects.create(user=user, clinic=clinic, role=Role.ADMIN)
    audit_record(
        actor="anagen setup-clinic",
        clinic=clinic,
        action="clinic.create",
        object_type="clinic",
        object_id=clinic.pk,
        changes=["name", "slug"],
    )
    return clinic
