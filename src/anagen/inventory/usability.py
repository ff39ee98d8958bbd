"""Whether a lot may be used at a session on a given day, and if not, every reason why.

The session's lot picker, the signing service (through ``lot_consume``) and the lot pages all ask
this one function, so a lot refused at the session is shown refused everywhere.
"""

import datetime as dt

from anagen.inventory.models import Lot, LotStatus

# REFERENCE.md section 4 row CI-23 and section 1.4 (Munayco 2008; EIMC 2011): multi-dose,
# homeopathic and unlicensed vials were the source of the mesotherapy mycobacterial outbreaks.
CI_23 = "CI-23"


def lot_problems(lot: Lot, *, on: dt.date) -> list[str]:
    """Every reason ``lot`` may not be used at a session on ``on``; empty when it may.

    Expired means an expiry date before ``on`` (a lot is usable on its expiry day). A product
    that is multi-dose or unlicensed is refused (rule CI-23) unless the clinic recorded why it
    allows it (``product.policy_reason``).
    """
    product = lot.product
    name = f"{product} lot {lot.number}"
    problems = []
    if lot.expiry < on:
        problems.append(f"{name} expired on {lot.expiry:%d %b %Y}.")
    if lot.status == LotStatus.RECALLED:
        problems.append(f"{name} is recalled: {lot.status_reason}")
    elif lot.status == LotStatus.QUARANTINED:
        problems.append(f"{name} is quarantined: {lot.status_reason}")
    if lot.quantity <= 0:
        problems.append(f"{name} has no stock left.")
    if product.needs_policy and not product.policy_reason.strip():
        problems.append(
            f"{name}: {_ci23_kind(product.single_use, product.licensed)} products are refused "
            f"(rule {CI_23}: such vials caused the mesotherapy mycobacterial outbreaks) unless "
            "the clinic records a policy allowing this product."
        )
    return problems


def _ci23_kind(single_use: bool, licensed: bool) -> str:
    kinds = [k for k, bad in (("multi-dose", not single_use), ("unlicensed", not licensed)) if bad]
    return " and ".join(kinds).capitalize()
