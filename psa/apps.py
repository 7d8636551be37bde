from django.apps import AppConfig


class PsaConfig(AppConfig):
    name = "psa"
    verbose_name = "PSA integration"
    default_auto_field = "django.db.models.BigAutoField"
