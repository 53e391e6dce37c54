"""Flow entry, the scheduler's tick and a broadcast, each next to a bare SQL floor, in one run.

    python bench/flows.py [--accounts 100000] [--rounds 3]
    (PostgreSQL on 127.0.0.1, database ltv_bench_automation — the shop bench/automation.py builds)

* entry: a live flow whose trigger is a saved segment holding every account (100 k): the first
  `enter()` (candidates, entry rules, holdout draw, bulk insert), next to a bare
  INSERT … SELECT of the same number of enrollment rows. Target: ≤ 10 s.
* first tick: the 100 k enrollments' first step (a mail each: 100 k outbox rows), then waiting
  on a 24 h delay.
* steady tick: 10 published flows, nothing due — what the beat pays every minute — next to the
  bare query that selects the due steps (the claim's own SELECT, without the lock). Targets:
  ≤ 1 s and ≤ 2× the bare query.
* broadcast: a broadcast to the 100 k segment entered and ticked until its outbox rows exist.
  Target: ≤ 30 s.
Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import automation as automation_bench  # noqa: E402  (its database, shop and contacts)

recompute_bench = automation_bench.recompute_bench
CHANNEL = automation_bench.CHANNEL
SEND = {"kind": "send", "channel": "email", "content": {"template": "winback", "step": 0}}


def _flow(key: str, trigger: dict, kind: str = "flow"):
    from saleor_ltv_plugin.models import Flow, FlowState, FlowVersion

    steps = [{"id": "m0", **SEND, "next": "wait"}, {"id": "wait", "kind": "delay", "hours": 24, "next": "m1"},
             {"id": "m1", **SEND, "next": None}]
    if kind == "broadcast":
        steps = [{"id": "m0", **SEND, "next": None}]
    definition = {"trigger": trigger, "exit_on": ["ordered"], "holdout_percent": 10, "start": "m0", "steps": steps}
    flow = Flow.objects.create(channel=CHANNEL, key=key, name=key, kind=kind, state=FlowState.LIVE)
    flow.live_version = FlowVersion.objects.create(flow=flow, number=1, definition=definition)
    flow.save(update_fields=["live_version"])
    return flow


def clear() -> None:
    from django.db import connection

    automation_bench.clear_automation()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE saleor_ltv_plugin_flowsteprun, saleor_ltv_plugin_flowversion, "
                       "saleor_ltv_plugin_flow, saleor_ltv_plugin_scenariosetting, saleor_ltv_plugin_savedsegment "
                       "RESTART IDENTITY CASCADE")


def _timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def bare_insert(n: int) -> float:
    """The floor of entry: n enrollment rows written by one INSERT … SELECT, rolled back."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(
                "INSERT INTO saleor_ltv_plugin_enrollment (scenario, channel, trigger_ref, account_id, anchor_at, "
                "holdout, context, stop_reason, created_at, state, position, next_at, variants) "
                "SELECT 'floor', %s, 'floor:' || account_id, account_id, now(), false, '{}', '', now(), 'active', "
                "'m0', now(), '{}' FROM saleor_ltv_plugin_accountmetrics WHERE channel = %s LIMIT %s",
                [CHANNEL, CHANNEL, n])
            elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def bare_due(now) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("SELECT id FROM saleor_ltv_plugin_enrollment WHERE state = 'active' AND next_at IS NOT NULL "
                       "AND next_at <= %s ORDER BY next_at, id LIMIT 1000", [now])
        cursor.fetchall()
        return time.perf_counter() - started


def figures(n_accounts: int, rounds: int) -> dict:
    from django.utils import timezone

    from saleor_ltv_plugin.automation.flows.entry import enter
    from saleor_ltv_plugin.automation.flows.runtime import tick
    from saleor_ltv_plugin.models import Enrollment, OutboxMessage, SavedSegment

    clear()
    everyone = SavedSegment.objects.create(name="everyone", channel=CHANNEL, filter={"frequency": {"gte": 0}})
    _flow("segment_flow", {"kind": "segment", "segment_id": everyone.pk, "on": "enter"})
    entry_s, counts = _timed(lambda: enter())
    entered = Enrollment.objects.count()
    floor_s = bare_insert(entered)
    first_tick_s, _ = _timed(lambda: tick(budget_seconds=600))
    mails = OutboxMessage.objects.count()
    for i in range(9):  # nine more published flows with their own (small) segments
        few = SavedSegment.objects.create(name=f"few-{i}", channel=CHANNEL,
                                          filter={"frequency": {"gte": 40 + i}})
        _flow(f"flow_{i}", {"kind": "segment", "segment_id": few.pk, "on": "enter"})
    enter()
    tick(budget_seconds=600)
    steady, bare = [], []
    for _ in range(max(3, rounds)):
        now = timezone.now()
        bare.append(bare_due(now))
        steady.append(_timed(lambda: tick(now=now))[0])
    OutboxMessage.objects.all().delete()
    _flow("newsletter", {"kind": "broadcast", "segment_id": everyone.pk}, kind="broadcast")

    def broadcast():
        enter()
        tick(budget_seconds=600)
        return OutboxMessage.objects.filter(scenario="newsletter").count()

    broadcast_s, queued = _timed(broadcast)
    return {"accounts": n_accounts, "entered": entered, "entry_first_s": round(entry_s, 3),
            "entry_floor_s": round(floor_s, 3), "entry_ratio": round(entry_s / floor_s, 2),
            "first_tick_s": round(first_tick_s, 3), "first_tick_mails": mails,
            "tick_steady_s": round(statistics.median(steady), 4), "due_query_s": round(statistics.median(bare), 4),
            "tick_ratio": round(statistics.median(steady) / max(statistics.median(bare), 1e-6), 2),
            "broadcast_s": round(broadcast_s, 3), "broadcast_mails": queued}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    recompute_bench.ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    from saleor_ltv_plugin.metrics.recompute import recompute_channel
    from saleor_ltv_plugin.models import AccountMetrics, OrderFact

    automation_bench.configure(automation_bench.free_port())
    call_command("migrate", verbosity=0)
    n_orders = args.accounts * 5
    if abs(OrderFact.objects.filter(channel=CHANNEL).count() - n_orders) > n_orders * 0.05:
        print(f"filling with ~{n_orders:,} orders for {args.accounts:,} accounts …", flush=True)
        recompute_bench.fill(n_orders, args.accounts, 11)
    automation_bench.add_contacts(args.accounts)
    if AccountMetrics.objects.filter(channel=CHANNEL).count() < args.accounts * 0.9:
        print("recomputing …", flush=True)
        recompute_channel(CHANNEL)
    results = figures(args.accounts, args.rounds)
    print(f"entry {results['entry_first_s']} s for {results['entered']:,} ({results['entry_ratio']}× a bare INSERT); "
          f"first tick {results['first_tick_s']} s ({results['first_tick_mails']:,} mails); steady tick "
          f"{results['tick_steady_s']} s ({results['tick_ratio']}× the due query); broadcast "
          f"{results['broadcast_s']} s ({results['broadcast_mails']:,} mails)", flush=True)
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
