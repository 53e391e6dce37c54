"""Speed next to what a user would otherwise reach for: the `lifetimes` package.

    python bench/lifetimes_speed.py [--venv /tmp/lifetimes-venv | --python .venv/bin/python]

On the CDNOW master file (23,570 customers, calibration through 1997-09-30, weeks,
same-day orders merged), times lifetimes' summary_data_from_transaction_data +
BetaGeoFitter.fit next to ours (summarize_orders + bgnbd_inputs + fit_bgnbd), best
of 3 each, and prints the speed-up (target ≥ 10×) and both parameter sets. By default
lifetimes runs in its own venv with the pins of its day (PINS), made with `python3 -m
venv` when it is missing or cannot import lifetimes; if that fails, the output says
why and reports our time alone. `--python` names an interpreter that already has it
(0.11.3 also runs on today's numpy, pandas and scipy: the test extras install it).
Last line: one JSON object: customers, ours_seconds, our_params, lifetimes_seconds,
speedup, lifetimes_params, max_param_rel_diff (the last four null or absent without
lifetimes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _cdnow  # noqa: E402

from saleor_ltv_plugin.engine.bgnbd import fit_bgnbd  # noqa: E402
from saleor_ltv_plugin.engine.summary import bgnbd_inputs, summarize_orders  # noqa: E402

END = "1997-09-30"
PINS = ["lifetimes==0.11.3", "pandas==1.5.3", "numpy==1.23.5", "scipy==1.10.1"]
THEIRS = r"""
import io, json, sys, time, zipfile
import pandas as pd
from lifetimes import BetaGeoFitter
from lifetimes.utils import summary_data_from_transaction_data
raw = zipfile.ZipFile(sys.argv[1]).read("lifetimes/datasets/CDNOW_master.txt")
df = pd.read_csv(io.BytesIO(raw), sep=r"\s+", header=0, names=["id", "date", "cds", "amount"])
df["date"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
df = df[df["date"] <= sys.argv[2]]
best = None
for _ in range(3):
    started = time.perf_counter()
    summary = summary_data_from_transaction_data(df, "id", "date", observation_period_end=sys.argv[2],
                                                 freq="D", freq_multiplier=7)
    model = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    seconds = time.perf_counter() - started
    best = seconds if best is None else min(best, seconds)
print(json.dumps({"seconds": best, "customers": len(summary),
                  "params": {k: float(v) for k, v in model.params_.items()}}))
"""


PROBE = "import sys, lifetimes, numpy, pandas, scipy; print(sys.version.split()[0], lifetimes.__version__, " \
        "numpy.__version__, pandas.__version__, scipy.__version__)"


def described(python: Path) -> tuple[Path | None, str]:
    """An interpreter that imports lifetimes, as it is, and a description of it; or None and why not."""
    probe = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True)
    if probe.returncode:
        return None, f"{python} does not import lifetimes: {probe.stderr.strip()[-300:]}"
    version, lifetimes, numpy, pandas, scipy = probe.stdout.split()
    return python, (f"Python {version}: lifetimes {lifetimes}, numpy {numpy}, pandas {pandas}, scipy {scipy}")


def ensure_venv(venv: Path) -> tuple[Path | None, str]:
    """The venv's python (made with PINS where it cannot import lifetimes), or None and why not."""
    python = venv / "bin" / "python"
    found = described(python) if python.exists() else (None, "")
    if found[0] is None:
        steps = [] if python.exists() else [["python3", "-m", "venv", str(venv)]]
        steps.append([str(python), "-m", "pip", "install", "-q", *PINS])
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True)
            if done.returncode:
                return None, f"`{' '.join(step)}` failed: {done.stderr.strip()[-300:]}"
        found = described(python)
    return found


def ours(orders) -> tuple[float, dict, int]:
    best, model, n = None, None, 0
    for _ in range(3):
        started = time.perf_counter()
        summary = summarize_orders(orders, END)
        inputs = bgnbd_inputs(summary, unit="weeks")
        model = fit_bgnbd(inputs["frequency"], inputs["recency"], inputs["T"])
        seconds = time.perf_counter() - started
        best, n = (seconds if best is None else min(best, seconds)), len(summary)
    return best, model.params, n


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", default="/tmp/lifetimes-venv", help="where lifetimes is (or gets) installed")
    parser.add_argument("--python", help="an interpreter that already imports lifetimes (no venv is made); "
                                         "lifetimes 0.11.3 also runs on today's numpy, pandas and scipy")
    args = parser.parse_args(argv)
    python, environment = described(Path(args.python)) if args.python else ensure_venv(Path(args.venv))
    orders = _cdnow.transactions("CDNOW_master.txt")
    orders = orders[orders["created_at"] <= END]
    seconds, params, customers = ours(orders)
    result = {
        "data": "CDNOW_master.txt through 1997-09-30 (weeks), best of 3 runs each", "customers": customers,
        "lifetimes_env": environment, "ours_env": "Python {}: numpy {}, pandas {}, scipy {}".format(
            sys.version.split()[0], np.__version__, pd.__version__, scipy.__version__),
        "ours_seconds": round(seconds, 4), "our_params": {k: round(v, 4) for k, v in params.items()},
        "target_speedup": 10,
    }
    if python is None:
        result["lifetimes_seconds"] = None
        print(f"lifetimes could not be installed, no comparison: {environment}")
        print(f"ours {result['ours_seconds']} s on {customers} customers, params {result['our_params']}")
    else:
        done = subprocess.run([str(python), "-c", THEIRS, str(_cdnow.wheel()), END],
                              capture_output=True, text=True, check=True)
        theirs = json.loads(done.stdout.strip().splitlines()[-1])
        their_params = {k: round(v, 4) for k, v in theirs["params"].items()}
        result.update({
            "lifetimes_seconds": round(theirs["seconds"], 3), "speedup": round(theirs["seconds"] / seconds, 1),
            "lifetimes_params": their_params,
            "max_param_rel_diff": float(f"{max(abs(params[k] / theirs['params'][k] - 1) for k in params):.2g}"),
        })
        print(f"lifetimes ({environment})\n  summary_data_from_transaction_data + BetaGeoFitter.fit: "
              f"{result['lifetimes_seconds']} s")
        print(f"ours ({result['ours_env']})\n  summarize_orders + bgnbd_inputs + fit_bgnbd: {result['ours_seconds']} s")
        print(f"on {customers} customers: {result['speedup']}x faster (target >= 10x)")
        print(f"  lifetimes {their_params}\n  ours      {result['our_params']}  "
              f"(max relative difference {result['max_param_rel_diff']})")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
