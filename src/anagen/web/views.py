from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from anagen.clinics.access import can, clinic_member, signed_in
from anagen.clinics.middleware import SESSION_CLINIC_KEY
from anagen.clinics.roles import Perm
from anagen.clinics.selectors import memberships_active
from anagen.core import codes
from anagen.inventory.selectors import stock_warnings
from anagen.outcomes.review import plan_reviews_open
from anagen.patients.selectors import patient_list
from anagen.safety.selectors import dashboard_safety
from anagen.scheduling.selectors import day_bookings


@clinic_member()
def dashboard(request: HttpRequest) -> HttpResponse:
    clinic = request.clinic  # type: ignore[attr-defined]
    patients = patient_list(clinic=clinic)
    context = {
        "patient_count": patients.count(),
        "recent_patients": patients.order_by("-updated_at")[:8],
        "archived_count": patient_list(clinic=clinic, include_archived=True)
        .filter(archived_at__isnull=False)
        .count(),
    }
    today = timezone.localdate()
    if can(request, Perm.SCHEDULE_VIEW):
        context["today_sessions"] = day_bookings(clinic, today)
    if can(request, Perm.INVENTORY_VIEW):
        context["stock_warnings"] = stock_warnings(clinic, today)
    if can(request, Perm.SAFETY_VIEW):
        context["safety"] = dashboard_safety(clinic, today)
    if can(request, Perm.OUTCOME_REVIEW):
        context["plan_reviews"] = list(plan_reviews_open(clinic)[:20])
    return render(request, "web/dashboard.html", context)


@signed_in
@require_POST
def clinic_switch(request: HttpRequest) -> HttpResponse:
    clinic_id = request.POST.get("clinic", "")
    if not memberships_active(request.user).filter(clinic_id=clinic_id).exists():
        return HttpResponseBadRequest("You are not on the staff of that clinic.")
    request.session[SESSION_CLINIC_KEY] = int(clinic_id)
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return redirect(next_url)


@clinic_member(Perm.PATIENT_VIEW)
def code_search(request: HttpRequest, system: str) -> HttpResponse:
    """Options for the ICD-10 and ATC pickers (an HTMX partial)."""
    if system not in ("icd10", "atc"):
        return HttpResponse(status=404)
    query = request.GET.get("q", "")
    results = codes.load(system).search(query, limit=15) if len(query) >= 2 else []
    return render(request, "web/code_options.html", {"results": results, "query": query})


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "web/error.html", {"title": "Not found"}, status=404)


def forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "Your role does not allow this."
    return render(
        request, "web/error.html", {"title": "Not allowed", "message": message}, status=403
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "web/error.html", {"title": "Something went wrong"}, status=500)
