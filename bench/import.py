"""A Shift_JIS Rakuten order file imported end to end, next to a bare COPY of the same rows.

    python bench/import.py [--rows 1000000]     (PostgreSQL on 127.0.0.1, database ltv_bench_import)

Generates a Rakuten RMS order CSV in Shift_JIS (CP932): one row per ordered item, 1–3 items
per order, a pool of repeat buyers keyed by name + phone. Times, in one run:

  floor   ``COPY scratch FROM STDIN (FORMAT csv, HEADER, ENCODING 'SJIS')`` of the same bytes
          into an unlogged scratch table of text columns (no parsing into types, no keys);
  import  the plugin's whole path as ``POST imports/orders`` runs it (api.file_import.import_file):
          decode, detect, parse the Japanese amounts and dates, group into orders, validate each
          against OrderIn's bounds (api/order_precheck; OrderIn itself for an order that fails them),
          merge contacts, accounts, orders and lines set-based (ingest/bulk_orders: COPY into temporary
          tables, INSERT … ON CONFLICT) in 25,000-order transactions, then re-score the touched
          accounts once with the channel's fitted state;
  again   the same file once more (idempotent: nothing written, nothing re-scored).

A first, small file of the same buyers is imported and fitted (recompute) beforehand, so the
re-score has a fitted state to score with. Target (issue 19): ≥ 20 k rows/s, ratio ≤ 5×.
Stage seconds are the import's own. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from _standalone import use_database  # noqa: E402

DB = use_database("LTV_BENCH_IMPORT_DATABASE", "ltv_bench_import")
CHANNEL = "bench-import"
HEADER = ("受注番号,受注ステータス,注文日時,合計金額,注文者名字,注文者名前,注文者メールアドレス,"
          "注文者電話番号,商品番号,商品名,単価,個数")
PRODUCTS = [(f"SKU-{i:04d}", name, price) for i, (name, price) in enumerate(
    [("緑茶 100g", 1200), ("湯呑み ①", 1120), ("贈答セット", 5400), ("ほうじ茶 200g", 980), ("急須", 4500),
     ("抹茶 30g", 2200), ("茶托 5枚組", 3300), ("玄米茶 500g", 1500)])]


def generate(n_rows: int, seed: int, start_order: int = 0, n_buyers: int | None = None) -> tuple[bytes, int]:
    """(the file's bytes, orders in it): rows as Rakuten writes them, amounts as "￥1,234"."""
    rng = random.Random(seed)
    n_buyers = n_buyers or max(n_rows // 8, 10)
    lines, rows, order = [HEADER], 0, start_order
    start = datetime(2024, 4, 1, 9, 0)
    while rows < n_rows:
        buyer = rng.randrange(n_buyers)
        when = start + timedelta(seconds=17 * order)
        items = rng.sample(PRODUCTS, min(rng.randint(1, 3), n_rows - rows))
        quantities = [rng.randint(1, 5) for _ in items]
        total = sum(price * q for (_, _, price), q in zip(items, quantities))
        status = "キャンセル確定" if order % 40 == 0 else "発送済"
        head = (f"999999-{when:%Y%m%d}-{order:010d},{status},{when:%Y-%m-%d %H:%M:%S},\"￥{total:,}\","
                f"架空,顧客{buyer},r{order}@pc.fw.rakuten.ne.jp,050-{buyer // 10000:04d}-{buyer % 10000:04d}")
        for (sku, name, price), q in zip(items, quantities):
            lines.append(f'{head},{sku},{name},"{price:,}",{q}')
        rows += len(items)
        order += 1
    return ("\r\n".join(lines) + "\r\n").encode("cp932"), order - start_order


def ensure_database() -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DB}"')


def empty_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE saleor_ltv_plugin_accountmetrics, saleor_ltv_plugin_orderlinefact, "
                       "saleor_ltv_plugin_orderfact, saleor_ltv_plugin_accountcontact, saleor_ltv_plugin_contact, "
                       "saleor_ltv_plugin_account, saleor_ltv_plugin_csvimport RESTART IDENTITY CASCADE")


def floor_seconds(data: bytes) -> float:
    """The bare COPY of the same bytes (PostgreSQL converting SJIS itself) into a scratch table."""
    from django.db import connection

    columns = ", ".join(f"c{i} text" for i in range(len(HEADER.split(","))))
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_scratch")
        cursor.execute(f"CREATE UNLOGGED TABLE bench_import_scratch ({columns})")
        connection.connection.commit()
        started = time.perf_counter()
        with cursor.copy("COPY bench_import_scratch FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'SJIS')") as copy:
            view = memoryview(data)
            for offset in range(0, len(data), 1 << 20):
                copy.write(view[offset:offset + (1 << 20)])
        connection.connection.commit()
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_import_scratch")
        copied = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_import_scratch")
        connection.connection.commit()
    return seconds, copied


