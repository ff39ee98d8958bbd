from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "anagen.consultations"
    label = "consultations"
    verbose_name = "Consultations and screening"
