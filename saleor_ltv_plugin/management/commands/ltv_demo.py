"""The standalone demo: migrate, serve at once, then load a synthetic B2B shop behind the server.

The address is printed first and answers within seconds; the shop's history goes through the
same ingest path Saleor's events use while the pages show how far it got (/health "demo", the
harness banner), then the metrics are scored and four weeks of scenarios are played forward.
"""

import datetime as dt
import errno
import json
import logging
import os
import sys
import threading
import time
import urllib.request
import zoneinfo

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler, get_internal_wsgi_application
from django.db import connections
from django.db.models import Count
from django.utils import timezone

from ... import conf
from ...auth import ALL_SCOPES, new_api_key
from ...demo import progress as demo_progress
from ...demo.loader import load_shop
from ...metrics.recompute import recompute
from ...models import AccountMetrics, ApiKey, OrderFact
from ._progress import progress_bar

ZONE = zoneinfo.ZoneInfo("Asia/Tokyo")
SERVE_WITHIN_SECONDS = 60
DEMO_SENDER = {"sender_name": "デモ商事株式会社（LTVデモ）", "sender_email": "info@demo-shop.example",
               "sender_postal_address": "〒100-0005 東京都千代田区丸の内1-1-1 デモビル5F"}  # issue 14: a newcomer's first page, on a 2-core machine