def backend_cpu_seconds() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far (None when the server is not local)."""
    from django.db import connection

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class Stages:
    """Wall seconds of each step of the import, by wrapping the functions import_file calls."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def wrap(self, module, name: str, stage: str) -> None:
        inner = getattr(module, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started

        setattr(module, name, timed)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    from saleor_ltv_plugin import signals
    from saleor_ltv_plugin.api import file_import
    from saleor_ltv_plugin.ingest import batch
    from saleor_ltv_plugin.metrics.recompute import latest_fit, recompute
    from saleor_ltv_plugin.models import AccountMetrics, OrderFact

    call_command("migrate", verbosity=0)
    empty_tables()
    n_buyers = max(args.rows // 8, 10)
    started = time.perf_counter()
    data, n_orders = generate(args.rows, args.seed, start_order=1_000_000, n_buyers=n_buyers)
    print(f"generated {args.rows:,} rows ({n_orders:,} orders, {len(data) / 2**20:.1f} MiB Shift_JIS) "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    # The history the channel is fitted on: the same buyers' earlier orders.
    seed_data, _ = generate(max(args.rows // 4, 400), args.seed + 1, start_order=0, n_buyers=n_buyers)
    ctx = file_import.context(CHANNEL)
    file_import.import_file(seed_data, ctx)
    recompute(only_channel=CHANNEL)
    assert latest_fit(CHANNEL) is not None, "the seed recompute left no fitted state: the re-score would be a no-op"
    scored_before = AccountMetrics.objects.filter(channel=CHANNEL).count()
    print(f"fitted the channel on {OrderFact.objects.count():,} earlier orders ({scored_before:,} accounts scored)",
          flush=True)

    floor, copied = floor_seconds(data)
    print(f"floor: COPY of {copied:,} rows in {floor:.2f} s", flush=True)

    stages = Stages()
    stages.wrap(file_import, "read_orders", "decode_parse")
    stages.wrap(file_import, "validate", "validate")
    stages.wrap(batch, "store_orders_unscored", "upsert")
    stages.wrap(signals.orders_changed, "send", "rescore")
    backend_started = backend_cpu_seconds()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = file_import.import_file(data, ctx)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    backend_ended = backend_cpu_seconds()
    assert not result.errors, result.errors[:3]
    print(f"import: {result.read.rows:,} rows, {result.orders:,} orders in {seconds:.2f} s "
          f"({ {k: round(v, 2) for k, v in stages.seconds.items()} })", flush=True)
    first_stages = dict(stages.seconds)
    scored_after = AccountMetrics.objects.filter(channel=CHANNEL).count()
    stages.seconds.clear()
    started = time.perf_counter()
    again = file_import.import_file(data, ctx)
    again_seconds = time.perf_counter() - started
    print(f"again: {again.counts.unchanged:,} unchanged in {again_seconds:.2f} s", flush=True)
    result_json = {
        "rows": result.read.rows, "orders": result.orders, "created": result.counts.created,
        "accounts_rescored": result.accounts_rescored, "accounts_scored_before": scored_before,
        "accounts_scored_after": scored_after, "file_mib": round(len(data) / 2**20, 2),
        "floor_seconds": round(floor, 3), "import_seconds": round(seconds, 3),
        # this process's CPU (parse, validate, staging; not PostgreSQL's): on a shared machine the
        # wall seconds also count the time other processes held the cores
        "import_cpu_seconds": round(cpu, 3), "load_average": round(os.getloadavg()[0], 1),
        # the PostgreSQL backend's CPU for the same import (its share of the wall seconds, unshared)
        "postgres_cpu_seconds": (round(backend_ended - backend_started, 3)
                                 if backend_started is not None and backend_ended is not None else None),
        "stages": {k: round(v, 3) for k, v in first_stages.items()},
        "ratio": round(seconds / floor, 2), "rows_per_second": round(result.read.rows / seconds),
        "again_seconds": round(again_seconds, 3), "again_unchanged": again.counts.unchanged,
        "again_written": again.counts.written,
        "targets": {"rows_per_second": 20_000, "ratio": 5.0},
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 3),
    }
    result_json["targets_met"] = (result_json["rows_per_second"] >= 20_000 and result_json["ratio"] <= 5.0)
    print(json.dumps(result_json, ensure_ascii=False))
    return result_json


if __name__ == "__main__":
    main()
