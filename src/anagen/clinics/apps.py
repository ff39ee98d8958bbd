from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "anagen.clinics"
    label = "clinics"
    verbose_name = "Clinics and staff"