def _money(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


class Command(BaseCommand):
    help = "Serve the app at once and load a deterministic synthetic B2B shop behind it."
    # Checked in handle(), once the demo's own sender block is in place: checking before would warn
    # a newcomer about an empty sender the demo is about to fill.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--companies", type=int, default=3000)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to serve on")
        parser.add_argument("--no-serve", action="store_true", help="load the data and exit")
        parser.add_argument("--check", action="store_true",
                            help=f"exit once the server has answered health and the Dashboard pages (within "
                                 f"{SERVE_WITHIN_SECONDS} s) and the shop is loaded and scored; non-zero otherwise")
        parser.add_argument("--automation-days", type=int, default=28,
                            help="days of scenarios to play forward after the shop's last day (0: none)")
        parser.add_argument("--end", type=dt.date.fromisoformat, default=None,
                            help="the shop's last day of history (default: today in Tokyo minus the "
                                 "scenario days, so the playback ends today and the figures read as of now)")

    def handle(self, *args, companies, years, seed, addr, no_serve, check=False, automation_days=28, end=None,
               **options):
        started = time.monotonic()
        if companies < 1 or years < 1 or automation_days < 0:
            raise CommandError("--companies and --years: must be at least 1; --automation-days: not negative")
        host, port = self._address(addr)
        self.automation_days, self.seed = automation_days, seed
        self.end = end or dt.datetime.now(ZONE).date() - dt.timedelta(days=automation_days)
        settings.LTV_PLUGIN.setdefault("graphiql", True)  # the demo is for exploring; DEBUG stays off
        for name, value in {**DEMO_SENDER, "public_url": f"http://{addr}{conf.url_prefix()}"}.items():
            settings.LTV_PLUGIN.setdefault(name, value)  # so its buyer-mail scenarios can be switched on
        self.check()
        call_command("migrate", verbosity=0)
        raw_key, token = self._credentials()
        progress = demo_progress.start()
        server = None if no_serve else self._serve(host, port)
        base = f"http://{addr}{conf.url_prefix().rstrip('/')}"
        dashboard = f"http://{addr}/dashboard/?page=overview#session={token}"
        if server is not None:
            self.stdout.write(
                f"Serving on http://{addr}/ after {time.monotonic() - started:.1f} s — open the Dashboard pages "
                f"(the shop fills in while you look; the session lasts 7 days):\n  {dashboard}\n")
        self.stdout.write(
            f"API key for this demo (Authorization: Bearer …): {raw_key}\n"
            f"GraphQL {base}/graphql/ (GraphiQL in a browser)  ·  REST {base}/api/v1/openapi.json  ·  "
            f"health {base}/health\n"
            f"e.g. curl -H 'Authorization: Bearer {raw_key}' '{base}/api/v1/accounts?stages=loyal&first=5'\n"
            f"Staff sign-in instead of the link: saleor-ltv ltv_staff create --email you@example.com --scopes all "
            f"(with LTV_DEMO=1 LTV_DATA_DIR={settings.BASE_DIR}), then http://{addr}/login/\n")
        self.stdout.flush()
        if check and server is not None:
            self._check_serving(base, f"http://{addr}", started)
        try:
            self._load(progress, companies=companies, years=years, seed=seed)
        except Exception as exc:
            progress.fail(f"{type(exc).__name__}: {exc}")
            if server is None or check:
                raise
            logging.getLogger(__name__).exception("the demo's load failed; the server keeps serving")
        if check:
            self._check_scored(base, raw_key)
            server.shutdown()
            return
        if server is None:
            return
        self.stdout.write(f"Ready. Serving on http://{addr}/ (Ctrl+C stops)\n  {dashboard}\n")
        self.stdout.flush()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            server.shutdown()

    # -- serving ---------------------------------------------------------------------------

    @staticmethod
    def _address(addr: str) -> tuple[str, int]:
        host, _, port = addr.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise CommandError(f"--addr: {addr!r} is not host:port (e.g. 127.0.0.1:8000)")
        return host.strip("[]"), int(port)

    def _serve(self, host: str, port: int) -> ThreadedWSGIServer:
        try:
            server = ThreadedWSGIServer((host, port), WSGIRequestHandler, ipv6=":" in host)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(f"port {port} on {host} is in use: choose another, e.g. make demo PORT={port + 1}"
                                   f" (or --addr {host}:{port + 1})") from None
            raise CommandError(f"cannot serve on {host}:{port}: {exc}") from None
        server.set_app(get_internal_wsgi_application())
        for name in ("django.server", "saleor_ltv_plugin.automation.scan"):  # keep the progress readable
            logging.getLogger(name).setLevel(logging.WARNING)
        threading.Thread(target=server.serve_forever, name="ltv-demo-server", daemon=True).start()
        return server

    def _check_serving(self, base: str, origin: str, started: float) -> None:
        """Health, the harness and the built overview page answer within the promised time."""
        deadline = started + SERVE_WITHIN_SECONDS
        for url in (f"{base}/health", f"{origin}/dashboard/?page=overview", f"{base}/app/overview"):
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=10) as response:
                        response.read()
                        break
                except OSError as exc:
                    if time.monotonic() > deadline:
                        raise CommandError(f"check: {url} did not answer within {SERVE_WITHIN_SECONDS} s ({exc})")
                    time.sleep(0.5)
        self.stdout.write(f"check: health, the Dashboard harness and the overview page answered "
                          f"{time.monotonic() - started:.1f} s after the start\n")

    def _check_scored(self, base: str, raw_key: str) -> None:
        query = {"query": '{ ltvOverview(channel: "default-channel") { accounts } }'}
        request = urllib.request.Request(f"{base}/graphql/", data=json.dumps(query).encode(), headers={
            "Authorization": f"Bearer {raw_key}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.load(response)
        accounts = ((body.get("data") or {}).get("ltvOverview") or {}).get("accounts")
        if not accounts:
            raise CommandError(f"check: the loaded shop's overview shows no accounts: {body}")
        self.stdout.write(f"check: ltvOverview over HTTP shows {accounts} accounts\n")

    # -- the shop -------------------------------------------------------------------------

    def _credentials(self) -> tuple[str, str]:
        # A fresh key per run (the raw value is never stored); earlier demo keys are revoked.
        from ...auth import SALEOR_PERMISSIONS
        from ...hosts.standalone import tokens

        ApiKey.objects.filter(name="demo", revoked_at__isnull=True).update(revoked_at=timezone.now())
        raw, _ = new_api_key("demo", sorted(ALL_SCOPES), created_by="ltv_demo")
        return raw, tokens.mint_session("demo@localhost", SALEOR_PERMISSIONS)

    def _load(self, progress, *, companies: int, years: int, seed: int) -> None:
        from ...demo.synthetic import generate_shop

        started = time.monotonic()
        shop = generate_shop(n_companies=companies, years=years, seed=seed, end=self.end)
        self.stdout.write(f"generated {len(shop.companies)} companies, {len(shop.orders)} orders up to "
                          f"{self.end} in {time.monotonic() - started:.1f} s\n")
        started = time.monotonic()
        progress.begin("loading", len(shop.orders), "orders")
        with progress_bar(len(shop.orders), "orders", "loading") as bar:
            counts = load_shop(shop, progress=lambda n: (bar.update(n), progress.advance(n), self._tick(progress)))
        self.stdout.write(
            f"loaded {counts['orders']} orders, {counts['contacts']} contacts, {counts['checkouts']} checkouts "
            f"in {time.monotonic() - started:.1f} s; the database holds {OrderFact.objects.count()} orders "
            f"({settings.DATABASES['default']['NAME']})\n")
        started = time.monotonic()
        progress.begin("scoring")
        run = recompute()
        stages = dict(AccountMetrics.objects.values_list("stage").annotate(n=Count("pk")).order_by("stage"))
        self.stdout.write(f"recomputed {run.accounts} accounts in {time.monotonic() - started:.1f} s; stages: "
                          + ", ".join(f"{stage} {count}" for stage, count in stages.items()) + "\n")
        self._automation(shop, progress)
        progress.begin("ready")
        connections.close_all()

    def _tick(self, progress) -> None:
        """Without a terminal (CI, a log file) tqdm is silent: one line per tenth instead."""
        if sys.stderr.isatty() or not progress.total:
            return
        tenth = progress.total / 10
        if int(progress.done / tenth) != int((progress.done - 1) / tenth) or progress.done == progress.total:
            self.stdout.write(f"  {progress.step}: {progress.done}/{progress.total} {progress.unit}\n")
            self.stdout.flush()

    def _automation(self, shop, progress) -> None:
        if not self.automation_days:
            return
        from ...automation.report import describe_incremental, scenario_report
        from ...demo.automation import simulate

        if not os.environ.get("LTV_TOOL_COST_PER_MONTH"):
            settings.LTV_PLUGIN["tool_cost_per_month"] = 50000  # a demo figure, for ROAS
        end = max(o.created_at for o in shop.orders).astimezone(ZONE).date()
        started = time.monotonic()
        progress.begin("scenarios", self.automation_days, "days")
        # The flow scheduler logs its entries for a worker's log; 28 simulated days of them would bury
        # the demo's own progress lines.
        entry_log = logging.getLogger("saleor_ltv_plugin.automation.flows.entry")
        level = entry_log.level
        entry_log.setLevel(logging.WARNING)
        try:
            with progress_bar(self.automation_days, "days", "scenarios") as bar:
                figures = simulate(end, days=self.automation_days, seed=self.seed,
                                   progress=lambda day: (bar.update(1), progress.advance(1), self._tick(progress)))
        finally:
            entry_log.setLevel(level)
        self.stdout.write(
            f"played {self.automation_days} days of scenarios after {end} in {time.monotonic() - started:.1f} s "
            f"(simulated buyers): {figures['sent']} mails, {figures['alerts']} staff alerts and call tasks\n")
        report = scenario_report("default-channel", end + dt.timedelta(days=1),
                                 end + dt.timedelta(days=self.automation_days))
        self.stdout.write(f"ltvScenarioReport {report.since} … {report.until} ({report.currency}, tool cost "
                          f"{_money(report.tool_cost)}):\n")
        for f in [*report.scenarios, report.total]:
            if f.sent or f.enrolled:
                self.stdout.write(
                    f"  {f.scenario:<24} sent {f.sent:>5}  opened {f.opened:>5}  clicked {f.clicked:>4}  "
                    f"attributed {_money(f.attributed_revenue):>10}  "
                    f"ROAS {'—' if f.roas is None else f'{f.roas:.2f}'}\n"
                    f"  {'':<24} incremental: {describe_incremental(f)}\n")
