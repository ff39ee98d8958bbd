from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "anagen.plans"
    label = "plans"
    verbose_name = "Treatment plans"
