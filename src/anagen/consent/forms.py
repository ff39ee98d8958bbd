"""Forms for signing, withdrawing and writing consent templates. They only read what was typed;
the services decide."""

from django import forms

from anagen.consent.services import MAX_BODY, MAX_NAME, MAX_REASON, MAX_TITLE
from anagen.core.consent import MAX_SIGNATURE_CHARS


class SignForm(forms.Form):
    signer_name = forms.CharField(
        label="The patient's full name, typed by the patient",
        max_length=MAX_NAME,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # SVG path data from the signature pad; the service reads it as commands and numbers only.
    signature_svg = forms.CharField(
        required=False, max_length=MAX_SIGNATURE_CHARS, widget=forms.HiddenInput
    )
    ticked = forms.BooleanField(label="The patient consented but cannot sign", required=False)
    shown_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason for withdrawing, as the patient gives it",
        max_length=MAX_REASON,
        widget=forms.TextInput(attrs={"placeholder": "e.g. the patient decided not to go on"}),
    )


class TemplateForm(forms.Form):
    title = forms.CharField(label="Title", max_length=MAX_TITLE)
    body = forms.CharField(
        label="Text",
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text="Plain language. Leave a blank line between paragraphs. The plan, the risks "
        "(treatment) or the photos' uses (photography) and the patient's statement are added "
        "below this text on every form.",
    )
