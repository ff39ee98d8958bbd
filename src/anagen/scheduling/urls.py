from django.urls import path

from anagen.scheduling import views, views_setup

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("bookings/<uuid:booking_id>/", views.booking_detail, name="booking_detail"),
    path("bookings/<uuid:booking_id>/change/", views.booking_change, name="booking_change"),
    path("courses/<uuid:course_id>/", views.course_detail, name="course_detail"),
    path("courses/<uuid:course_id>/book/", views.course_rebook, name="course_rebook"),
    path("plans/<uuid:plan_id>/book/", views.plan_book, name="plan_book"),
    path("patients/<uuid:patient_id>/calendar-link/", views.patient_feed, name="patient_feed"),
    path(
        "c/<slug:clinic_slug>/calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"
    ),
    path("scheduling/", views_setup.setup, name="schedule_setup"),
    path("scheduling/rooms/<int:room_id>/", views_setup.room_edit, name="room_edit"),
    path("scheduling/hours/<int:user_id>/", views_setup.hours_edit, name="hours_edit"),
    path(
        "scheduling/absences/<int:absence_id>/delete/",
        views_setup.absence_delete,
        name="absence_delete",
    ),
]
