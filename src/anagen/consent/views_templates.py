"""The clinic's consent templates: the text in force for each kind, its earlier versions, and
writing the next version."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from anagen.clinics.access import clinic_member
from anagen.clinics.roles import Perm
from anagen.consent import selectors, services
from anagen.consent.forms import TemplateForm
from anagen.consent.models import ConsentKind
from anagen.web.forms_errors import apply_errors
from anagen.web.request_info import actor_of


def _clinic(request: HttpRequest) -> Any:
    return request.clinic  # type: ignore[attr-defined]


@clinic_member(Perm.CONSENT_TEMPLATES)
def template_list(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(request)
    kinds = [
        {
            "kind": kind,
            "label": label,
            "text": selectors.template_text(clinic, kind),
            "versions": list(selectors.template_versions(clinic, kind)),
        }
        for kind, label in ConsentKind.choices
    ]
    return render(request, "consent/templates.html", {"kinds": kinds})


@clinic_member(Perm.CONSENT_TEMPLATES)
def template_new(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in ConsentKind.values:
        raise Http404("No such consent form")
    clinic = _clinic(request)
    text = selectors.template_text(clinic, kind)
    form = TemplateForm(request.POST or None, initial={"title": text.title, "body": text.body})
    if request.method == "POST" and form.is_valid():
        try:
            template = services.consent_template_save(
                actor=actor_of(request),
                clinic=clinic,
                kind=kind,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Saved as version {template.version}.")
            return redirect("consent_templates")
    context = {
        "kind": kind,
        "label": ConsentKind(kind).label,
        "text": text,
        "form": form,
        "versions": list(selectors.template_versions(clinic, kind)),
    }
    return render(
        request, "consent/template_form.html", context, status=422 if form.errors else 200
    )
