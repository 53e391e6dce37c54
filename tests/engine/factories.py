"""Small frames for engine tests."""

import pandas as pd


def orders(*rows, currency="JPY") -> pd.DataFrame:
    """Orders frame from (account_id, 'YYYY-MM-DD', amount[, currency]) tuples."""
    records = [
        {"account_id": r[0], "created_at": pd.Timestamp(r[1]), "amount": r[2],
         "currency": r[3] if len(r) > 3 else currency}
        for r in rows
    ]
    frame = pd.DataFrame(records, columns=["account_id", "created_at", "amount", "currency"])
    return frame


def lapsed_channel_orders(seed: int = 4, as_of: str = "2026-11-01", companies: int = 300) -> pd.DataFrame:
    """A B2B channel where many one-order companies never came back.

    ``companies`` regular companies join over three years and order every ~5–100 days (each
    its own mean gap) until their (exponential, mean 900 days) lifetime ends; as many order
    once and are gone;
    company "gone-2023" ordered once, three years before ``as_of``. BG/NBD calls every
    one-order company alive (P = 1); MBG/NBD and Pareto/NBD do not.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    end = pd.Timestamp(as_of)
    start = end - pd.Timedelta(days=3 * 365)
    rows = [("gone-2023", start, 50_000.0)]
    for i in range(companies):
        day = start + pd.Timedelta(days=float(rng.uniform(0, 3 * 365 - 180)))
        death = day + pd.Timedelta(days=float(rng.exponential(900)))
        gap = 5.0 + rng.gamma(2.0, 15.0)
        while day <= min(death, end):
            rows.append((f"regular-{i}", day, float(rng.integers(1, 20) * 5_000)))
            day += pd.Timedelta(days=float(max(1.0, rng.exponential(gap))))
    for i in range(companies):
        rows.append((f"once-{i}", start + pd.Timedelta(days=float(rng.uniform(0, 3 * 365 - 30))), 30_000.0))
    frame = pd.DataFrame(rows, columns=["account_id", "created_at", "amount"])
    frame["created_at"] = frame["created_at"].dt.floor("D")
    frame["currency"] = "JPY"
    return frame
