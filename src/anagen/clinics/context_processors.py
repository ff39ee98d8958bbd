from typing import Any

from django.http import HttpRequest

from anagen.clinics.roles import ROLE_PERMS
from anagen.clinics.selectors import memberships_active


def clinic(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"clinic": None, "membership": None, "perms_here": frozenset(), "my_clinics": []}
    return {
        "clinic": membership.clinic,
        "membership": membership,
        "perms_here": ROLE_PERMS.get(membership.role, frozenset()),
        "my_clinics": list(memberships_active(request.user)),
    }
