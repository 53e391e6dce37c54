"""bench/hook_overhead.py at a small scale, so it cannot rot (issue 14 #2).

The main tier's tests/test_bench_smoke.py runs every other bench script; this one needs a real
Saleor, so it runs here, in Saleor's venv, against the tier's database (its own server).
"""

import os
import sys

from ..bench_smoke import check, run


def test_hook_overhead_bench_runs_small(saleor_db, saleor_url, staff):
    env = {**os.environ, "LTV_SALEOR_TIER_DB": saleor_db}  # the saleor_db fixture has prepared it
    # The tier's server serves the same database with the same settings: no second start-up.
    result = run(sys.executable, "hook_overhead.py", ["--checkouts", "4", "--url", saleor_url], env, timeout=900)
    check(result, keys=("checkouts_per_state", "active_median_ms", "inactive_median_ms", "target_median_ratio"),
          positive=("active_p95_ms", "inactive_p95_ms", "median_ratio", "p95_ratio"))
    assert result["checkouts_per_state"] == 4
