"""The recall page: quarantine or recall a lot with a reason, and see every patient exposed to it
with contact details, for reception to call them; exported as CSV and PDF. Opening or exporting
the list is audited, since it reveals patients. Reception may read it; only a role holding
LOT_RECALL changes the lot's status."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from anagen.clinics.access import can, clinic_member
from anagen.clinics.models import Clinic
from anagen.clinics.roles import Perm, Role
from anagen.inventory import selectors, services
from anagen.inventory.forms import StatusForm
from anagen.inventory.models import Lot, LotStatus
from anagen.inventory.printing import recall_csv, recall_document, recall_pdf
from anagen.web.forms_errors import apply_errors
from anagen.web.request_info import actor_of


def _chain(request: HttpRequest) -> list[Clinic]:
    """The clinics a chain admin may widen this recall to; none for anyone else."""
    clinic = request.clinic  # type: ignore[attr-defined]
    if request.membership.role != Role.ADMIN:  # type: ignore[attr-defined]
        return []
    clinics = selectors.chain_clinics(request.user)
    return clinics if any(c.pk == clinic.pk for c in clinics) else []


def _recall(request: HttpRequest, lot_id: int) -> tuple[Lot, list[Clinic], bool]:
    lot = selectors.lot_get(clinic=request.clinic, lot_id=lot_id)  # type: ignore[attr-defined]
    chain = _chain(request)
    return lot, chain, bool(chain) and request.GET.get("chain") == "1"


def _rows(request: HttpRequest, lot: Lot, chain: list[Clinic], wide: bool) -> list[Any]:
    clinic = request.clinic  # type: ignore[attr-defined]
    return selectors.exposed(clinic, lot, chain=chain if wide else ())


@clinic_member(Perm.RECALL_VIEW)
def lot_recall(request: HttpRequest, lot_id: int) -> HttpResponse:
    clinic = request.clinic  # type: ignore[attr-defined]
    lot, chain, wide = _recall(request, lot_id)
    may_act = can(request, Perm.LOT_RECALL) and lot.status != LotStatus.RECALLED
    form = StatusForm(request.POST or None, current=lot.status)
    if request.method == "POST":
        if not may_act:
            raise PermissionDenied("Your role cannot change a lot's status")
        if form.is_valid():
            try:
                services.lot_status_set(actor=actor_of(request), lot=lot, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, f"Lot {lot.number} is now {lot.get_status_display().lower()}."
                )
                return redirect(request.get_full_path())
    rows = _rows(request, lot, chain, wide)
    services.recall_list_open(actor=actor_of(request), clinic=clinic, lot=lot, rows=rows)
    query = "?chain=1" if wide else ""
    context = {
        "lot": lot,
        "product": lot.product,
        "rows": rows,
        "session_count": sum(len(r.sessions) for r in rows),
        "form": form,
        "may_act": may_act,
        "can_view_lot": can(request, Perm.INVENTORY_VIEW),
        "chain": chain,
        "wide": wide,
        "csv_url": reverse("lot_recall_csv", args=[lot.pk]) + query,
        "pdf_url": reverse("lot_recall_pdf", args=[lot.pk]) + query,
    }
    return render(request, "inventory/recall.html", context, status=422 if form.errors else 200)


def _export(request: HttpRequest, lot_id: int, kind: str) -> tuple[Lot, dict[str, Any]]:
    clinic = request.clinic  # type: ignore[attr-defined]
    lot, chain, wide = _recall(request, lot_id)
    rows = _rows(request, lot, chain, wide)
    services.recall_list_open(
        actor=actor_of(request), clinic=clinic, lot=lot, rows=rows, export=kind
    )
    today = selectors.clinic_today(clinic)
    return lot, recall_document(clinic, lot, rows, printed_on=today, chain=wide)


def _filename(lot: Lot, extension: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in lot.number)
    return f"recall-lot-{safe}.{extension}"


@clinic_member(Perm.RECALL_VIEW)
def lot_recall_csv(request: HttpRequest, lot_id: int) -> HttpResponse:
    lot, document = _export(request, lot_id, "csv")
    response = HttpResponse(recall_csv(document), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(lot, "csv")}"'
    return response


@clinic_member(Perm.RECALL_VIEW)
def lot_recall_pdf(request: HttpRequest, lot_id: int) -> HttpResponse:
    lot, document = _export(request, lot_id, "pdf")
    response = HttpResponse(recall_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(lot, "pdf")}"'
    return response
