from django.urls import path

from anagen.patients import views

urlpatterns = [
    path("", views.patient_list_view, name="patient_list"),
    path("new/", views.patient_new, name="patient_new"),
    path("<uuid:patient_id>/", views.patient_chart, name="patient_chart"),
    path("<uuid:patient_id>/edit/", views.patient_edit, name="patient_edit"),
    path("<uuid:patient_id>/archive/", views.patient_archive_view, name="patient_archive"),
    path("<uuid:patient_id>/restore/", views.patient_restore_view, name="patient_restore"),
    path("<uuid:patient_id>/export.json", views.patient_export, name="patient_export"),
    path("<uuid:patient_id>/<str:kind>/add/", views.history_add, name="history_add"),
    path(
        "<uuid:patient_id>/<str:kind>/<int:item_id>/void/", views.history_void, name="history_void"
    ),
]
