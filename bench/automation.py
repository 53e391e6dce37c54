"""Scenario scan time and outbox send throughput, each next to its floor, in one run.

    python bench/automation.py [--accounts 100000] [--messages 3000] [--rounds 2] [--senders 1]
    (PostgreSQL on 127.0.0.1, database ltv_bench_automation)

* scan: every scenario switched on, `scan()` over the channel's accounts: the first scan
  (it enrolls and writes the outbox) and the steady state (nothing new: what the beat pays
  every minute). Target: ≤ 2 s.
* send: N due buyer mails sent by `--senders` sender processes through the whole outbox path
  (claim, send-time checks, rendering, signed links, two-phase SMTP, marking) to an aiosmtpd
  sink in its own process, next to bare loops in as many processes: Django's SMTP backend
  sending the same messages, already rendered, over one connection each to the same sink (what
  sending costs without an outbox), rounds interleaved. Same process count on both sides; the
  target (issue 16: ≥ 0.8×) is read at the default, one each.
Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _outbox_senders import run_senders, run_together, slices  # noqa: E402
from _standalone import use_database  # noqa: E402

DB = use_database("LTV_BENCH_AUTOMATION_DATABASE", "ltv_bench_automation")

import recompute as recompute_bench  # noqa: E402  (bench/recompute.py: database and COPY fill)

CHANNEL = recompute_bench.CHANNEL
PLUGIN = {"account_key": "company", "timezone": "Asia/Tokyo", "consent_mode": "opt_out", "quiet_hours_start": 0,
          "quiet_hours_end": 0, "holdout_percent": 10, "frequency_cap_per_week": 0,
          "sender_email": "info@bench.example", "public_url": "https://bench.example/plugins/global/saleor.ltv/"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def configure(smtp_port: int) -> None:
    from django.conf import settings

    settings.LTV_PLUGIN = PLUGIN
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_port


def add_contacts(n_accounts: int) -> None:
    """One buyer per account, through COPY (fill() truncates the links with the accounts)."""
    from django.db import connection

    from saleor_ltv_plugin.models import AccountContact, Contact

    ids = np.arange(1, n_accounts + 1)
    stamp = "2026-01-01T00:00:00+00:00"
    with connection.cursor() as cursor:
        if not Contact.objects.exists():  # (TRUNCATE … CASCADE here would take the orders with it)
            contacts = pd.DataFrame({"id": ids, "email": [f"buyer{i}@bench.example" for i in ids],
                                     "first_name": "", "last_name": "", "company_name": "", "language_code": "",
                                     "metadata": "{}", "marketing_consent": "granted", "company_confirmed": False,
                                     "created_at": stamp,
                                     "updated_at": stamp})
            recompute_bench._copy(cursor, "saleor_ltv_plugin_contact", contacts)
            cursor.execute("SELECT setval(pg_get_serial_sequence('saleor_ltv_plugin_contact', 'id'), %s)",
                           [n_accounts])
            cursor.execute("VACUUM ANALYZE saleor_ltv_plugin_contact")
        if not AccountContact.objects.exists():
            links = pd.DataFrame({"account_id": ids, "contact_id": ids, "first_seen_at": stamp,
                                  "last_seen_at": stamp, "confirmed_by": ""})
            recompute_bench._copy(cursor, "saleor_ltv_plugin_accountcontact", links)
            cursor.execute("VACUUM ANALYZE saleor_ltv_plugin_accountcontact")


def clear_automation() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE saleor_ltv_plugin_outboxmessage, saleor_ltv_plugin_alert, "
                       "saleor_ltv_plugin_enrollment RESTART IDENTITY CASCADE")


def scan_figures(rounds: int) -> dict:
    from saleor_ltv_plugin.automation.catalog import SCENARIOS
    from saleor_ltv_plugin.automation.scan import scan
    from saleor_ltv_plugin.models import Enrollment, OutboxMessage, ScenarioSetting

    for key in SCENARIOS:
        ScenarioSetting.objects.update_or_create(channel=CHANNEL, scenario=key, defaults={"enabled": True})
    clear_automation()
    started = time.perf_counter()
    counts = scan()
    first = time.perf_counter() - started
    steady = []
    for _ in range(max(3, rounds)):
        started = time.perf_counter()
        again = scan()
        steady.append(time.perf_counter() - started)
        assert sum(again.values()) == 0, again
    return {"scan_first_s": round(first, 3), "scan_steady_s": round(statistics.median(steady), 3),
            "enrolled": sum(counts.values()), "outbox_rows": OutboxMessage.objects.count(),
            "enrollments": Enrollment.objects.count()}


def due_messages(n: int) -> list[int]:
    """N buyer mails due now (the rest pushed far out), back to pending."""
    from django.utils import timezone

    from saleor_ltv_plugin.models import OutboxMessage

    from django.db import connection

    mails = OutboxMessage.objects.filter(kind="email")
    ids = list(mails.order_by("id").values_list("id", flat=True)[:n])
    far = timezone.now() + timezone.timedelta(days=3650)
    # (once: rewriting every other row each round left the table bloated for the next)
    OutboxMessage.objects.exclude(id__in=ids).filter(due_at__lt=far - timezone.timedelta(days=365)).update(
        status="pending", due_at=far)
    OutboxMessage.objects.filter(id__in=ids).update(status="pending", due_at=timezone.now(), attempts=0, sent_at=None,
                                                    lease_until=None, skip_reason="")
    with connection.cursor() as cursor:  # the dead row versions of the last round gone, as autovacuum keeps a shop's
        cursor.execute(f"VACUUM ANALYZE {OutboxMessage._meta.db_table}")
    return ids


def ours(port: int, n: int, senders: int) -> float:
    from saleor_ltv_plugin.models import OutboxMessage

    due_messages(n)
    elapsed, results = run_senders(configure, port, senders)
    sent = OutboxMessage.objects.filter(status="sent").count()
    assert sent == n, (sent, results)
    return n / elapsed


def rendered(n: int, offset: int = 0) -> list:
    from saleor_ltv_plugin.automation import render
    from saleor_ltv_plugin.automation import settings as scenario_settings
    from saleor_ltv_plugin.models import OutboxMessage

    configs = scenario_settings.load(CHANNEL)
    out = []
    for message in (OutboxMessage.objects.filter(kind="email").select_related("enrollment", "contact")
                    .order_by("id")[offset:offset + n]):
        out.append(render.buyer_email(message, configs[message.scenario]))
    return out


def bare_loop(configure_, port: int, offset: int, count: int):
    """One bare process: its share of the messages rendered before the clock, then Django's own
    SMTP backend sending them over one connection (opened on the clock, as ours opens its own)."""
    from django.core.mail import get_connection

    messages = rendered(count, offset)

    def run() -> int:
        connection = get_connection("django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port)
        return connection.send_messages(messages)
    return run


def bare(port: int, n: int, processes: int) -> float:
    elapsed, sent = run_together(bare_loop, configure, port, slices(n, processes))
    assert sum(sent) == n, sent
    return n / elapsed


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--senders", type=int, default=1, help="processes on each side")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    recompute_bench.ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    from saleor_ltv_plugin.metrics.recompute import recompute_channel
    from saleor_ltv_plugin.models import AccountMetrics, OrderFact

    port = free_port()
    configure(port)
    call_command("migrate", verbosity=0)
    n_orders = args.accounts * 5
    if abs(OrderFact.objects.filter(channel=CHANNEL).count() - n_orders) > n_orders * 0.05:
        print(f"filling {DB} with ~{n_orders:,} orders for {args.accounts:,} accounts …", flush=True)
        recompute_bench.fill(n_orders, args.accounts, 11)
    add_contacts(args.accounts)
    if AccountMetrics.objects.filter(channel=CHANNEL).count() < args.accounts * 0.9:
        print("recomputing …", flush=True)
        recompute_channel(CHANNEL)
    results = {"accounts": args.accounts, **scan_figures(args.rounds)}
    print(f"scan: first {results['scan_first_s']} s ({results['enrolled']:,} enrolled), "
          f"steady {results['scan_steady_s']} s", flush=True)

    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        ours_rates, bare_rates = [], []
        for round_ in range(args.rounds):
            bare_rates.append(bare(port, args.messages, args.senders))
            ours_rates.append(ours(port, args.messages, args.senders))
            print(f"round {round_ + 1}: ours {ours_rates[-1]:.0f} msg/s ({args.senders} sender processes), "
                  f"bare {bare_rates[-1]:.0f} msg/s ({args.senders} processes, a connection each); "
                  f"ratio {ours_rates[-1] / bare_rates[-1]:.3f}", flush=True)
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    results.update({
        "messages": args.messages, "processes_each_side": args.senders,
        "send_rate_ours": round(statistics.median(ours_rates), 1),
        "send_rate_bare": round(statistics.median(bare_rates), 1),
        "send_ratio": round(statistics.median(ours_rates) / statistics.median(bare_rates), 3),
        "send_ratio_median_of_rounds": round(statistics.median(o / b for o, b in zip(ours_rates, bare_rates)), 3),
        "send_target": 0.8, "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    })
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
