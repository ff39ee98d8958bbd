from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from anagen.clinics.roles import Role
from anagen.clinics.selectors import memberships_active


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self) -> str:
        # Accounts are stored with lower-case emails; match them (and count lockouts) the same way.
        return str(self.cleaned_data["username"]).strip().lower()

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not memberships_active(user).exists():
            raise forms.ValidationError(
                "This account is not active at any clinic. Ask your clinic admin.", code="inactive"
            )


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code",
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class StaffForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(label="Email")
    role = forms.ChoiceField(choices=Role.choices)
    password = forms.CharField(
        label="Initial password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters. Ask them to change it at first login.",
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class SecurityForm(forms.Form):
    two_factor_roles = forms.MultipleChoiceField(
        label="Require two-factor login for",
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="Token name", max_length=80)
