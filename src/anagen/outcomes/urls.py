from django.urls import path

from anagen.outcomes import views, views_images

urlpatterns = [
    path("patients/<uuid:patient_id>/visits/new/", views.visit_new, name="visit_new"),
    path(
        "patients/<uuid:patient_id>/photos/compare/",
        views_images.photo_compare,
        name="photo_compare",
    ),
    path("visits/<uuid:visit_id>/", views.visit_detail, name="visit_detail"),
    path("visits/<uuid:visit_id>/void/", views.visit_void, name="visit_void"),
    path("visits/<uuid:visit_id>/images/", views_images.image_upload, name="image_upload"),
    path("visits/<uuid:visit_id>/photos/", views_images.photo_add, name="photo_add"),
    path("visits/<uuid:visit_id>/pull-tests/", views.pull_test_add, name="pull_test_add"),
    path("visits/<uuid:visit_id>/shedding/", views.shedding_add, name="shedding_add"),
    path("visits/<uuid:visit_id>/satisfaction/", views.satisfaction_add, name="satisfaction_add"),
    path(
        "visits/<uuid:visit_id>/global-assessment/",
        views.global_assessment_add,
        name="global_assessment_add",
    ),
    path(
        "visits/<uuid:visit_id>/phototrichograms/",
        views.phototrichogram_add,
        name="phototrichogram_add",
    ),
    path(
        "visits/<uuid:visit_id>/<str:kind>/<int:pk>/void/",
        views.measurement_void,
        name="measurement_void",
    ),
    path("images/<uuid:image_id>/", views_images.image_detail, name="image_detail"),
    path("images/<uuid:image_id>/file", views_images.image_file, name="image_file"),
    path("images/<uuid:image_id>/corrections/", views_images.image_correct, name="image_correct"),
    path(
        "images/<uuid:image_id>/calibration/", views_images.image_calibrate, name="image_calibrate"
    ),
    path("images/<uuid:image_id>/void/", views_images.image_void, name="image_void"),
    path("photos/<uuid:photo_id>/file", views_images.photo_file, name="photo_file"),
    path("photos/<uuid:photo_id>/void/", views_images.photo_void, name="photo_void"),
    path("outcomes/devices/", views_images.device_list, name="device_list"),
    path("outcomes/devices/<int:device_id>/", views_images.device_edit, name="device_edit"),
]
