"""The patient's outcomes page (charts, numbers, the response review), running the review at the
milestone, taking up a flagged plan review, the clinic's response criteria, and the progress
report PDF."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from anagen.clinics.access import StaffRequest, can, clinic_member
from anagen.clinics.roles import Perm
from anagen.core.outcomes import default_criteria
from anagen.outcomes import forms_review, review, selectors
from anagen.outcomes.chart_svg import LineChart
from anagen.outcomes.charts import outcome_charts
from anagen.outcomes.models import VisitKind
from anagen.outcomes.report import progress_report, report_print
from anagen.outcomes.review_display import numbers_table, review_view
from anagen.patients.selectors import patient_get
from anagen.plans.selectors import plan_get
from anagen.web.forms_errors import apply_errors
from anagen.web.request_info import actor_of


def _plan(request: StaffRequest, patient: Any) -> Any:
    """The course the page is about: ``?plan=`` when given, else the latest one measured."""
    plan_id = request.GET.get("plan")
    if plan_id:
        plan = plan_get(clinic=request.clinic, plan_id=plan_id)
        if plan.patient_id != patient.pk:
            raise Http404("No such plan")
        return plan
    latest = selectors.visit_list(patient).filter(plan__isnull=False).first()
    return latest.plan if latest else None


def _outcomes_url(patient: Any, plan: Any, anchor: str = "") -> str:
    url = reverse("outcomes_page", args=[patient.pk])
    if plan is not None:
        url += f"?plan={plan.pk}"
    return url + (f"#{anchor}" if anchor else "")


def _chart(chart: LineChart) -> dict[str, Any]:
    """The chart's SVG (built from escaped text only) and its numbers as table rows."""
    rows = [
        {"date": day, "values": [chart.text(chart.value(s, day)) for s in chart.series]}
        for day in chart.dates()
    ]
    return {"chart": chart, "svg": mark_safe(chart.svg()), "rows": rows}  # noqa: S308


@clinic_member(Perm.OUTCOME_VIEW)
def outcomes_page(request: StaffRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_get(clinic=request.clinic, patient_id=patient_id)
    plan = _plan(request, patient)
    review.outcomes_open(actor=actor_of(request), patient=patient)
    charts = outcome_charts(patient, plan)
    reviews = list(review.patient_reviews(patient)[:10])
    visits = list(selectors.visit_list(patient).order_by("date", "created_at"))
    context = {
        "patient": patient,
        "plan": plan,
        "plans": patient.plans.filter(voided_at__isnull=True).order_by("-start_date"),
        "charts": [_chart(c) for c in charts],
        "numbers": numbers_table(patient, visits),
        "latest": review_view(reviews[0]) if reviews else None,
        "earlier": reviews[1:],
        "due": [v for v in visits if v.kind != VisitKind.BASELINE and review.review_due(v)],
        "reviewed": {r.visit_id for r in reviews},
        "milestone": review.review_date(plan),
        "may_review": can(request, Perm.OUTCOME_REVIEW) and not patient.is_archived,
    }
    return render(request, "outcomes/review_page.html", context)


@clinic_member(Perm.OUTCOME_REVIEW)
@require_POST
def review_run_view(request: StaffRequest, visit_id: UUID) -> HttpResponse:
    visit = selectors.visit_get(request.clinic, visit_id)
    try:
        stored = review.review_run(actor=actor_of(request), visit=visit)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        label = stored.get_label_display()
        flag = " Flagged for a plan review." if stored.flagged_for_plan_review else ""
        messages.success(request, f"Response reviewed: {label}.{flag}")
    return redirect(_outcomes_url(visit.patient, visit.plan, "review"))


@clinic_member(Perm.OUTCOME_REVIEW)
@require_POST
def review_acknowledge_view(request: StaffRequest, review_id: UUID) -> HttpResponse:
    found = review.review_get(request.clinic, review_id)
    try:
        review.review_acknowledge(actor=actor_of(request), review=found)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Plan review taken up; the flag is cleared.")
    return redirect(_outcomes_url(found.patient, found.plan, "review"))


@clinic_member(Perm.OUTCOME_CRITERIA)
def criteria_edit(request: StaffRequest) -> HttpResponse:
    current = review.clinic_criteria(request.clinic)
    form = forms_review.CriteriaForm(
        request.POST or None, initial=forms_review.initial(current), criteria=default_criteria()
    )
    if request.method == "POST" and form.is_valid():
        document = forms_review.document(form.cleaned_data, default_criteria())
        try:
            review.criteria_update(
                actor=actor_of(request), clinic=request.clinic, document=document
            )
        except ValidationError as error:
            apply_errors(form, error, {k: forms_review.rename(k) for k in error.message_dict})
        else:
            messages.success(request, "Response criteria saved. Reviews from now on use them.")
            return redirect("criteria_edit")
    context = {"form": form, "criteria": current, "defaults": default_criteria()}
    return render(request, "outcomes/criteria.html", context, status=400 if form.errors else 200)


@clinic_member(Perm.OUTCOME_VIEW)
def report_download(request: StaffRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_get(clinic=request.clinic, patient_id=patient_id)
    plan = _plan(request, patient)
    report = progress_report(patient, plan)
    pdf = report_print(actor=actor_of(request), report=report)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"progress-{patient.number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
