from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from anagen.accounts.two_factor import has_confirmed_device, is_verified

# Paths a signed-in but not yet verified user may still reach.
_OPEN_PREFIXES = ("/login/", "/logout/", "/account/two-factor/", "/static/", "/api/")


class TwoFactorMiddleware:
    """Sends a signed-in user to the code prompt, or to enrolment when their role requires it.

    The API is exempt here because it checks verification itself and answers in JSON.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and not is_verified(user)
        ):
            if has_confirmed_device(user):
                return redirect(f"/account/two-factor/verify/?next={request.path}")
            membership = getattr(request, "membership", None)
            if membership and membership.clinic.requires_two_factor(membership.role):
                return redirect("/account/two-factor/enrol/")
        return self.get_response(request)
