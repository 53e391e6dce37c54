"""Migrate the shared tables, then every installed shop's schema (`saleor-ltv serve` runs it first)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from ..... import tenancy
from ...models import Installation


class Command(BaseCommand):
    help = "Migrate the App host's shared tables and each shop's schema."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        schemas = list(Installation.objects.order_by("pk").values_list("schema", flat=True))
        for schema in schemas:
            tenancy.create(schema)
        self.stdout.write(f"shared tables and {len(schemas)} shop schema(s) migrated")
