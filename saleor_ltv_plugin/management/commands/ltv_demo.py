"""The standalone demo: migrate, generate a synthetic B2B shop, load it, serve it."""

import datetime as dt
import os
import time
import zoneinfo

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

ZONE = zoneinfo.ZoneInfo("Asia/Tokyo")


def _money(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


class Command(BaseCommand):
    help = "Load a deterministic synthetic B2B shop through the ingest path and serve the app."

    def add_arguments(self, parser):
        parser.add_argument("--companies", type=int, default=3000)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to serve on")
        parser.add_argument("--no-serve", action="store_true", help="load the data and exit")
        parser.add_argument("--automation-days", type=int, default=28,
                            help="days of scenarios to play forward after the shop's last day (0: none)")

    def handle(self, *args, companies, years, seed, addr, no_serve, automation_days=28, **options):
        if companies < 1 or years < 1 or automation_days < 0:
            raise CommandError("--companies and --years: must be at least 1; --automation-days: not negative")
        self.automation_days, self.seed = automation_days, seed
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
        stages = dict(AccountMetrics.objects.values_list("stage").annotate(n=Count("pk")).order_by("stage"))
        self.stdout.write(
            f"recomputed {run.accounts} accounts in {time.monotonic() - started:.1f} s; stages: "
            + ", ".join(f"{stage} {count}" for stage, count in stages.items())
        )
        self._automation(shop)
        # A fresh key per run (the raw value is never stored); earlier demo keys are revoked.
        ApiKey.objects.filter(name="demo", revoked_at__isnull=True).update(revoked_at=timezone.now())
        raw, _ = new_api_key("demo", sorted(ALL_SCOPES), created_by="ltv_demo")
        base = f"http://{addr}/plugins/global/saleor.ltv"
        self.stdout.write(
            f"\nAPI key for this demo (Authorization: Bearer …): {raw}\n"
            f"GraphQL {base}/graphql/ (GraphiQL in a browser while DEBUG)  ·  "
            f"REST {base}/api/v1/openapi.json  ·  health {base}/health\n"
            f"e.g. curl -H 'Authorization: Bearer {raw}' '{base}/api/v1/accounts?stages=loyal&first=5'\n"
            f"Dashboard pages (inside a stand-in for the Saleor Dashboard; the token lasts 7 days):\n"
            f"  http://{addr}/dashboard/?page=overview#token={self._dashboard_token()}\n"
        )
        if no_serve:
            return
        self.stdout.write("Serving (Ctrl+C stops)\n")
        call_command("runserver", addr, use_reloader=False, verbosity=0)

    @staticmethod
    def _dashboard_token() -> str:
        from ...auth import SALEOR_PERMISSIONS
        from ...standalone import tokens

        return tokens.mint("demo@localhost", SALEOR_PERMISSIONS, ttl_seconds=7 * 86400)

    def _automation(self, shop) -> None:
        if not self.automation_days:
            return
        from ...automation.report import scenario_report
        from ...demo.automation import simulate

        if not os.environ.get("LTV_TOOL_COST_PER_MONTH"):
            settings.LTV_PLUGIN["tool_cost_per_month"] = 50000  # a demo figure, for ROAS
        end = max(o.created_at for o in shop.orders).astimezone(ZONE).date()
        started = time.monotonic()
        with progress_bar(self.automation_days, "days", "scenarios") as bar:
            figures = simulate(end, days=self.automation_days, seed=self.seed, progress=lambda day: bar.update(1))
        self.stdout.write(
            f"played {self.automation_days} days of scenarios after {end} in {time.monotonic() - started:.1f} s "
            f"(simulated buyers): {figures['sent']} mails, {figures['alerts']} staff alerts and call tasks")
        report = scenario_report("default-channel", end + dt.timedelta(days=1),
                                 end + dt.timedelta(days=self.automation_days))
        self.stdout.write(f"ltvScenarioReport {report.since} … {report.until} ({report.currency}, tool cost "
                          f"{_money(report.tool_cost)}):")
        for f in [*report.scenarios, report.total]:
            if f.sent or f.enrolled:
                self.stdout.write(
                    f"  {f.scenario:<24} sent {f.sent:>5}  opened {f.opened:>5}  clicked {f.clicked:>4}  "
                    f"attributed {_money(f.attributed_revenue):>10}  incremental {_money(f.incremental_revenue):>10}  "
                    f"ROAS {'—' if f.roas is None else f'{f.roas:.2f}'}")
