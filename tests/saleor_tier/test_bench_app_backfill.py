"""bench/app_backfill.py at a small scale, so it cannot rot: it needs a real Saleor, so it runs here,
in Saleor's venv, against the tier's database and server."""

import os
import sys

from ..bench_smoke import check, run


def test_app_backfill_bench_runs_small(saleor_db, saleor_url, staff):
    env = {**os.environ, "LTV_SALEOR_TIER_DB": saleor_db}
    result = run(sys.executable, "app_backfill.py", ["--orders", "150", "--url", saleor_url], env, timeout=900)
    check(result, keys=("orders", "read_orders", "app_orders", "target_orders_per_s", "target_met"),
          positive=("read_orders_per_s", "app_orders_per_s", "plugin_orders_per_s", "app_vs_read_ratio",
                    "app_vs_plugin_ratio"))
    assert result["orders"] == result["read_orders"] == result["app_orders"] == 150
    assert result["app_facts"] == result["plugin_facts"] == 150  # both writers stored every order
