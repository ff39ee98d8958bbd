from django.urls import path

from anagen.consultations import views, views_policy
from anagen.plans import views as plan_views

urlpatterns = [
    path(
        "patients/<uuid:patient_id>/consultations/",
        views.consultation_history,
        name="consultation_history",
    ),
    path(
        "patients/<uuid:patient_id>/consultations/new/",
        views.consultation_new,
        name="consultation_new",
    ),
    path(
        "patients/<uuid:patient_id>/consultations/preview/",
        views.consultation_preview,
        name="consultation_preview",
    ),
    path(
        "patients/<uuid:patient_id>/consultations/stages/",
        views.consultation_stages,
        name="consultation_stages",
    ),
    path(
        "consultations/<uuid:consultation_id>/",
        views.consultation_detail,
        name="consultation_detail",
    ),
    path("consultations/<uuid:consultation_id>/plan/", plan_views.plan_new, name="plan_new"),
    path("plans/<uuid:plan_id>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<uuid:plan_id>/plan.pdf", plan_views.plan_print, name="plan_print"),
    path("clinic/policy/", views_policy.policy_edit, name="policy_edit"),
    path("knowledge/", views_policy.knowledge_list, name="knowledge_list"),
    path("knowledge/<str:record_id>/", views_policy.knowledge_detail, name="knowledge_detail"),
]
