"""The clinic's policy page (admins) and the read-only knowledge base (clinicians)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from anagen.clinics.access import clinic_member
from anagen.clinics.roles import Perm
from anagen.consultations.services import clinic_knowledge, clinic_policy, clinic_policy_set
from anagen.core.knowledge import Knowledge, load
from anagen.core.planning import MAX_PRICE
from anagen.web.forms_errors import apply_errors
from anagen.web.request_info import actor_of


def _clinic(request: HttpRequest) -> Any:
    return request.clinic  # type: ignore[attr-defined]


class PolicyForm(forms.Form):
    """One field per policy parameter, aftercare item and protocol price; built from the
    knowledge base so a new parameter appears without code."""

    currency = forms.CharField(max_length=3, min_length=3, initial="EUR")
    default_price = forms.FloatField(
        required=False, min_value=0, max_value=MAX_PRICE, label="Default price per session"
    )

    def __init__(self, *args: Any, kb: Knowledge, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for p in kb.policy.values():
            self.fields[f"param_{p.id}"] = forms.FloatField(
                label=f"{p.label}",
                min_value=p.min,
                max_value=p.max,
                help_text=f"{p.min:g}–{p.max:g} {p.unit}",
            )
        for item in kb.aftercare:
            if item.basis == "clinic_policy":
                self.fields[f"days_{item.id}"] = forms.IntegerField(
                    label=item.id.replace("_", " ").capitalize(),
                    min_value=item.min_days,
                    max_value=item.max_days,
                )
                self.fields[f"on_{item.id}"] = forms.BooleanField(required=False, label="Given")
        for protocol in kb.protocols.values():
            self.fields[f"price_{protocol.id}"] = forms.FloatField(
                required=False, min_value=0, max_value=MAX_PRICE, label=protocol.name
            )


def _initial(kb: Knowledge, prices: dict[str, Any]) -> dict[str, Any]:
    initial: dict[str, Any] = {f"param_{p.id}": p.value for p in kb.policy.values()}
    for item in kb.aftercare:
        initial[f"days_{item.id}"], initial[f"on_{item.id}"] = item.days, item.enabled
    initial["currency"] = prices.get("currency", "EUR")
    initial["default_price"] = prices.get("default")
    for protocol_id, price in prices.get("per_session", {}).items():
        initial[f"price_{protocol_id}"] = price
    return initial


def _documents(data: dict[str, Any], kb: Knowledge) -> tuple[dict[str, Any], dict[str, Any]]:
    base = load()
    parameters = {
        p.id: data[f"param_{p.id}"]
        for p in kb.policy.values()
        if data[f"param_{p.id}"] != base.policy[p.id].value
    }
    aftercare = {
        i.id: {"days": data[f"days_{i.id}"], "enabled": data[f"on_{i.id}"]}
        for i in kb.aftercare
        if i.basis == "clinic_policy"
    }
    per_session = {
        p: data[f"price_{p}"] for p in kb.protocols if data.get(f"price_{p}") is not None
    }
    prices: dict[str, Any] = {"currency": data["currency"].upper(), "per_session": per_session}
    if data.get("default_price") is not None:
        prices["default"] = data["default_price"]
    return {"parameters": parameters, "aftercare": aftercare}, prices


@clinic_member(Perm.POLICY_MANAGE)
def policy_edit(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(request)
    kb = clinic_knowledge(clinic)
    form = PolicyForm(
        request.POST or None, initial=_initial(kb, clinic_policy(clinic).prices), kb=kb
    )
    if request.method == "POST" and form.is_valid():
        overrides, prices = _documents(form.cleaned_data, kb)
        try:
            clinic_policy_set(
                actor=actor_of(request), clinic=clinic, overrides=overrides, prices=prices
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Clinic policy saved. New consultations use it.")
            return redirect("policy_edit")
    context = {
        "form": form,
        "kb": kb,
        "evidence_items": [i for i in kb.aftercare if i.basis == "evidence"],
    }
    return render(request, "consultations/policy.html", context)


@clinic_member(Perm.CLINICAL_VIEW)
def knowledge_list(request: HttpRequest) -> HttpResponse:
    kb = clinic_knowledge(_clinic(request))
    return render(request, "consultations/knowledge_list.html", {"kb": kb})


def _readable(value: Any) -> dict[str, Any]:
    """A record's value as the page shows it (``_value.html``): a mapping as a nested list of
    names and values, a list of plain values as one line, a list of records as a list; never
    Python's own spelling of a dict."""
    if isinstance(value, dict):
        return {"map": [(str(k).replace("_", " "), _readable(v)) for k, v in value.items()]}
    if isinstance(value, list | tuple):
        if all(not isinstance(v, dict | list | tuple) for v in value):
            return {"text": ", ".join(str(v) for v in value) or "none"}
        return {"list": [_readable(v) for v in value]}
    return {"text": str(value)}


@clinic_member(Perm.CLINICAL_VIEW)
def knowledge_detail(request: HttpRequest, record_id: str) -> HttpResponse:
    kb = clinic_knowledge(_clinic(request))
    if record_id not in kb.raw:
        raise Http404("No such record")
    kind, record = kb.raw[record_id]
    cited = [kb.sources[s] for s in record.get("sources", ()) if s in kb.sources]
    fields = {
        k.replace("_", " "): _readable(v) for k, v in record.items() if k not in ("id", "sources")
    }
    context = {"kb": kb, "kind": kind, "record_id": record_id, "fields": fields, "cited": cited}
    return render(request, "consultations/knowledge_detail.html", context)
