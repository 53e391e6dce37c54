from django.apps import AppConfig
from django.conf import settings


class LTVConfig(AppConfig):
    name = "saleor_ltv_plugin"
    label = "saleor_ltv_plugin"
    verbose_name = "LTV retention CRM"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import setup_check  # noqa: F401 — registers the system checks
        from .metrics.handlers import on_orders_changed, on_prospects_changed
        from .schedule import BEAT_SCHEDULE
        from .signals import orders_changed, prospects_changed

        orders_changed.connect(on_orders_changed, dispatch_uid="ltv-metrics-incremental")
        prospects_changed.connect(on_prospects_changed, dispatch_uid="ltv-metrics-prospects")

        schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
        if isinstance(schedule, dict):
            for name, entry in BEAT_SCHEDULE.items():
                schedule.setdefault(name, entry)
        from . import hosts

        # Once per process (web, worker, beat), not only where PluginsManager happens to load the plugin.
        hosts.install(hosts.choose(settings, self.apps))
