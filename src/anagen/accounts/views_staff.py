"""Staff management and clinic security settings, for clinic admins."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from anagen.accounts import services
from anagen.accounts.forms import RoleForm, SecurityForm, StaffForm
from anagen.accounts.two_factor import has_confirmed_device
from anagen.clinics.access import StaffRequest, clinic_member
from anagen.clinics.models import Membership
from anagen.clinics.roles import Perm
from anagen.clinics.selectors import membership_get, staff_list
from anagen.web.forms_errors import apply_errors
from anagen.web.request_info import actor_of


@clinic_member(Perm.STAFF_MANAGE)
def staff_list_view(request: HttpRequest) -> HttpResponse:
    memberships = list(staff_list(request.clinic))  # type: ignore[attr-defined]
    for membership in memberships:
        membership.two_factor_on = has_confirmed_device(membership.user)  # type: ignore[attr-defined]
    return render(request, "accounts/staff_list.html", {"memberships": memberships})


@clinic_member(Perm.STAFF_MANAGE)
def staff_new(request: StaffRequest) -> HttpResponse:
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.staff_create(
                actor=actor_of(request),
                clinic=request.clinic,
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{membership.user} can now sign in.")
            return redirect("staff_list")
    status = 400 if form.errors else 200
    return render(request, "accounts/staff_new.html", {"form": form}, status=status)


@clinic_member(Perm.STAFF_MANAGE)
def staff_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    try:
        membership = membership_get(request.clinic, membership_id)  # type: ignore[attr-defined]
    except Membership.DoesNotExist:
        raise Http404("No such staff member") from None
    form = RoleForm(request.POST or None, initial={"role": membership.role})
    if request.method == "POST":
        try:
            _staff_action(request, membership, form)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return redirect("staff_edit", membership_id=membership.pk)
    context = {
        "member": membership,
        "form": form,
        "two_factor_on": has_confirmed_device(membership.user),
    }
    return render(request, "accounts/staff_edit.html", context)


def _staff_action(request: HttpRequest, membership: Membership, form: RoleForm) -> None:
    actor = actor_of(request)
    action = request.POST.get("action")
    if action == "role" and form.is_valid():
        services.membership_change_role(
            actor=actor, membership=membership, role=form.cleaned_data["role"]
        )
        messages.success(request, "Role changed.")
    elif action in ("deactivate", "reactivate"):
        services.membership_set_active(
            actor=actor, membership=membership, active=action == "reactivate"
        )
        messages.success(request, f"{membership.user} {action}d.")
    elif action == "reset_two_factor":
        services.two_factor_reset(actor=actor, membership=membership)
        messages.success(request, "Two-factor login reset; they will enrol again.")
    else:
        raise ValidationError("Choose an action.")


@clinic_member(Perm.STAFF_MANAGE)
def security_settings(request: HttpRequest) -> HttpResponse:
    clinic = request.clinic  # type: ignore[attr-defined]
    # Bound on every POST: with every box unticked the body can be empty (CSRF sent as a header).
    data = request.POST if request.method == "POST" else None
    form = SecurityForm(data, initial={"two_factor_roles": clinic.two_factor_roles})
    if request.method == "POST" and form.is_valid():
        services.clinic_two_factor_roles_set(
            actor=actor_of(request), clinic=clinic, roles=form.cleaned_data["two_factor_roles"]
        )
        messages.success(request, "Security settings saved.")
        return redirect("staff_list")
    return render(request, "accounts/security.html", {"form": form})
