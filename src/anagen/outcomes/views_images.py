"""Trichoscopy images (upload, the correction page, calibration), clinical photos and their
comparison between visits, the image files, and the clinic's trichoscope calibrations.

Files are only served here, after the clinic check of the selector: another clinic's image is a
404 like any other record, and there is no public media URL.
"""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from anagen.clinics.access import StaffRequest, can, clinic_member
from anagen.clinics.roles import Perm
from anagen.outcomes import files, forms, selectors, services
from anagen.outcomes.models import PhotoView
from anagen.outcomes.views import _void, visit_page
from anagen.patients.selectors import patient_get
from anagen.web.forms_errors import apply_errors, submit
from anagen.web.request_info import actor_of


def _file_response(name: str | None) -> HttpResponse:
    data, content_type = files.for_browser(name)
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, max-age=600"
    response["Content-Disposition"] = "inline"
    return response


@clinic_member(Perm.OUTCOME_RECORD)
@require_POST
def image_upload(request: StaffRequest, visit_id: UUID) -> HttpResponse:
    visit = selectors.visit_get(request.clinic, visit_id)
    devices = selectors.devices(request.clinic)
    form = forms.ImageForm(request.POST, request.FILES, devices=devices, auto_id="img_%s")

    def uploaded(image: Any) -> HttpResponse:
        messages.success(request, f"{image.detected_count} hairs detected. Check them below.")
        return redirect("image_detail", image.pk)

    return submit(
        form,
        lambda: services.image_upload(
            actor=actor_of(request),
            visit=visit,
            file=form.cleaned_data["file"],
            site=form.cleaned_data["site"],
            site_label=form.cleaned_data["site_label"],
            um_per_px=form.cleaned_data["um_per_px"],
            device=form.chosen_device(),
        ),
        uploaded,
        lambda: visit_page(request, visit, status=400, image_form=form),
        {"visit": "__all__"},
    )


@clinic_member(Perm.OUTCOME_VIEW)
def image_detail(request: StaffRequest, image_id: UUID) -> HttpResponse:
    image = selectors.image_get(request.clinic, image_id)
    services.image_open(actor=actor_of(request), image=image)
    return _image_page(request, image)


def _image_page(request: StaffRequest, image: Any, status: int = 200, **bound: Any) -> HttpResponse:
    context = {
        "image": image,
        "visit": image.visit,
        "patient": image.visit.patient,
        "hairs": image.hairs,
        "added_count": sum(1 for h in image.hairs if h.get("added")),
        "can_record": can(request, Perm.OUTCOME_RECORD) and not image.is_void,
        "correction_form": forms.CorrectionForm(initial={"version": image.hairs_version}),
        "calibration_form": forms.CalibrationForm(
            initial={"um_per_px": image.um_per_px}, auto_id="cal_%s"
        ),
        "void_form": forms.VoidForm(auto_id="void_%s"),
    } | bound
    return render(request, "outcomes/image_detail.html", context, status=status)


@clinic_member(Perm.OUTCOME_RECORD)
@require_POST
def image_correct(request: StaffRequest, image_id: UUID) -> HttpResponse:
    image = selectors.image_get(request.clinic, image_id)
    form = forms.CorrectionForm(request.POST)

    def corrected(image: Any) -> HttpResponse:
        messages.success(request, f"Corrections saved: {image.hair_count} hairs.")
        return redirect("image_detail", image.pk)

    return submit(
        form,
        lambda: services.image_correct(
            actor=actor_of(request),
            image=image,
            add=form.cleaned_data["add"],
            remove=form.cleaned_data["remove"],
            version=form.cleaned_data["version"],
        ),
        corrected,
        lambda: _image_page(request, image, status=400, correction_form=form),
        {"add": "__all__", "remove": "__all__", "version": "__all__"},
    )


@clinic_member(Perm.OUTCOME_RECORD)
@require_POST
def image_calibrate(request: StaffRequest, image_id: UUID) -> HttpResponse:
    image = selectors.image_get(request.clinic, image_id)
    form = forms.CalibrationForm(request.POST, auto_id="cal_%s")

    def calibrated(_: object) -> HttpResponse:
        messages.success(request, "Calibration saved; the measures are recomputed.")
        return redirect("image_detail", image.pk)

    return submit(
        form,
        lambda: services.image_calibrate(
            actor=actor_of(request), image=image, um_per_px=form.cleaned_data["um_per_px"]
        ),
        calibrated,
        lambda: _image_page(request, image, status=400, calibration_form=form),
    )


