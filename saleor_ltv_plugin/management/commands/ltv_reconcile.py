from datetime import timedelta

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from ... import conf, db


class Command(BaseCommand):
    help = "Compare Saleor's recent orders with the plugin's and repair differences."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="Window in days (default: reconcile_window_days).")

    def handle(self, *args, days=None, **options):
        if not apps.is_installed("saleor.order"):
            raise CommandError("ltv_reconcile reads Saleor's tables: run it inside Saleor (manage.py).")
        if days is not None and days < 1:
            raise CommandError("--days: must be at least 1")
        from ...ingest import saleor_sync

        window = timedelta(days=days if days is not None else conf.get_settings().base.reconcile_window_days)
        with db.writer():
            result = saleor_sync.reconcile_orders(window)
        self.stdout.write(
            f"checked {result['checked']} orders, {result['stale']} missing or stale, repaired {result['repaired']}"
        )
