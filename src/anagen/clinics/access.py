"""Who may use each view. Every view declares it with one of these decorators.

A test walks the URL configuration and fails on any view without a declaration
(tests/test_access_declared.py). Views for clinic data get ``request.clinic`` and
``request.membership`` guaranteed; a missing permission is 403, while another clinic's object is
a 404 because selectors only ever look inside ``request.clinic``.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render

from anagen.clinics.models import Clinic, Membership
from anagen.clinics.roles import role_allows


class StaffRequest(HttpRequest):
    """The request a ``signed_in`` or ``clinic_member`` view receives, for type checking.

    ``clinic`` and ``membership`` are set by ClinicMiddleware; behind ``clinic_member`` they are
    never None.
    """

    user: Any  # anagen.accounts.models.User
    clinic: Clinic
    membership: Membership


View = TypeVar("View", bound=Callable[..., HttpResponseBase])
ACCESS_ATTR = "anagen_access"


def public(view: View) -> View:
    """Anyone, signed in or not (the login page)."""
    setattr(view, ACCESS_ATTR, "public")
    return view


def signed_in(view: View) -> View:
    """Any signed-in staff member, whatever their clinic (their own account pages)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    setattr(wrapper, ACCESS_ATTR, "signed_in")
    return wrapper  # type: ignore[return-value]


def clinic_member(perm: str | None = None) -> Callable[[View], View]:
    """A member of the current clinic, holding ``perm`` when one is named."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None)
            if membership is None:
                return render(request, "clinics/no_clinic.html", status=403)
            if perm and not role_allows(membership.role, perm):
                raise PermissionDenied(
                    f"Your role ({membership.get_role_display()}) cannot do this"
                )
            return view(request, *args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, f"clinic:{perm or 'member'}")
        return wrapper  # type: ignore[return-value]

    return decorate


def can(request: HttpRequest, perm: str) -> bool:
    membership = getattr(request, "membership", None)
    return bool(membership and role_allows(membership.role, perm))
