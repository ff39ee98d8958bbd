from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "anagen.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"
