"""API authentication: a bearer token (one staff member at one clinic) or the browser session.

Either way the request ends up with ``user``, ``membership`` and ``clinic`` set, exactly as the
web views see them, so the same selectors scope every query.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from anagen.accounts.models import ApiToken, hash_token
from anagen.accounts.two_factor import has_confirmed_device


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("membership__clinic", "membership__user")
            .filter(digest=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.membership.is_active or not found.membership.user.is_active:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.membership.user
        request.membership = found.membership  # type: ignore[attr-defined]
        request.clinic = found.membership.clinic  # type: ignore[attr-defined]
        return found.membership


class SessionAuth(APIKeyCookie):
    """The signed-in browser session, with CSRF checks, two-factor verified where required."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie there is no session to protect: skip the CSRF check so that a
        # tool whose bearer token was refused hears 401, not "CSRF check Failed".
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        membership = getattr(request, "membership", None)
        if not user.is_authenticated or membership is None:
            return None
        if not user.is_verified() and (  # type: ignore[attr-defined]
            has_confirmed_device(user) or membership.clinic.requires_two_factor(membership.role)
        ):
            return None
        return membership
