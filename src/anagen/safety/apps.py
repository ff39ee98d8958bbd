from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "anagen.safety"
    label = "safety"
    verbose_name = "Adverse events and signals"
