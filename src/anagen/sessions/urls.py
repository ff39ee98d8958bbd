from django.urls import path

from anagen.sessions import views, views_aftercare

urlpatterns = [
    path("bookings/<uuid:booking_id>/session/", views.session_start, name="session_start"),
    path("sessions/<uuid:session_id>/", views.session_detail, name="session_detail"),
    path("sessions/<uuid:session_id>/precheck/", views.session_precheck, name="session_precheck"),
    path("sessions/<uuid:session_id>/override/", views.session_override, name="session_override"),
    path("sessions/<uuid:session_id>/record/", views.session_record, name="session_record"),
    path("sessions/<uuid:session_id>/addenda/", views.session_addendum, name="session_addendum"),
    # aftercare
    path(
        "sessions/<uuid:session_id>/aftercare.pdf",
        views_aftercare.session_aftercare_pdf,
        name="session_aftercare_pdf",
    ),
    path(
        "sessions/<uuid:session_id>/aftercare.ics",
        views_aftercare.session_aftercare_ics,
        name="session_aftercare_ics",
    ),
    path(
        "sessions/<uuid:session_id>/aftercare/send/",
        views_aftercare.session_aftercare_send,
        name="session_aftercare_send",
    ),
]
