from django.apps import AppConfig


class SaleorAppConfig(AppConfig):
    """The App host's shared tables (public schema): one row per Saleor that installed us."""

    name = "saleor_ltv_plugin.hosts.saleor_app"
    label = "ltv_saleor_app"
    verbose_name = "LTV CRM · Saleor installations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401 — registers the App host's start-up checks
