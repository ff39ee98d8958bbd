"""The printed recall list: dated, naming the lot, its product and the reason, and each exposed
patient with contact details and sessions; whatever was typed prints as typed."""

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from anagen.audit.models import AuditEntry
from anagen.inventory import services
from anagen.inventory.printing import recall_document, recall_pdf
from anagen.inventory.selectors import exposed
from tests.conftest import ThreeUsers, audit_count, tool_missing
from tests.test_inventory_services import actor
from tests.test_recall_views import History

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _poppler() -> None:
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        tool_missing("poppler not found; install it with apt-get install -y poppler-utils")


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "recall.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return " ".join(out.stdout.split())


def test_the_recall_pdf_names_the_lot_and_every_exposed_patient(
    three: ThreeUsers, tmp_path: Path
) -> None:
    history = History(three)
    services.lot_status_set(
        actor=actor(three), lot=history.lot, status="recalled", reason="Maker notice 2026/14"
    )
    client = three.client(three.a_reception)
    before = audit_count()
    response = client.get(f"/lots/{history.lot.pk}/recall.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for expected in (
        "Recall list: Dutaspray 0.01%, lot AB12",
        "Maker notice 2026/14",
        "Recalled",
        "Ada Lovelace",
        "Grace Hopper",
        "+44 7700 900123",
        "ada@example.net",
        "2 patients",
    ):
        assert expected in text, expected
    assert "Alan" not in text  # his session is not signed
    assert "Printed" in text
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(tmp_path / "recall.pdf"), str(tmp_path / "page")],
        check=True,
    )
    assert (tmp_path / "page-1.png").stat().st_size > 5_000
    entries = AuditEntry.objects.order_by("-id")[: audit_count() - before]
    assert {e.action for e in entries} == {"lot.recall_export"}
    assert all("pdf" in e.changes for e in entries)


def test_typed_text_prints_as_typed(three: ThreeUsers, tmp_path: Path) -> None:
    history = History(three)
    history.grace.given_name = '#eval("1+1")'
    history.grace.save()
    rows = exposed(three.clinic_a, history.lot)
    document = recall_document(
        three.clinic_a, history.lot, rows, printed_on=dt.date(2026, 3, 2), chain=False
    )
    text = pdf_text(recall_pdf(document), tmp_path)
    assert '#eval("1+1") Hopper' in text
    assert "Printed 2 March 2026" in text


def test_a_lot_nobody_got_prints_that_nobody_needs_a_call(
    three: ThreeUsers, tmp_path: Path
) -> None:
    history = History(three)
    response = three.client(three.a_clinician).get(f"/lots/{history.other.pk}/recall.pdf")
    text = pdf_text(response.content, tmp_path)
    assert "lot CD34" in text and "Ada Lovelace" in text  # CD34: Ada and Grace
    empty = recall_document(
        three.clinic_a, history.lot, [], printed_on=dt.date.today(), chain=False
    )
    assert "Nobody needs to be called" in pdf_text(recall_pdf(empty), tmp_path)
