"""The JSON API at /api/v1/ for clinics' own tools. Same services, permissions and audit as the
web pages; another clinic's patient is a 404."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Router
from ninja.errors import ValidationError as RequestValidationError

from anagen.api.auth import SessionAuth, TokenAuth
from anagen.api.clinical import router as clinical_router
from anagen.api.consent import router as consent_router
from anagen.api.inventory import router as inventory_router
from anagen.api.outcomes import router as outcomes_router
from anagen.api.patients import router as patients_router
from anagen.api.permissions import requires
from anagen.api.safety import router as safety_router
from anagen.api.scheduling import router as scheduling_router
from anagen.api.schemas import CodeOut, MeOut
from anagen.api.sessions import router as sessions_router
from anagen.clinics.roles import ROLE_PERMS, Perm
from anagen.core import codes

api = NinjaAPI(
    title="Anagen API",
    version="1",
    description="Patients, their medical history, screening, treatment plans and scheduling. "
    "Authenticate with `Authorization: Bearer <token>` (create one under Account) or a signed-in "
    "browser session.",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    fields = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    detail = [
        {"loc": ["body", field], "msg": message, "type": "value_error"}
        for field, messages in fields.items()
        for message in messages
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(RequestValidationError)
def request_invalid(request: HttpRequest, error: RequestValidationError) -> HttpResponse:
    # A malformed id in the path (not a UUID, not a number) names nothing: 404, as in the web UI.
    if error.errors and all(e.get("loc", ("",))[0] == "path" for e in error.errors):
        return api.create_response(request, {"detail": "Not Found"}, status=404)
    return api.create_response(request, {"detail": error.errors}, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(error) or "Not allowed"}, status=403)


general = Router(tags=["general"])


@general.get("/me", response=MeOut)
@requires(Perm.PATIENT_VIEW)
def me(request: HttpRequest) -> Any:
    membership = request.membership  # type: ignore[attr-defined]
    return {
        "email": membership.user.email,
        "full_name": membership.user.full_name,
        "clinic": membership.clinic.name,
        "role": membership.role,
        "permissions": sorted(ROLE_PERMS[membership.role]),
    }


@general.get("/codes/{system}", response=list[CodeOut])
@requires(Perm.PATIENT_VIEW)
def code_search(request: HttpRequest, system: str, q: str = "") -> Any:
    if system not in ("icd10", "atc"):
        raise ValidationError({"system": "Use icd10 or atc."})
    return [{"code": c.code, "title": c.title} for c in codes.load(system).search(q, limit=50)]


api.add_router("/", general)
api.add_router("/patients", patients_router)
api.add_router("/", clinical_router)
api.add_router("/", scheduling_router)
api.add_router("/", consent_router)
api.add_router("/", sessions_router)
api.add_router("/", inventory_router)
api.add_router("/", safety_router)
api.add_router("/", outcomes_router)
