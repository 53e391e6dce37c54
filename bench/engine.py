"""Engine benchmark: 10M orders / 1M accounts / ~3 years through every engine stage.

    python bench/engine.py [--scale 0.1] [--seed 7] [--currency-strings]

Prints each stage's seconds and its ratio to the *floor* — the least any per-account
summary must do: one numpy sort of the combined (account, day) key plus bincount
reductions for count and sum and the first/last day per account. Targets:
summary+rfm+cpm+lifecycle+rhythm ≤ 5× floor, BG/NBD + Gamma-Gamma fits ≤ 10× floor,
each of the MBG/NBD and Pareto/NBD fits ≤ 10× floor, peak RSS ≤ 4 GB. Also timed: the
model choice (three calibration fits on a 20 000-account sample, engine/model_choice)
and the chosen model's full fit — what a recompute adds.
The last line is one JSON object with every figure.

Data (seeded): accounts join uniformly over 3 years; each has a Poisson-gamma
number of orders (mean 10), buys while "alive" for a Beta-distributed share of its
remaining time, with 10% of orders on a day it already bought; amounts are
log-normal around an account-level mean (JPY), a few refunds negative.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from saleor_ltv_plugin.engine.bgnbd import fit_bgnbd  # noqa: E402
from saleor_ltv_plugin.engine.cpm import cpm_cells  # noqa: E402
from saleor_ltv_plugin.engine.cycle import purchase_rhythm  # noqa: E402
from saleor_ltv_plugin.engine.gamma_gamma import fit_gamma_gamma  # noqa: E402
from saleor_ltv_plugin.engine.lifecycle import lifecycle_stages  # noqa: E402
from saleor_ltv_plugin.engine.mbgnbd import fit_mbgnbd  # noqa: E402
from saleor_ltv_plugin.engine.model_choice import choose_model, fit_chosen  # noqa: E402
from saleor_ltv_plugin.engine.pareto_nbd import fit_pareto_nbd  # noqa: E402
from saleor_ltv_plugin.engine.rfm import rfm_scores  # noqa: E402
from saleor_ltv_plugin.engine.summary import bgnbd_inputs, summarize_orders  # noqa: E402

DAYS = 3 * 365
START = np.datetime64("2023-01-01", "D")


def generate(n_orders: int, n_accounts: int, seed: int, currency_strings: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rate = rng.gamma(2.0, (n_orders / n_accounts) / 2.0, n_accounts)
    counts = 1 + rng.poisson(np.maximum(rate - 1, 0))
    scale = n_orders / counts.sum()
    counts = np.maximum(1, np.round(counts * scale).astype(np.int64))
    joined = rng.integers(0, DAYS, n_accounts)
    alive_share = rng.beta(2.0, 1.2, n_accounts)
    account = np.repeat(np.arange(n_accounts, dtype=np.int64), counts)
    offset = rng.random(len(account)) * np.repeat((DAYS - joined) * alive_share, counts)
    is_first = np.r_[True, account[1:] != account[:-1]]
    day = np.repeat(joined, counts) + np.where(is_first, 0, offset.astype(np.int64))
    same_day = rng.random(len(account)) < 0.1  # a second order on a day already bought
    day = np.where(same_day & ~is_first, np.maximum.accumulate(np.where(is_first, day, 0)), day)
    mean_value = np.repeat(rng.lognormal(9.0, 0.8, n_accounts), counts)
    amount = np.round(mean_value * rng.lognormal(0.0, 0.4, len(account)))
    amount[rng.random(len(account)) < 0.005] *= -0.2  # partial refunds net negative
    seconds = rng.integers(0, 86_400, len(account))
    created = (START + day.astype("timedelta64[D]")).astype("datetime64[s]") + seconds.astype(
        "timedelta64[s]")
    order = rng.permutation(len(account))  # rows arrive in no particular order
    currency = (np.full(len(account), "JPY", dtype=object) if currency_strings
                else pd.Categorical.from_codes(np.zeros(len(account), np.int8), ["JPY"]))
    return pd.DataFrame({"account_id": account[order], "currency": currency,
                         "created_at": created[order], "amount": amount[order]})


def floor(orders: pd.DataFrame) -> float:
    """One sort of the combined key + bincounts for count, sum, first and last."""
    started = time.perf_counter()
    account = orders["account_id"].to_numpy()
    day = orders["created_at"].to_numpy().astype("datetime64[D]").astype(np.int64)
    first_day = day.min()
    span = int(day.max() - first_day) + 1
    key = np.sort(account * span + (day - first_day))
    n = int(account.max()) + 1
    count = np.bincount(account, minlength=n)
    total = np.bincount(account, weights=orders["amount"].to_numpy(), minlength=n)
    sorted_account = key // span
    starts = np.flatnonzero(np.r_[True, sorted_account[1:] != sorted_account[:-1]])
    ends = np.r_[starts[1:], len(key)] - 1
    first, last = key[starts] % span, key[ends] % span
    assert count.sum() == len(key) and len(first) == len(last) and np.isfinite(total.sum())
    return time.perf_counter() - started


def timed(results: dict, name: str, function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    results[name] = time.perf_counter() - started
    print(f"{name:>12}: {results[name]:8.2f} s   peak RSS {peak_gb():.2f} GB", flush=True)
    return value


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # kB on Linux


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 10M orders, 1M accounts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--currency-strings", action="store_true",
                        help="currency as an object column of str instead of a categorical")
    args = parser.parse_args(argv)
    n_orders, n_accounts = int(10_000_000 * args.scale), int(1_000_000 * args.scale)
    started = time.perf_counter()
    orders = generate(n_orders, n_accounts, args.seed, args.currency_strings)
    print(f"generated {len(orders):,} orders for {orders['account_id'].nunique():,} accounts "
          f"in {time.perf_counter() - started:.1f} s", flush=True)

    t: dict[str, float] = {}
    t["floor"] = min(floor(orders) for _ in range(2))
    print(f"{'floor':>12}: {t['floor']:8.2f} s", flush=True)
    summary = timed(t, "summary", summarize_orders, orders)
    scores = timed(t, "rfm", rfm_scores, summary)
    timed(t, "cpm", cpm_cells, summary)
    timed(t, "lifecycle", lifecycle_stages, summary)
    summary["rfm_segment"] = scores["rfm_segment"].to_numpy()
    timed(t, "rhythm", purchase_rhythm, summary, prior_by="rfm_segment")
    inputs = bgnbd_inputs(summary, unit="days")
    model = timed(t, "bgnbd_fit", fit_bgnbd, inputs["frequency"], inputs["recency"], inputs["T"])
    gg = timed(t, "gamma_gamma", fit_gamma_gamma, inputs["frequency"], inputs["monetary_value"])
    t["bgnbd_predict"] = _predict_seconds(model, inputs)
    x, t_x, T = inputs["frequency"], inputs["recency"], inputs["T"]
    mbg = timed(t, "mbgnbd_fit", fit_mbgnbd, x, t_x, T)
    pnbd = timed(t, "pareto_fit", fit_pareto_nbd, x, t_x, T)
    t["pareto_predict"] = _predict_seconds(pnbd, inputs, "pareto_pred")
    choice = timed(t, "model_choice", choose_model, orders)
    chosen, _, _ = timed(t, "chosen_fit", fit_chosen, choice, x, t_x, T)

    descriptive = sum(t[k] for k in ("summary", "rfm", "cpm", "lifecycle", "rhythm"))
    fits = t["bgnbd_fit"] + t["gamma_gamma"]
    choice_cost = t["model_choice"] + t["chosen_fit"] + t["gamma_gamma"]
    report = {
        "orders": len(orders), "accounts": int(len(summary)), "scale": args.scale,
        "seconds": {k: round(v, 3) for k, v in t.items()},
        "ratio_to_floor": {k: round(v / t["floor"], 2) for k, v in t.items() if k != "floor"},
        "descriptive_ratio": round(descriptive / t["floor"], 2),
        "fits_ratio": round(fits / t["floor"], 2),
        "mbgnbd_fit_ratio": round(t["mbgnbd_fit"] / t["floor"], 2),
        "pareto_fit_ratio": round(t["pareto_fit"] / t["floor"], 2),
        "choice_and_fits_ratio": round(choice_cost / t["floor"], 2),
        "peak_rss_gb": round(peak_gb(), 3),
        "targets_met": {
            "descriptive_le_5x_floor": descriptive <= 5 * t["floor"],
            "fits_le_10x_floor": fits <= 10 * t["floor"],
            "mbgnbd_fit_le_10x_floor": t["mbgnbd_fit"] <= 10 * t["floor"],
            "pareto_fit_le_10x_floor": t["pareto_fit"] <= 10 * t["floor"],
            "peak_le_4gb": peak_gb() <= 4.0,
        },
        "bgnbd": {**model.params, "status": model.status, "ll": model.log_likelihood,
                  "iterations": model.iterations},
        "gamma_gamma": {**gg.params, "status": gg.status},
        "mbgnbd": {**mbg.params, "status": mbg.status, "ll": mbg.log_likelihood, "iterations": mbg.iterations},
        "pareto_nbd": {**pnbd.params, "status": pnbd.status, "ll": pnbd.log_likelihood,
                       "iterations": pnbd.iterations},
        "model_choice": {"chosen": choice.name, "full_fit": chosen.name, "full_fit_status": chosen.status,
                         "reason": choice.reason, "holdout": choice.holdout},
        "python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
        "cpus": os.cpu_count(),
    }
    print(f"descriptive (summary+rfm+cpm+lifecycle+rhythm) = {report['descriptive_ratio']}× floor; "
          f"fits = {report['fits_ratio']}× floor; MBG/NBD fit {report['mbgnbd_fit_ratio']}×, Pareto/NBD fit "
          f"{report['pareto_fit_ratio']}×; choice + chosen fit + Gamma-Gamma {report['choice_and_fits_ratio']}×; "
          f"peak {report['peak_rss_gb']} GB")
    print(f"model choice: {choice.name} — {choice.reason}")
    print(json.dumps(report, default=float))
    return report


def _predict_seconds(model, inputs, name="bgnbd_pred") -> float:
    started = time.perf_counter()
    x, t_x, T = inputs["frequency"], inputs["recency"], inputs["T"]
    model.probability_alive(x, t_x, T)
    model.conditional_expected_purchases(90.0, x, t_x, T)
    seconds = time.perf_counter() - started
    print(f"{name:>12}: {seconds:8.2f} s (P(alive) + 90-day expectation)", flush=True)
    return seconds


if __name__ == "__main__":
    main()
