from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


def apply_errors(
    form: forms.BaseForm, error: ValidationError, rename: Mapping[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form, each message under its own field;
    ``rename`` maps a service's field name to the form's where they differ."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            field = (rename or {}).get(field, field)
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
