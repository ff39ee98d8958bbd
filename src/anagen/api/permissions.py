from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from anagen.clinics.access import ACCESS_ATTR
from anagen.clinics.roles import role_allows

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def requires(perm: str) -> Callable[[Endpoint], Endpoint]:
    """Declare the permission an endpoint needs; 403 for a role without it."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @wraps(endpoint)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not role_allows(request.membership.role, perm):  # type: ignore[attr-defined]
                raise PermissionDenied(f"Your role cannot do this ({perm})")
            return endpoint(request, *args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, f"clinic:{perm}")
        return wrapper  # type: ignore[return-value]

    return decorate
