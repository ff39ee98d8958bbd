from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from anagen.accounts import services
from anagen.accounts.forms import ApiTokenForm, LoginForm, TokenForm
from anagen.accounts.models import ApiToken
from anagen.accounts.two_factor import has_confirmed_device, pending_device, qr_svg, secret_text
from anagen.audit.services import Actor
from anagen.clinics.access import StaffRequest, clinic_member, public, signed_in
from anagen.web.request_info import actor_of


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@public
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = form.get_user()
            login(request, user)
            services.login_record(actor=actor_of(request), succeeded=True)
            return redirect(_safe_next(request))
        address = request.META.get("REMOTE_ADDR") or None
        services.login_record(
            actor=Actor(user=None, ip_address=address),
            succeeded=False,
            email=request.POST.get("username", ""),
        )
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request, "")})


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.logout_record(actor=actor_of(request))
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("login")


@signed_in
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("two_factor_enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].replace(" ", "")):
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", "That code is not right. Codes change every 30 seconds.")
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@signed_in
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    if has_confirmed_device(request.user) and not request.user.is_verified():  # type: ignore[union-attr]
        return redirect("two_factor_verify")
    device = pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.two_factor_confirm(
            actor=actor_of(request), device=device, token=form.cleaned_data["token"]
        ):
            otp_login(request, device)
            messages.success(request, "Two-factor login is on for your account.")
            return redirect("account")
        form.add_error("token", "That code is not right. Check the time on your phone.")
    context = {"form": form, "qr": qr_svg(device.config_url), "secret": secret_text(device)}
    return render(request, "accounts/two_factor_enrol.html", context)


@signed_in
def account(request: StaffRequest) -> HttpResponse:
    membership = getattr(request, "membership", None)
    tokens = ApiToken.objects.filter(membership__user=request.user, revoked_at__isnull=True)
    context = {
        "two_factor_on": has_confirmed_device(request.user),
        "tokens": tokens.select_related("membership__clinic"),
        "token_form": ApiTokenForm(),
        "can_make_tokens": membership is not None,
        "new_token": request.session.pop("new_api_token", None),
    }
    return render(request, "accounts/account.html", context)


@signed_in
def password_change_view(request: StaffRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            actor=actor_of(request),
            user=request.user,
            new_password=form.cleaned_data["new_password1"],
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, "Your password has been changed.")
        return redirect("account")
    return render(request, "accounts/password_change.html", {"form": form})


@clinic_member()
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            _token, raw = services.api_token_create(
                actor=actor_of(request),
                membership=request.membership,  # type: ignore[attr-defined]
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            request.session["new_api_token"] = raw
    else:
        messages.error(request, "Name the token after the tool that will use it.")
    return redirect("account")


@signed_in
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(
        ApiToken.objects.select_related("membership__clinic"),
        pk=token_id,
        membership__user=request.user,
        revoked_at__isnull=True,
    )
    services.api_token_revoke(actor=actor_of(request), token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("account")
