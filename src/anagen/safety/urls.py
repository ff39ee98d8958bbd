from django.urls import path

from anagen.safety import views

urlpatterns = [
    path("safety/", views.safety_home, name="safety_home"),
    path("safety/signals/<int:signal_id>/", views.signal_detail, name="signal_detail"),
    path("safety/signals/<int:signal_id>/close/", views.signal_close, name="signal_close"),
    path("patients/<uuid:patient_id>/events/new/", views.event_new, name="event_new"),
    path("events/<uuid:event_id>/", views.event_detail, name="event_detail"),
    path("events/<uuid:event_id>/edit/", views.event_edit, name="event_edit"),
    path("events/<uuid:event_id>/follow-up/", views.event_follow_up, name="event_follow_up"),
    path("events/<uuid:event_id>/close/", views.event_close, name="event_close"),
]
