from django.urls import include, path

from anagen.api.urls import api

urlpatterns = [
    path("", include("anagen.web.urls")),
    path("", include("anagen.accounts.urls")),
    path("patients/", include("anagen.patients.urls")),
    path("audit/", include("anagen.audit.urls")),
    path("", include("anagen.consultations.urls")),
    path("", include("anagen.scheduling.urls")),
    path("", include("anagen.consent.urls")),
    path("", include("anagen.sessions.urls")),
    path("", include("anagen.inventory.urls")),
    path("", include("anagen.safety.urls")),
    path("", include("anagen.outcomes.urls")),
    path("", include("anagen.outcomes.urls_review")),
    path("api/v1/", api.urls),
]

handler404 = "anagen.web.views.not_found"
handler403 = "anagen.web.views.forbidden"
handler500 = "anagen.web.views.server_error"
