from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from ... import conf, db, hosts


class Command(BaseCommand):
    help = "Compare Saleor's recent orders with the plugin's and repair differences."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="Window in days (default: reconcile_window_days).")

    def handle(self, *args, days=None, **options):
        host = hosts.current()
        if host is None or host.reconcile_orders is None:
            raise CommandError("ltv_reconcile reads Saleor's orders: run it inside Saleor (manage.py).")
        if days is not None and days < 1:
            raise CommandError("--days: must be at least 1")
        window = timedelta(days=days if days is not None else conf.get_settings().base.reconcile_window_days)
        with db.writer():
            result = host.reconcile_orders(window)
        self.stdout.write(
            f"checked {result['checked']} orders, {result['stale']} missing or stale, repaired {result['repaired']}"
        )
