"""The standalone demo: migrate, generate a synthetic B2B shop, load it, serve it."""

import time

from django.conf import settings
from django.utils import timezone
from django.db.models import Count
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ...demo.loader import load_shop
from ...metrics.recompute import recompute
from ...auth import ALL_SCOPES, new_api_key
from ...models import AccountMetrics, ApiKey, OrderFact
from ._progress import progress_bar


class Command(BaseCommand):
    help = "Load a deterministic synthetic B2B shop through the ingest path and serve the app."

    def add_arguments(self, parser):
        parser.add_argument("--companies", type=int, default=3000)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to serve on")
        parser.add_argument("--no-serve", action="store_true", help="load the data and exit")

    def handle(self, *args, companies, years, seed, addr, no_serve, **options):
        if companies < 1 or years < 1:
            raise CommandError("--companies and --years: must be at least 1")
        from ...demo.synthetic import generate_shop

        call_command("migrate", verbosity=0)
        started = time.monotonic()
        shop = generate_shop(n_companies=companies, years=years, seed=seed)
        self.stdout.write(
            f"generated {len(shop.companies)} companies, {len(shop.orders)} orders "
            f"in {time.monotonic() - started:.1f} s"
        )
        started = time.monotonic()
        with progress_bar(len(shop.orders), "orders", "loading") as bar:
            counts = load_shop(shop, progress=bar.update)
        self.stdout.write(
            f"loaded {counts['orders']} orders, {counts['contacts']} contacts, {counts['checkouts']} checkouts "
            f"in {time.monotonic() - started:.1f} s; the database holds {OrderFact.objects.count()} orders "
            f"({settings.DATABASES['default']['NAME']})"
        )
        started = time.monotonic()
        run = recompute()
        stages = dict(AccountMetrics.objects.values_list("stage").annotate(n=Count("id")).order_by("stage"))
        self.stdout.write(
            f"recomputed {run.accounts} accounts in {time.monotonic() - started:.1f} s; stages: "
            + ", ".join(f"{stage} {count}" for stage, count in stages.items())
        )
        # A fresh key per run (the raw value is never stored); earlier demo keys are revoked.
        ApiKey.objects.filter(name="demo", revoked_at__isnull=True).update(revoked_at=timezone.now())
        raw, _ = new_api_key("demo", sorted(ALL_SCOPES), created_by="ltv_demo")
        base = f"http://{addr}/plugins/global/saleor.ltv"
        self.stdout.write(
            f"\nAPI key for this demo (Authorization: Bearer …): {raw}\n"
            f"GraphQL {base}/graphql/ (GraphiQL in a browser while DEBUG)  ·  "
            f"REST {base}/api/v1/openapi.json  ·  health {base}/health\n"
            f"e.g. curl -H 'Authorization: Bearer {raw}' '{base}/api/v1/accounts?stages=loyal&first=5'\n"
        )
        if no_serve:
            return
        self.stdout.write("Serving (Ctrl+C stops)\n")
        call_command("runserver", addr, use_reloader=False, verbosity=0)
