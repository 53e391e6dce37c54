"""LINE pushes per second through the outbox next to a bare HTTP loop, to the same fake LINE server.

    python bench/line_push.py [--messages 3000] [--rounds 3] [--senders 1]
    (PostgreSQL on 127.0.0.1, database ltv_bench_line_push)

* ours: N due LINE rows sent by `--senders` sender processes through the whole outbox path (claim,
  lease, send-time policy, the Flex/text rendering, the push with its X-Line-Retry-Key, the mark) —
  each round its own fresh rows, so the fake never answers a round's keys with 409.
* bare: as many processes as ours has senders, each POSTing its share of the same JSON bodies
  (rendered beforehand) over one http.client keep-alive connection, a fresh retry key each: what a
  push costs without an outbox. Same process count on both sides (the default, one each, is the
  ratio the target is read on).
* The fake (tests/automation/channels/fake_line.py: auth, schema and Flex checks, retry keys) runs in
  its own process on loopback, speaking HTTP/1.1 so the bare loop really keeps its connection, with
  TCP_NODELAY on both ends (else each answer waits out a 40 ms delayed ACK: 22 pushes/s for either).
Rounds interleaved (bare, ours, bare, ours …); medians. Target: ours ≥ 0.5× bare.
Last line: JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _outbox_senders import run_senders, run_together, slices  # noqa: E402
from _standalone import ROOT, use_database  # noqa: E402

DB = use_database("LTV_BENCH_LINE_PUSH_DATABASE", "ltv_bench_line_push")

import recompute as recompute_bench  # noqa: E402  (bench/recompute.py: creates the database)

CHANNEL = "bench-channel"
TOKEN = "bench-access-token"
SCENARIO = "reorder_reminder"
TARGET = 0.5
FAKE = """
import sys
sys.path.insert(0, {root!r})
from tests.automation.channels.fake_line import FakeLine
fake = FakeLine(token={token!r})
handler = fake.server.RequestHandlerClass
handler.protocol_version = "HTTP/1.1"  # keep-alive for the bare loop's one connection
handler.disable_nagle_algorithm = True  # its headers and body are two writes: no 40 ms delayed-ACK stall
print(fake.server.server_address[1], flush=True)
fake.server.serve_forever()
"""


def plugin(port: int) -> dict:
    return {"account_key": "company", "timezone": "Asia/Tokyo", "consent_mode": "opt_in", "quiet_hours_start": 0,
            "quiet_hours_end": 0, "holdout_percent": 0, "frequency_cap_per_week": 0,
            "sender_email": "info@bench.example", "public_url": "https://bench.example/plugins/global/saleor.ltv/",
            "line_channel_access_token": TOKEN, "line_channel_secret": "bench-secret",
            "line_api_url": f"http://127.0.0.1:{port}"}


def configure(port: int) -> None:
    from django.conf import settings

    settings.LTV_PLUGIN = plugin(port)


def start_fake() -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen([sys.executable, "-c", FAKE.format(root=str(ROOT), token=TOKEN)],
                               stdout=subprocess.PIPE, text=True)
    return process, int(process.stdout.readline())


def buyers(n: int) -> None:
    """N LINE-linked buyers with the LINE consent (a follow), once."""
    from django.utils import timezone

    from saleor_ltv_plugin.models import Contact, ContactConsent, ScenarioSetting

    ScenarioSetting.objects.update_or_create(channel=CHANNEL, scenario=SCENARIO, defaults={"enabled": True})
    have = Contact.objects.exclude(line_user_id="").count()
    if have >= n:
        return
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        [Contact(email=f"buyer{i}@line.example", first_name="花子", last_name=f"山田{i}", language_code="ja",
                 line_user_id=f"U{i:032x}") for i in range(have, n)], batch_size=5000)
    ContactConsent.objects.bulk_create([ContactConsent(contact=c, medium="line", state="granted", source="line_follow",
                                                       updated_at=now) for c in contacts], batch_size=5000)


def due_rows(n: int, round_: int) -> None:
    """N fresh due LINE rows (their own idempotency keys: the fake has not seen their retry keys)."""
    from django.db import connection
    from django.utils import timezone

    from saleor_ltv_plugin.models import Contact, DeliveryKind, Enrollment, OutboxMessage

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE saleor_ltv_plugin_outboxmessage, saleor_ltv_plugin_enrollment RESTART IDENTITY CASCADE")
    now = timezone.now()
    contacts = Contact.objects.exclude(line_user_id="").order_by("id")[:n]
    items = [{"sku": "SKU-TONER", "name": "トナーカートリッジ"}, {"sku": "SKU-PAPER", "name": "コピー用紙 A4"}]
    enrollments = Enrollment.objects.bulk_create(
        [Enrollment(scenario=SCENARIO, channel=CHANNEL, trigger_ref=f"reorder:{round_}:{c.pk}", contact=c,
                    anchor_at=now, context={"items": items}) for c in contacts], batch_size=5000)
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(idempotency_key=f"{SCENARIO}:{CHANNEL}:{e.trigger_ref}:0:line", enrollment=e, scenario=SCENARIO,
                       channel=CHANNEL, step=0, kind=DeliveryKind.LINE, contact_id=e.contact_id,
                       due_at=now - timezone.timedelta(seconds=60)) for e in enrollments], batch_size=5000)


def bodies(n: int) -> list[bytes]:
    """The push bodies ours sends, rendered beforehand for the bare loop."""
    from saleor_ltv_plugin.automation import settings as scenario_settings
    from saleor_ltv_plugin.automation.channels import line
    from saleor_ltv_plugin.models import OutboxMessage

    config = scenario_settings.load(CHANNEL)[SCENARIO]
    rows = OutboxMessage.objects.select_related("enrollment", "contact").order_by("id")[:n]
    return [json.dumps({"to": m.contact.line_user_id, "messages": line.messages(m, config)},
                       ensure_ascii=False).encode() for m in rows]


def bare_loop(configure_, port: int, payloads: list[bytes]):
    """One bare process: its connection opened before the clock, then its share of the pushes."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.connect()
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # (http.client sets it too)

    def run() -> int:
        for body in payloads:
            connection.request("POST", "/v2/bot/message/push", body=body, headers={
                "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json",
                "X-Line-Retry-Key": str(uuid.uuid4())})
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
        connection.close()
        return len(payloads)
    return run


