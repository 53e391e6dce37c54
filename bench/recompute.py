"""End-to-end recompute from PostgreSQL: 10 M OrderFacts → AccountMetrics written.

    python bench/recompute.py [--scale 0.1]      (PostgreSQL on 127.0.0.1, database ltv_bench_recompute)

Fills the plugin's own tables once (1 M accounts, 10 M orders in arrival order, the
same generator as bench/engine.py) and times, in one run, the floor — a bare
``COPY (SELECT account, day, amount …) TO STDOUT`` of the needed columns, read to
the end — next to the plugin's whole recompute of the channel: parallel COPY load,
engine, AccountMetrics written (COPY, index builds, ANALYZE) beside the shop
analyses, today's SegmentSnapshot, ChannelInsight. Target: ≤ 2× the floor. Stage
seconds overlap (``write`` runs beside ``sku_rhythm`` + ``insights``), so they do
not add up. The bench orders have no lines (per-SKU rhythm is empty). Last line: JSON.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from _standalone import use_database  # noqa: E402

# Imported by bench/api.py and bench/automation.py, this keeps the database they chose.
DB = use_database("LTV_BENCH_DATABASE", "ltv_bench_recompute")
CHANNEL = "bench-channel"


def ensure_database() -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DB}"')


def fill(n_orders: int, n_accounts: int, seed: int) -> None:
    """Accounts and OrderFacts through COPY (the ingest path is not what is measured here)."""
    from django.db import connection

    from engine import generate

    orders = generate(n_orders, n_accounts, seed, currency_strings=False)
    # A shop's table holds orders in arrival order (accounts interleaved), not grouped by account.
    orders = orders.sort_values("created_at", kind="stable", ignore_index=True)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE saleor_ltv_plugin_accountmetrics, saleor_ltv_plugin_orderlinefact, "
                       "saleor_ltv_plugin_orderfact, saleor_ltv_plugin_accountcontact, "
                       "saleor_ltv_plugin_account RESTART IDENTITY CASCADE")
        accounts = pd.DataFrame({"id": np.arange(1, n_accounts + 1)})
        accounts = accounts.assign(channel=CHANNEL, currency="JPY", key_kind="company",
                                   key=[f"company-{i}" for i in accounts["id"]], display_name="", erased=False,
                                   created_at="2026-01-01T00:00:00+00:00", updated_at="2026-01-01T00:00:00+00:00")
        _copy(cursor, "saleor_ltv_plugin_account", accounts)
        # Indexes are dropped for the fill and rebuilt after: random B-tree inserts made it take 30 min.
        cursor.execute("SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                       "WHERE indrelid = 'saleor_ltv_plugin_orderfact'::regclass AND NOT indisprimary")
        indexes = cursor.fetchall()
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = 'saleor_ltv_plugin_orderfact'::regclass AND contype IN ('u', 'f')")
        constraints = cursor.fetchall()
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE saleor_ltv_plugin_orderfact DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        chunk = 1_000_000
        for start in range(0, len(orders), chunk):
            part = orders.iloc[start : start + chunk]
            stamp = pd.to_datetime(part["created_at"].to_numpy()) + pd.Timedelta(hours=3)  # noon in Tokyo
            amount = part["amount"].to_numpy()
            frame = pd.DataFrame({
                "source": "demo", "external_id": np.arange(start, start + len(part)).astype(str),
                "number": "", "account_id": part["account_id"].to_numpy() + 1, "channel": CHANNEL,
                "currency": "JPY", "created_at": stamp.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "status": "fulfilled", "total_gross": amount, "total_net": np.round(amount / 1.1),
                "refunded_amount": 0, "amount": np.maximum(amount, 0), "counts_as_purchase": True,
                "billing_company_name": "", "checkout_token": "", "raw": "{}",
                "ingested_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01T00:00:00+00:00",
            })
            _copy(cursor, "saleor_ltv_plugin_orderfact", frame)
            print(f"  filled {start + len(part):,} orders", flush=True)
        for name, definition in indexes:
            if not any(name.strip('"') == c for c, _ in constraints):
                cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE saleor_ltv_plugin_orderfact ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SELECT setval(pg_get_serial_sequence('saleor_ltv_plugin_account', 'id'), %s)", [n_accounts])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE saleor_ltv_plugin_orderfact")
        cursor.execute("VACUUM ANALYZE saleor_ltv_plugin_account")


def _copy(cursor, table: str, frame: pd.DataFrame) -> None:
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    with cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN WITH (FORMAT csv)') as copy:
        copy.write(frame.to_csv(index=False, header=False, quoting=csv.QUOTE_ALL))  # "" stays ''-not NULL


def floor_seconds() -> tuple[float, int]:
    """The bare COPY of the needed columns to the client, read to the end."""
    from django.db import connection

    query = ("SELECT account_id, (created_at AT TIME ZONE 'Asia/Tokyo')::date, amount "
             "FROM saleor_ltv_plugin_orderfact WHERE counts_as_purchase AND channel = 'bench-channel'")
    connection.ensure_connection()
    started = time.perf_counter()
    size = 0
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
        for chunk in copy:
            size += len(chunk)
    return time.perf_counter() - started, size


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 10M orders, 1M accounts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=2, help="floor/recompute pairs, best of each")
    args = parser.parse_args(argv)
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from saleor_ltv_plugin.metrics.recompute import recompute_channel
    from saleor_ltv_plugin.models import AccountMetrics, OrderFact

    call_command("migrate", verbosity=0)
    n_orders, n_accounts = int(10_000_000 * args.scale), int(1_000_000 * args.scale)
    if abs(OrderFact.objects.filter(channel=CHANNEL).count() - n_orders) > n_orders * 0.05:
        print(f"filling {DB} with ~{n_orders:,} orders for {n_accounts:,} accounts …", flush=True)
        fill(n_orders, n_accounts, args.seed)
    orders = OrderFact.objects.filter(channel=CHANNEL).count()
    floors, runs, size = [], [], 0
    for round_ in range(args.rounds):  # interleaved, best of each, so noise hits both alike
        seconds, size = floor_seconds()
        floors.append(seconds)
        started = time.perf_counter()
        state = recompute_channel(CHANNEL)
        runs.append((time.perf_counter() - started, state))
        print(f"round {round_ + 1}: floor {seconds:.2f} s, recompute {runs[-1][0]:.2f} s {state['seconds']}",
              flush=True)
        connection.close()
    best_run, state = min(runs, key=lambda item: item[0])
    best_floor = min(floors)
    result = {
        "orders": orders, "accounts_written": AccountMetrics.objects.filter(channel=CHANNEL).count(),
        "floor_seconds": round(best_floor, 3), "floor_bytes": size,
        "recompute_seconds": round(best_run, 3), "stages": state["seconds"],
        "ratio": round(best_run / best_floor, 2), "target_ratio": 2.0,
        "prediction_model": {k: state["report"]["prediction_model"].get(k) for k in ("name", "status")},
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 3),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
