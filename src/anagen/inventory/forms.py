"""Forms for the inventory and recall pages; the services decide what is allowed."""

from typing import Any

from django import forms

from anagen.core import knowledge
from anagen.inventory.models import LotStatus, MovementKind, Product
from anagen.inventory.services import ALLOWED_STATUS


def ingredient_choices() -> list[tuple[str, str]]:
    """The knowledge base's ingredients a clinic may stock (never-stocked ones are CI-23)."""
    items = knowledge.load().ingredients.values()
    stocked = sorted(((i.id, i.name) for i in items if i.stocked), key=lambda c: c[1])
    return [("", "Choose…"), *stocked]


class ProductForm(forms.Form):
    ingredient = forms.ChoiceField(label="Ingredient")
    name = forms.CharField(label="Name on the box", max_length=120)
    concentration = forms.CharField(
        label="Concentration", max_length=40, required=False, help_text="As printed, e.g. 0.01%"
    )
    maker = forms.CharField(label="Maker", max_length=120)
    unit = forms.CharField(
        label="Unit", max_length=20, initial="vial", help_text="vial, ampoule, syringe…"
    )
    single_use = forms.BooleanField(label="Single-use (one patient, one session)", required=False)
    licensed = forms.BooleanField(label="Licensed medicinal product", required=False)
    low_stock_units = forms.IntegerField(
        label="Warn when usable stock falls to", min_value=0, max_value=100_000, initial=5
    )
    is_active = forms.BooleanField(label="Still stocked", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("single_use", True)
        kwargs["initial"].setdefault("licensed", True)
        super().__init__(*args, **kwargs)
        self.fields["ingredient"].choices = ingredient_choices()  # type: ignore[attr-defined]
        self.fields["single_use"].help_text = (
            "Multi-dose or unlicensed products are refused at the session (rule CI-23) unless "
            "the clinic records a policy allowing them."
        )

    @staticmethod
    def initial_for(product: Product) -> dict[str, Any]:
        return {name: getattr(product, name) for name in ProductForm.base_fields}


class ReceiveForm(forms.Form):
    product = forms.TypedChoiceField(label="Product", coerce=int)
    number = forms.CharField(label="Lot number", max_length=60, help_text="As printed on the box")
    expiry = forms.DateField(
        label="Expiry date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    units = forms.IntegerField(label="Units received", min_value=1, max_value=100_000)
    supplier = forms.CharField(label="Supplier", max_length=120, required=False)

    def __init__(self, *args: Any, products: list[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Choose…"), *((p.pk, f"{p} — {p.maker}") for p in products)]
        self.fields["product"].choices = choices  # type: ignore[attr-defined]


ADJUST_CHOICES = [
    (MovementKind.DISCARD.value, "Discard (damaged, contaminated, expired)"),
    (MovementKind.RETURN.value, "Return to the supplier"),
    (MovementKind.ADJUSTMENT.value, "Stock count correction"),
]


class AdjustForm(forms.Form):
    kind = forms.ChoiceField(label="What happened", choices=ADJUST_CHOICES)
    units = forms.IntegerField(
        label="Units",
        min_value=-100_000,
        max_value=100_000,
        help_text="Units taken out for a discard or return; for a count correction, + or − the "
        "difference (−2 when two are missing).",
    )
    reason = forms.CharField(label="Reason", max_length=250)

    def signed_units(self) -> int:
        """Discards and returns take units out, whichever sign was typed."""
        units: int = self.cleaned_data["units"]
        return units if self.cleaned_data["kind"] == MovementKind.ADJUSTMENT else -abs(units)


STATUS_CHOICES = [
    (LotStatus.QUARANTINED.value, "Quarantine (hold while checking)"),
    (LotStatus.RECALLED.value, "Recall (final)"),
    (LotStatus.AVAILABLE.value, "Release from quarantine"),
]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Action", choices=STATUS_CHOICES)
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The supplier's notice, the finding, the outcome of the check.",
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_STATUS[LotStatus(current)]
        # No preselected action: a recall is final, so the user picks it.
        choices = [("", "Choose…"), *(c for c in STATUS_CHOICES if c[0] in allowed)]
        self.fields["status"].choices = choices  # type: ignore[attr-defined]


class PolicyForm(forms.Form):
    reason = forms.CharField(
        label="Why the clinic allows this product",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="E.g. one vial per patient and session, opened at the session and discarded "
        "after. Leave empty to withdraw the policy.",
    )
