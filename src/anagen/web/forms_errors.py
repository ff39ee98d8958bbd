from collections.abc import Callable, Mapping
from typing import TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse

T = TypeVar("T")


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


def submit(
    form: forms.BaseForm,
    write: Callable[[], T],
    done: Callable[[T], HttpResponse],
    again: Callable[[], HttpResponse],
    rename: Mapping[str, str] | None = None,
) -> HttpResponse:
    """A form's POST: when the form is valid the service ``write``s (and audits) and ``done``
    answers with what it wrote; otherwise, or when the service refuses, ``again`` shows the form
    with its errors (``apply_errors``) and nothing is written."""
    if form.is_valid():
        try:
            written = write()
        except ValidationError as error:
            apply_errors(form, error, rename)
        else:
            return done(written)
    return again()