def bare(port: int, payloads: list[bytes], processes: int) -> float:
    shares = [(payloads[offset:offset + count],) for offset, count in slices(len(payloads), processes)]
    elapsed, sent = run_together(bare_loop, configure, port, shares)
    assert sum(sent) == len(payloads), sent
    return len(payloads) / elapsed


def ours(port: int, n: int, senders: int, round_: int) -> float:
    from django.db.models import Count

    from saleor_ltv_plugin.models import OutboxMessage

    due_rows(n, round_)
    elapsed, results = run_senders(configure, port, senders)
    statuses = dict(OutboxMessage.objects.values_list("status").annotate(n=Count("id")))
    assert statuses == {"sent": n}, (statuses, results)
    return n / elapsed


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--senders", type=int, default=1, help="processes on each side")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    recompute_bench.ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    fake, port = start_fake()
    try:
        configure(port)
        call_command("migrate", verbosity=0)
        buyers(args.messages)
        due_rows(args.messages, 0)
        payloads = bodies(args.messages)
        flex = sum(b'"type": "flex"' in p for p in payloads)
        ours_rates, bare_rates = [], []
        for round_ in range(args.rounds):
            bare_rates.append(bare(port, payloads, args.senders))
            ours_rates.append(ours(port, args.messages, args.senders, round_ + 1))
            print(f"round {round_ + 1}: ours {ours_rates[-1]:.0f} pushes/s ({args.senders} sender processes), "
                  f"bare {bare_rates[-1]:.0f} pushes/s ({args.senders} processes, a keep-alive connection each); "
                  f"ratio {ours_rates[-1] / bare_rates[-1]:.3f}", flush=True)
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    ours_rate, bare_rate = statistics.median(ours_rates), statistics.median(bare_rates)
    results = {"messages": args.messages, "rounds": args.rounds, "processes_each_side": args.senders,
               "flex_bodies": flex, "body_bytes_mean": round(statistics.mean(len(p) for p in payloads)),
               "push_rate_ours": round(ours_rate, 1), "push_rate_bare": round(bare_rate, 1),
               "ratio": round(ours_rate / bare_rate, 3),
               "ratio_median_of_rounds": round(statistics.median(o / b for o, b in zip(ours_rates, bare_rates)), 3),
               "target": TARGET, "met": ours_rate / bare_rate >= TARGET,
               "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
