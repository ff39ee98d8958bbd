from django.apps import AppConfig


class SessionsConfig(AppConfig):
    # "sessions" is django.contrib.sessions' label; treatment sessions take their own.
    name = "anagen.sessions"
    label = "treatment_sessions"
    verbose_name = "Treatment sessions"
