"""The outcomes page, the response review and its criteria, and the progress report."""

from django.urls import path

from anagen.outcomes import views_review

urlpatterns = [
    path("patients/<uuid:patient_id>/outcomes/", views_review.outcomes_page, name="outcomes_page"),
    path(
        "patients/<uuid:patient_id>/outcomes/report.pdf",
        views_review.report_download,
        name="outcomes_report",
    ),
    path("visits/<uuid:visit_id>/review/", views_review.review_run_view, name="review_run"),
    path(
        "reviews/<uuid:review_id>/acknowledge/",
        views_review.review_acknowledge_view,
        name="review_acknowledge",
    ),
    path("outcomes/criteria/", views_review.criteria_edit, name="criteria_edit"),
]
