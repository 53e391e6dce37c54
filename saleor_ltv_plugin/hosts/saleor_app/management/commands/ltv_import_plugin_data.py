"""Bring a shop's history over from the plugin: `saleor-ltv ltv_shop <shop> ltv_import_plugin_data
--from postgres://…/saleor` copies the plugin's tables from Saleor's database into that shop's schema
(plugin_move.py says how, and what it refuses)."""

import time

from django.core.management.base import BaseCommand, CommandError

from ..... import tenancy
from ...plugin_move import MoveRefused, move, redacted


class Command(BaseCommand):
    help = "Copy the plugin's tables from Saleor's database into this shop (run it through ltv_shop)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, metavar="URL",
                            help="Saleor's database, where the plugin kept its tables: "
                                 "postgres://user:pass@host/saleor")
        parser.add_argument("--source-schema", default="public", help="the schema of the plugin's tables there")
        parser.add_argument("--replace", action="store_true",
                            help="replace what this shop already holds (e.g. the App's own backfill)")

    def handle(self, *args, source, source_schema, replace, **options):
        if tenancy.current() is None:
            raise CommandError("run it inside a shop: saleor-ltv ltv_shop <shop> ltv_import_plugin_data --from …")
        self.stdout.write(f"from {redacted(source)} ({source_schema}) into {tenancy.current()}")
        started = time.monotonic()
        try:
            moved = move(source, replace=replace, source_schema=source_schema,
                         progress=lambda c: self.stdout.write(f"  {c.table}: {c.source_rows} → {c.target_rows}"))
        except MoveRefused as refusal:
            raise CommandError(f"{refusal} (nothing was written)") from None
        rows = sum(c.target_rows for c in moved.copied)
        seconds = time.monotonic() - started
        self.stdout.write(f"{len(moved.copied)} tables, {rows} rows in {seconds:.1f} s "
                          f"({rows / max(seconds, 1e-6):.0f} rows/s); {moved.sequences} sequences reset; "
                          f"{moved.references} pending plugin events to be re-read through Saleor's API")
        if moved.settings:
            self.stdout.write(f"settings from Saleor's Plugins page: {', '.join(moved.settings)}")
