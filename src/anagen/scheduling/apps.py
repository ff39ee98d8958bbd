from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "anagen.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"
