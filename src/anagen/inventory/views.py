"""Inventory pages: products with their stock, a product's lots and CI-23 policy, receiving
stock, and a lot with its movements, adjustments and status. The recall list is views_recall."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from anagen.clinics.access import can, clinic_member
from anagen.clinics.roles import Perm
from anagen.inventory import selectors, services
from anagen.inventory.forms import AdjustForm, PolicyForm, ProductForm, ReceiveForm, StatusForm
from anagen.inventory.models import LotStatus
from anagen.inventory.usability import lot_problems
from anagen.web.forms_errors import apply_errors
from anagen.web.request_info import actor_of


def _clinic(request: HttpRequest) -> Any:
    return request.clinic  # type: ignore[attr-defined]


@clinic_member(Perm.INVENTORY_VIEW)
def inventory(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(request)
    today = selectors.clinic_today(clinic)
    context = {
        "products": selectors.product_list(clinic, today=today),
        "stock_warnings": selectors.stock_warnings(clinic, today),
        "can_manage": can(request, Perm.INVENTORY_MANAGE),
        "today": today,
    }
    return render(request, "inventory/list.html", context)


def _product_form(request: HttpRequest, product: Any = None) -> HttpResponse:
    initial = ProductForm.initial_for(product) if product is not None else {}
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.product_save(
                actor=actor_of(request),
                clinic=_clinic(request),
                product=product,
                data=form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{saved} saved.")
            return redirect("product_detail", saved.pk)
    status = 422 if form.errors else 200
    return render(
        request, "inventory/product_form.html", {"form": form, "product": product}, status=status
    )


@clinic_member(Perm.INVENTORY_MANAGE)
def product_new(request: HttpRequest) -> HttpResponse:
    return _product_form(request)


@clinic_member(Perm.INVENTORY_MANAGE)
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    return _product_form(
        request, selectors.product_get(clinic=_clinic(request), product_id=product_id)
    )


@clinic_member(Perm.INVENTORY_VIEW)
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    clinic = _clinic(request)
    product = selectors.product_get(clinic=clinic, product_id=product_id)
    today = selectors.clinic_today(clinic)
    lots = [(lot, lot_problems(lot, on=today)) for lot in selectors.lot_list(clinic, product)]
    context = {
        "product": product,
        "lots": lots,
        "policy_form": PolicyForm(initial={"reason": product.policy_reason}),
        "can_manage": can(request, Perm.INVENTORY_MANAGE),
        "can_recall": can(request, Perm.LOT_RECALL),
    }
    return render(request, "inventory/product_detail.html", context)


@clinic_member(Perm.LOT_RECALL)
@require_POST
def product_policy(request: HttpRequest, product_id: int) -> HttpResponse:
    product = selectors.product_get(clinic=_clinic(request), product_id=product_id)
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            services.product_policy_set(
                actor=actor_of(request), product=product, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, f"Policy: {message}")
        else:
            done = "recorded" if product.policy_reason else "withdrawn"
            messages.success(request, f"CI-23 policy {done} for {product}.")
    else:
        messages.error(request, "Policy: at most 500 characters.")
    return redirect("product_detail", product.pk)


@clinic_member(Perm.INVENTORY_MANAGE)
def lot_receive(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(request)
    products = [p for p in selectors.product_list(clinic) if p.is_active]
    initial = {"product": request.GET.get("product")}
    form = ReceiveForm(request.POST or None, initial=initial, products=products)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        product = selectors.product_get(clinic=clinic, product_id=data.pop("product"))
        try:
            lot = services.lot_receive(actor=actor_of(request), product=product, **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Received {data['units']} {product.unit}(s) of {lot}.")
            return redirect("lot_detail", lot.pk)
    status = 422 if form.errors else 200
    return render(
        request, "inventory/receive.html", {"form": form, "products": products}, status=status
    )


@clinic_member(Perm.INVENTORY_VIEW)
def lot_detail(request: HttpRequest, lot_id: int) -> HttpResponse:
    clinic = _clinic(request)
    lot = selectors.lot_get(clinic=clinic, lot_id=lot_id)
    return _lot_page(request, lot, AdjustForm(), StatusForm(current=lot.status))


def _lot_page(
    request: HttpRequest,
    lot: Any,
    adjust_form: AdjustForm,
    status_form: StatusForm,
    status: int = 200,
) -> HttpResponse:
    clinic = _clinic(request)
    context = {
        "lot": lot,
        "product": lot.product,
        "problems": lot_problems(lot, on=selectors.clinic_today(clinic)),
        "movements": selectors.lot_movements(lot),
        "exposed_count": len(selectors.exposed(clinic, lot)),
        "adjust_form": adjust_form,
        "status_form": status_form,
        "can_manage": can(request, Perm.INVENTORY_MANAGE),
        "can_recall": can(request, Perm.LOT_RECALL) and lot.status != LotStatus.RECALLED,
    }
    return render(request, "inventory/lot_detail.html", context, status=status)


@clinic_member(Perm.INVENTORY_MANAGE)
@require_POST
def lot_adjust(request: HttpRequest, lot_id: int) -> HttpResponse:
    lot = selectors.lot_get(clinic=_clinic(request), lot_id=lot_id)
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            services.lot_adjust(
                actor=actor_of(request),
                lot=lot,
                units=form.signed_units(),
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Stock of lot {lot.number} now {lot.quantity}.")
            return redirect("lot_detail", lot.pk)
    return _lot_page(request, lot, form, StatusForm(current=lot.status), status=422)


@clinic_member(Perm.LOT_RECALL)
@require_POST
def lot_status(request: HttpRequest, lot_id: int) -> HttpResponse:
    """Quarantine, recall or release, from the lot page (the recall page has its own form)."""
    lot = selectors.lot_get(clinic=_clinic(request), lot_id=lot_id)
    form = StatusForm(request.POST, current=lot.status)
    if form.is_valid():
        try:
            services.lot_status_set(actor=actor_of(request), lot=lot, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"Lot {lot.number} is now {lot.get_status_display().lower()}."
            )
            return redirect("lot_detail", lot.pk)
    return _lot_page(request, lot, AdjustForm(), form, status=422)
