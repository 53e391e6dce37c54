"""CDNOW data for the benches, read from the `lifetimes` 0.11.3 wheel (never imported).

The wheel is downloaded once with `pip download --no-deps` into
~/.cache/saleor-ltv-plugin/wheels (SALEOR_LTV_CACHE overrides the base), the cache
the engine tests use too.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd


def wheel() -> Path:
    base = Path(os.environ.get("SALEOR_LTV_CACHE") or Path.home() / ".cache" / "saleor-ltv-plugin")
    folder = base / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    found = [p for p in folder.glob("*.whl") if p.name.lower().startswith("lifetimes-0.11.3-")]
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "lifetimes==0.11.3", "-d", str(folder), "-q"], check=True)
        found = [p for p in folder.glob("*.whl") if p.name.lower().startswith("lifetimes-0.11.3-")]
    return found[0]


def transactions(name: str = "CDNOW_sample.txt") -> pd.DataFrame:
    """Orders: account_id, currency, created_at, amount (USD). Sample: 2,357 customers; master: 23,570."""
    with zipfile.ZipFile(wheel()) as archive:
        raw = archive.read("lifetimes/datasets/" + name)
    columns = (["customer", "account_id", "date", "cds", "amount"] if "sample" in name
               else ["account_id", "date", "cds", "amount"])
    header = 0 if raw.lstrip().startswith(b"customer") else None  # the master file has a header line
    frame = pd.read_csv(io.BytesIO(raw), sep=r"\s+", header=header, names=columns)
    return pd.DataFrame({
        "account_id": frame["account_id"], "currency": "USD",
        "created_at": pd.to_datetime(frame["date"].astype(str), format="%Y%m%d"), "amount": frame["amount"],
    })


def published_summary() -> pd.DataFrame:
    """Hardie's calibration summary of the sample in weeks: ID, x, t_x, T, zbar (2,357 customers)."""
    with zipfile.ZipFile(wheel()) as archive:
        raw = archive.read("lifetimes/datasets/cdnow_customers_summary_with_transactions.csv")
    return pd.read_csv(io.BytesIO(raw))
