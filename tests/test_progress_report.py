"""The patient's progress report (PDF): the review's label and reasons, the numbers of every visit,
the charts, and the photos only under a photography consent. Read with poppler (pdftotext);
the pages are rendered to PNG in test-artifacts/ to be looked at."""

import shutil

import pytest
from django.core.files.base import ContentFile

from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor
from anagen.consent.services import consent_withdraw
from anagen.demo.scalp_photos import scalp_photo
from anagen.outcomes import review, services
from anagen.outcomes.models import PHOTO_CHECKLIST
from anagen.outcomes.report import NO_CONSENT, progress_report, report_pdf
from tests.conftest import tool_missing
from tests.outcomes_helpers import photo_consent
from tests.outcomes_review_helpers import IMPROVED, measured
from tests.test_consent_pdf import pages_png, words_of


@pytest.fixture(autouse=True)
def _set_up(settings, tmp_path):
    for tool in ("pdftotext", "pdftoppm"):
        if shutil.which(tool) is None:
            tool_missing(f"{tool} not found; install it with apt-get install -y poppler-utils")
    settings.MEDIA_ROOT = tmp_path


def photographed(three):
    """A responder's course with vertex photos at baseline and review, reviewed."""
    actor = Actor(user=three.a_clinician)
    consent = photo_consent(three.a_patient, three.a_clinician)
    course = measured(three.a_patient, three.a_clinician, at_review=IMPROVED)
    for visit, coverage in ((course.baseline, 0.35), (course.review, 0.8)):
        services.photo_add(
            actor=actor, visit=visit, view="vertex", checklist=dict.fromkeys(PHOTO_CHECKLIST, True),
            file=ContentFile(scalp_photo(7, "vertex", coverage), name="vertex.jpg"),
        )  # fmt: skip
    review.review_run(actor=actor, visit=course.review)
    return consent


def test_the_report_prints_the_label_the_numbers_the_reasons_and_the_photos(three):
    photographed(three)
    report = progress_report(three.a_patient)
    assert len(report.photos) == 1 and len(report.charts) == 3
    pdf = report_pdf(report)
    words = words_of(pdf)
    assert "Your progress report" in words and "Ada Lovelace" in words
    assert "Responder" in words
    assert "By the criteria your clinic uses, your hair has responded" in words
    assert "rose from 90 to 127.5 (+42 %)" in words  # frontal terminal density, plain words
    assert "not a promise of future results" in words
    assert "Terminal hair density, frontal" in words  # the reasons table
    assert "+37.5 (+41.7 %)" in words and "rise ≥ 10 % and ≥ 7.9 hairs/cm²" in words
    assert "9 of 9 criteria with data met; 3 needed for responder." in words
    assert "T1, S5, S8, P1 · threshold: clinic policy (U)" in words
    assert "+2 (better)" in words  # the photographic score, in words
    assert "Photos: start and latest" in words and NO_CONSENT not in words
    pages = pages_png(pdf, "progress-report")
    assert 2 <= len(pages) <= 5


def test_without_photography_consent_the_report_leaves_the_photos_out(three):
    consent = photographed(three)
    consent_withdraw(actor=Actor(user=three.a_clinician), consent=consent, reason="Patient asked")
    report = progress_report(three.a_patient)
    assert report.photos == []
    words = words_of(report_pdf(report))
    assert NO_CONSENT in words and "Responder" in words


def test_the_report_is_downloaded_audited_and_only_in_the_patients_clinic(three):
    photographed(three)
    response = three.client(three.a_clinician).get(
        f"/patients/{three.a_patient.pk}/outcomes/report.pdf"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.patient_id) == ("outcome.report_print", three.a_patient.pk)
    outsider = three.client(three.b_clinician)
    assert outsider.get(f"/patients/{three.a_patient.pk}/outcomes/report.pdf").status_code == 404
