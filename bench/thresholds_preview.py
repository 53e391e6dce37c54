"""The thresholds preview (how many accounts a change moves) next to the bare COPY of the columns it
reads and next to the full recompute it stands in for, in one run.

    python bench/thresholds_preview.py [--accounts 100000] [--rounds 5]
    (PostgreSQL on 127.0.0.1, database ltv_bench_thresholds)

Uses bench/api.py's shop (~10 orders per account, filled and scored once). Each round times,
interleaved: `thresholds.preview(channel, change)` (the scored rows as one server-built CSV, ageing to today, the
engine's stage / CPM / RFM / churn classification twice, the from → to counts) for a CPM spend and
lapsed-days change; the bare `COPY (SELECT <those columns>) TO STDOUT` read to the end; once, the
channel's full recompute (what answering by re-scoring would cost). Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("LTV_BENCH_API_DATABASE", "ltv_bench_thresholds")
import api as api_bench  # noqa: E402  (sets the database up before Django loads)

CHANNEL = api_bench.CHANNEL
CHANGE = {"cpm_high_spend": {"JPY": 150_000}, "cpm_lapsed_after_days": 180, "churn_grace_factor": 2.0}


BARE = """SELECT account_id, currency, frequency, recency_days, tenure_days, monetary::float8, typical_interval_days,
  overdue_ratio, (computed_at AT TIME ZONE 'Asia/Tokyo')::date FROM saleor_ltv_plugin_accountmetrics
  WHERE channel = 'bench-channel'"""


def bare_copy() -> float:
    """The columns the preview reads, COPYed to the client and read to the end."""
    from django.db import connection

    connection.ensure_connection()
    started = time.perf_counter()
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY ({BARE}) TO STDOUT") as copy:
        for _ in copy:
            pass
    return time.perf_counter() - started


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    api_bench.prepare(args.accounts)
    from saleor_ltv_plugin import thresholds
    from saleor_ltv_plugin.metrics.recompute import recompute_channel

    preview, floor = [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        result = thresholds.preview(CHANNEL, CHANGE)
        preview.append(time.perf_counter() - started)
        floor.append(bare_copy())
    started = time.perf_counter()
    recompute_channel(CHANNEL)
    full = time.perf_counter() - started
    p, f = statistics.median(preview), statistics.median(floor)
    moved = {d: v["changed"] for d, v in result["dimensions"].items()}
    print(f"{result['accounts']:,} accounts; moved {moved}")
    print(f"preview   median {p:.3f} s  ({p / f:.1f}× the bare COPY, {full / p:.0f}× faster than a recompute)")
    print(f"bare COPY median {f:.3f} s")
    print(f"recompute        {full:.3f} s")
    figures = {"accounts": result["accounts"], "preview_s": round(p, 3), "bare_copy_s": round(f, 3),
               "recompute_s": round(full, 3), "preview_over_copy": round(p / f, 2),
               "recompute_over_preview": round(full / p, 1)}
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
