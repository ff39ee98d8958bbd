from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from anagen.clinics.selectors import membership_for_request

SESSION_CLINIC_KEY = "anagen_clinic_id"


class ClinicMiddleware:
    """Puts the signed-in user's current clinic and membership on the request.

    The current clinic is the one chosen in the session; without a choice, the first clinic where
    the user has an active membership. Times on pages are shown in the clinic's time zone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.clinic = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            membership = membership_for_request(
                request.user, request.session.get(SESSION_CLINIC_KEY)
            )
            request.membership = membership  # type: ignore[attr-defined]
            request.clinic = membership.clinic if membership else None  # type: ignore[attr-defined]
        if request.clinic is not None:  # type: ignore[attr-defined]
            timezone.activate(ZoneInfo(request.clinic.time_zone))  # type: ignore[attr-defined]
        else:
            timezone.deactivate()
        return self.get_response(request)
