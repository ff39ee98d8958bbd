from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "anagen.consent"
    label = "consent"
    verbose_name = "Consent"
