from django.urls import path

from anagen.web import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("clinic/switch/", views.clinic_switch, name="clinic_switch"),
    path("codes/<str:system>/", views.code_search, name="code_search"),
]
