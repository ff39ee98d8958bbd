from typing import Any

from django.db.models import QuerySet

from anagen.clinics.models import Clinic, Membership


def memberships_active(user: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True, clinic__isnull=False)
        .select_related("clinic")
        .order_by("clinic__name")
    )


def membership_for_request(user: Any, clinic_id: int | str | None) -> Membership | None:
    memberships = memberships_active(user)
    if clinic_id is not None:
        chosen = memberships.filter(clinic_id=clinic_id).first()
        if chosen:
            return chosen
    return memberships.first()


def staff_list(clinic: Clinic) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(clinic=clinic)
        .select_related("user")
        .order_by("-is_active", "user__full_name")
    )


def membership_get(clinic: Clinic, membership_id: int) -> Membership:
    return Membership.objects.select_related("user").get(clinic=clinic, pk=membership_id)
