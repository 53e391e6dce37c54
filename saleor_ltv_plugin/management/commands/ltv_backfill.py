"""Import existing Saleor orders, checkouts, customers and the product catalogue. Resumable and safe to re-run."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from ... import db
from ._progress import progress_bar


class Command(BaseCommand):
    help = "Import Saleor's existing orders, checkouts and customers into the plugin's tables."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--after", help="Resume orders after this order number (printed by an interrupted run)."
        )
        parser.add_argument(
            "--only", choices=["orders", "checkouts", "customers", "catalogue"], action="append",
            help="Limit to these kinds (repeatable). Default: all.",
        )

    def handle(self, *args, batch_size, after, only, **options):
        if not apps.is_installed("saleor.order"):
            raise CommandError("ltv_backfill reads Saleor's tables: run it inside Saleor (manage.py).")
        if batch_size < 1:
            raise CommandError("--batch-size: must be at least 1")
        from ...hosts.saleor_plugin import sync

        from ...hosts.saleor_plugin import catalogue

        kinds = only or ["customers", "orders", "checkouts", "catalogue"]
        with db.writer():
            if "customers" in kinds:
                self._run("customers", sync.count_customers(),
                          lambda cb: sync.backfill_customers(batch_size, cb))
            if "orders" in kinds:
                self._run("orders", sync.count_orders(after),
                          lambda cb: sync.backfill_orders(batch_size, after, cb))
            if "checkouts" in kinds:
                self._run("checkouts", sync.count_checkouts(),
                          lambda cb: sync.backfill_checkouts(batch_size, cb))
            if "catalogue" in kinds:  # product names, categories, pictures and prices, by SKU
                self._run("catalogue", catalogue.count_variants(),
                          lambda cb: catalogue.sync_catalogue(batch_size=batch_size, progress=cb))

    def _run(self, name, total, job):
        last = {"ref": None}
        with progress_bar(total, name, f"backfill {name}") as bar:
            def advance(count, ref):
                bar.update(count)
                last["ref"] = ref

            try:
                seen = job(advance)
            except BaseException:
                if last["ref"] is not None:
                    self.stderr.write(f"interrupted: resume {name} after {last['ref']}")
                raise
        self.stdout.write(f"{name}: {seen} imported")
