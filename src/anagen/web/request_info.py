from django.http import HttpRequest

from anagen.audit.services import Actor


def actor_of(request: HttpRequest) -> Actor:
    """The acting user and client address, for services and their audit entries."""
    return Actor(user=request.user, ip_address=request.META.get("REMOTE_ADDR") or None)
