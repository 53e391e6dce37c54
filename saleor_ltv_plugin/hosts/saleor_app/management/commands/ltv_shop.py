"""Run one of the app's management commands for one shop, or for each: an agency's API keys,
a recompute, a backfill. `saleor-ltv ltv_shop --list`; `saleor-ltv ltv_shop <schema|API URL|all> ltv_api_key …`."""

import argparse

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ..... import tenancy
from ...models import Installation


class Command(BaseCommand):
    help = "Run a management command in one installed shop (its schema or Saleor API URL) or in all."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="list the installed shops")
        parser.add_argument("shop", nargs="?", help="a shop's schema, its Saleor API URL, or 'all'")
        parser.add_argument("command", nargs="?")
        parser.add_argument("command_args", nargs=argparse.REMAINDER)  # its own options too (--from …)

    def handle(self, *args, **options):
        shops = Installation.objects.order_by("pk")
        if options["list"]:
            for shop in shops:
                state = "removed" if shop.removed_at else "installed"
                self.stdout.write(f"{shop.schema}\t{shop.saleor_api_url}\t{state}\t{shop.installed_at:%Y-%m-%d}")
            return
        if not options["shop"] or not options["command"]:
            raise CommandError("name a shop (or 'all') and a command, e.g. ltv_shop all ltv_recompute")
        chosen = list(shops.filter(removed_at__isnull=True)) if options["shop"] == "all" else \
            [shop for shop in shops if options["shop"] in (shop.schema, shop.saleor_api_url)]
        if not chosen:
            raise CommandError(f"shop: no installation {options['shop']!r} (ltv_shop --list shows them)")
        for shop in chosen:
            self.stdout.write(f"== {shop.schema} ({shop.saleor_api_url})")
            with tenancy.enter(shop.schema):
                call_command(options["command"], *options["command_args"], stdout=self.stdout, stderr=self.stderr)
