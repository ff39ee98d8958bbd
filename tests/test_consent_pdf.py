"""The PDF snapshot of a signed consent: it carries the whole form the patient read, the drawn
signature, the typed name, the time and the witness; it prints whatever was typed exactly as
typed. Read with poppler (pdftotext) and rendered to PNG (pdftoppm); the PNGs are left in
test-artifacts/ for people to look at."""

import datetime as dt
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from anagen.consent.printing import Signing, consent_pdf
from anagen.core.consent import consent_document, load_risks
from anagen.core.knowledge import load
from anagen.core.planning import plan_document
from tests.conftest import tool_missing
from tests.core.intake_builders import man
from tests.scheduling_helpers import new_plan
from tests.test_consent_services import SIGNATURE, sign

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
OTHER_SIGNATURE = "M 20 40 L 580 180 M 20 180 L 580 40"


@pytest.fixture(autouse=True)
def _poppler() -> None:
    for tool in ("pdftotext", "pdftoppm"):
        if shutil.which(tool) is None:
            tool_missing(f"{tool} not found; install it with apt-get install -y poppler-utils")


def words_of(pdf: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def pages_png(pdf: bytes, name: str | None = None, dpi: int = 60) -> list[bytes]:
    """Each page as PNG bytes; with a name, also saved in test-artifacts/ to be looked at."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "consent.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), str(source), str(Path(folder) / "page")],
            check=True,
        )
        pages = sorted(Path(folder).glob("page-*.png"))
        if name:
            ARTIFACTS.mkdir(exist_ok=True)
            for number, page in enumerate(pages, 1):
                shutil.copy(page, ARTIFACTS / f"{name}-{number}.png")
        return [page.read_bytes() for page in pages]


def document(body: str = "Our own words.") -> dict:
    plan = plan_document(man(), load(), start=dt.date(2026, 12, 1))
    return consent_document(
        kind="treatment",
        template_title="Consent to scalp mesotherapy",
        template_body=body,
        template_version=2,
        plan=plan,
        risks=load_risks(),
        patient_name="Charles Babbage",
        clinic_name="Kensington Hair Clinic",
        today=dt.date(2026, 11, 25),
    )


def signing(**overrides) -> Signing:
    data = {
        "signer_name": "Charles Babbage",
        "signature_path": SIGNATURE,
        "ticked": False,
        "signed_at": "Wednesday 25 November 2026, 14:05 (Europe/London)",
        "witness_name": "Dr Helen Achebe",
        "patient_number": "KEN-000012",
        "reference": "3f2a9c1b",
    } | overrides
    return Signing(**data)


def test_a_signed_consent_pdf_holds_the_form_the_signature_and_the_witness(three):
    plan = new_plan(three)
    consent = sign(three, plan, signer_name="Ada Lovelace")
    pdf = bytes(consent.pdf)
    words = words_of(pdf)
    assert "Ada Lovelace" in words and "Dr A" in words and "Signed on screen" in words
    assert consent.patient.number in words and "Clinic A" in words
    for ingredient in plan.document["ingredients"]:
        assert ingredient["name"] in words
    assert f"It has {len(plan.document['sessions'])} sessions" in words
    assert "mycobacteria" in words and "1 to 12 weeks" in words
    assert "off-label" in words and "Results are not guaranteed" in words
    assert "singsing-2022" in words and "Singsing ME" in words  # sources, with citations
    pages = pages_png(pdf, "consent-pdf-treatment")
    assert pages and all(p.startswith(b"\x89PNG") for p in pages)


def test_the_drawn_signature_is_drawn_into_the_pdf():
    drawn = pages_png(consent_pdf(document(), signing()))
    same = pages_png(consent_pdf(document(), signing()))
    other = pages_png(consent_pdf(document(), signing(signature_path=OTHER_SIGNATURE)))
    assert drawn == same  # the rendering is repeatable, so a difference below is the drawing
    assert len(drawn) == len(other)
    assert [i for i, (a, b) in enumerate(zip(drawn, other, strict=True)) if a != b]


def test_a_ticked_consent_says_the_patient_could_not_sign():
    pdf = consent_pdf(document(), signing(signature_path="", ticked=True))
    words = words_of(pdf)
    assert "The patient gave consent but could not sign" in words
    assert "Signed on screen" not in words
    pages_png(pdf, "consent-pdf-ticked")


def test_what_was_typed_prints_exactly_as_typed():
    typed = '#eval("1 + 1") *not bold* $x^2$ <label> @ref \\ "quotes"'
    pdf = consent_pdf(document(body=typed), signing(signer_name=typed))
    words = words_of(pdf)
    assert words.count('#eval("1 + 1") *not bold* $x^2$ <label> @ref \\ "quotes"') == 2


def test_something_that_is_not_a_consent_is_refused():
    with pytest.raises(ValueError, match=r"anagen\.consent/1"):
        consent_pdf({"schema": "anagen.plan/1"}, signing())
