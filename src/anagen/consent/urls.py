from django.urls import path

from anagen.consent import views, views_templates

urlpatterns = [
    path("plans/<uuid:plan_id>/consent/", views.plan_consent, name="plan_consent"),
    path(
        "patients/<uuid:patient_id>/consent/photography/",
        views.photo_consent,
        name="photo_consent",
    ),
    path("consents/<uuid:consent_id>/", views.consent_detail, name="consent_detail"),
    path("consents/<uuid:consent_id>/consent.pdf", views.consent_pdf, name="consent_pdf"),
    path("consents/<uuid:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("consent/templates/", views_templates.template_list, name="consent_templates"),
    path(
        "consent/templates/<slug:kind>/new/",
        views_templates.template_new,
        name="consent_template_new",
    ),
]
