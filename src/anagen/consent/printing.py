"""The PDF snapshot of a signed consent (``anagen.consent/1``), rendered with Typst.

A pure renderer: it reads the document the patient read and the signing details, and returns
PDF bytes. The layout is consent/typst/consent.typ. Every text reaches Typst as JSON through
``sys.inputs``, never as Typst source, so whatever a clinic or patient typed prints as typed.
The drawn signature goes in as an SVG picture built from its path commands and numbers alone
(:func:`anagen.core.consent.signature_svg`).
"""

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import typst

from anagen.core.consent import CONSENT_SCHEMA, signature_svg

TEMPLATE = Path(__file__).parent / "typst" / "consent.typ"


@dataclass(frozen=True)
class Signing:
    """Who signed, how, when and before whom, as the PDF prints it."""

    signer_name: str
    signature_path: str  # SVG path data; empty when the patient could not sign
    ticked: bool
    signed_at: str  # clinic wall-clock time, written out
    witness_name: str
    patient_number: str
    reference: str
    clinic_address: str = ""


def consent_pdf(document: Mapping[str, Any], signing: Signing) -> bytes:
    """Render a consent as an A4 PDF. ValueError when the document is not a consent;
    typst.TypstError when the template fails."""
    if document.get("schema") != CONSENT_SCHEMA:
        raise ValueError(f"document.schema must be {CONSENT_SCHEMA!r}")
    details = asdict(signing)
    details["signature_svg"] = (
        signature_svg(signing.signature_path) if signing.signature_path else ""
    )
    inputs = {"document": json.dumps(document), "signing": json.dumps(details)}
    pdf = typst.compile(str(TEMPLATE), sys_inputs=inputs)
    if not isinstance(pdf, bytes):  # one PDF is always bytes; pages come back only for PNG
        raise TypeError(f"typst returned {type(pdf).__name__}, expected PDF bytes")
    return pdf
