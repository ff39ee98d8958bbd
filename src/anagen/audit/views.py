import csv
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render

from anagen.audit.forms import AuditFilterForm
from anagen.audit.selectors import AuditFilter, audit_entries
from anagen.audit.services import audit_record
from anagen.clinics.access import clinic_member
from anagen.clinics.roles import Perm
from anagen.web.request_info import actor_of

CSV_COLUMNS = [
    "seq",
    "at_utc",
    "actor",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "changes",
    "ip_address",
]


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilter]:
    form = AuditFilterForm(request.GET or None, clinic=request.clinic)  # type: ignore[attr-defined]
    if not form.is_valid():
        return form, AuditFilter()
    data = form.cleaned_data
    return form, AuditFilter(
        user_id=data.get("user"),
        patient_id=data.get("patient"),
        action=data.get("action") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


@clinic_member(Perm.AUDIT_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    entries = audit_entries(clinic=request.clinic, filters=filters)  # type: ignore[attr-defined]
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "audit/list.html", context, status=400 if form.errors else 200)


@clinic_member(Perm.AUDIT_VIEW)
def audit_export(request: HttpRequest) -> HttpResponseBase:
    form, filters = _filters(request)
    if form.errors:
        return render(request, "audit/list.html", {"form": form, "page": None}, status=400)
    clinic = request.clinic  # type: ignore[attr-defined]
    actor = actor_of(request)
    with transaction.atomic():
        audit_record(
            actor=actor.user,
            clinic=clinic,
            action="audit.export",
            object_type="audit",
            changes=["csv"],
            ip_address=actor.ip_address,
        )
    rows = audit_entries(clinic=clinic, filters=filters).iterator(chunk_size=2000)

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(CSV_COLUMNS)
        for e in rows:
            yield writer.writerow(
                [
                    e.seq,
                    e.at.isoformat(),
                    e.actor,
                    e.action,
                    e.object_type,
                    e.object_id,
                    e.patient_id or "",
                    " ".join(e.changes),
                    e.ip_address or "",
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="audit-{clinic.slug}.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value