@clinic_member(Perm.OUTCOME_RECORD)
@require_POST
def image_void(request: StaffRequest, image_id: UUID) -> HttpResponse:
    image = selectors.image_get(request.clinic, image_id)
    return _void(request, image.visit, image)


@clinic_member(Perm.OUTCOME_VIEW)
def image_file(request: StaffRequest, image_id: UUID) -> HttpResponse:
    return _file_response(selectors.image_get(request.clinic, image_id).file.name)


@clinic_member(Perm.OUTCOME_RECORD)
@require_POST
def photo_add(request: StaffRequest, visit_id: UUID) -> HttpResponse:
    visit = selectors.visit_get(request.clinic, visit_id)
    form = forms.PhotoForm(request.POST, request.FILES, auto_id="photo_%s")

    def added(_: object) -> HttpResponse:
        messages.success(request, "Photo added.")
        return redirect("visit_detail", visit.pk)

    return submit(
        form,
        lambda: services.photo_add(
            actor=actor_of(request),
            visit=visit,
            view=form.cleaned_data["view"],
            file=form.cleaned_data["file"],
            checklist=form.checklist(),
        ),
        added,
        lambda: visit_page(request, visit, status=400, photo_form=form),
        {"consent": "__all__", "visit": "__all__"},
    )


@clinic_member(Perm.OUTCOME_RECORD)
@require_POST
def photo_void(request: StaffRequest, photo_id: UUID) -> HttpResponse:
    photo = selectors.photo_get(request.clinic, photo_id)
    return _void(request, photo.visit, photo)


@clinic_member(Perm.OUTCOME_VIEW)
def photo_file(request: StaffRequest, photo_id: UUID) -> HttpResponse:
    return _file_response(selectors.photo_get(request.clinic, photo_id).file.name)


@clinic_member(Perm.OUTCOME_VIEW)
def photo_compare(request: StaffRequest, patient_id: UUID) -> HttpResponse:
    """Two visits' photos of one view, side by side and as a slider overlay. Without a choice,
    the first and the latest photo of the view."""
    patient = patient_get(clinic=request.clinic, patient_id=patient_id)
    view = request.GET.get("view") or PhotoView.VERTEX
    if view not in PhotoView.values:
        view = PhotoView.VERTEX
    photos = list(selectors.patient_photos(patient, view))
    by_id = {str(p.pk): p for p in photos}
    first = by_id.get(request.GET.get("a", "")) or (photos[0] if photos else None)
    second = by_id.get(request.GET.get("b", "")) or (photos[-1] if len(photos) > 1 else None)
    context = {
        "patient": patient,
        "view": view,
        "views": PhotoView.choices,
        "photos": photos,
        "first": first,
        "second": second,
    }
    return render(request, "outcomes/photo_compare.html", context)


@clinic_member(Perm.OUTCOME_CRITERIA)
def device_list(request: StaffRequest) -> HttpResponse:
    form = forms.DeviceForm(request.POST or None, initial={"active": True}, auto_id="dev_%s")
    if request.method == "POST" and form.is_valid():
        try:
            services.device_save(
                actor=actor_of(request), clinic=request.clinic, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Device saved.")
            return redirect("device_list")
    context = {"devices": selectors.devices(request.clinic, active_only=False), "form": form}
    status = 400 if form.errors else 200
    return render(request, "outcomes/measure_devices.html", context, status=status)


@clinic_member(Perm.OUTCOME_CRITERIA)
@require_POST
def device_edit(request: StaffRequest, device_id: int) -> HttpResponse:
    device = selectors.device_get(request.clinic, device_id)
    form = forms.DeviceForm(request.POST)

    def saved(_: object) -> HttpResponse:
        messages.success(request, f"{device.name} saved.")
        return redirect("device_list")

    def refused() -> HttpResponse:
        for message in [m for errors in form.errors.values() for m in errors]:
            messages.error(request, f"{device.name}: {message!s}")
        return redirect("device_list")

    return submit(
        form,
        lambda: services.device_save(
            actor=actor_of(request), clinic=request.clinic, device=device, **form.cleaned_data
        ),
        saved,
        refused,
    )
