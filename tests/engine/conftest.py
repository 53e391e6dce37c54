"""Engine test fixtures: no Django here (the engine tier must run with numpy/pandas/scipy only).

The CDNOW 1/10 sample (Fader, Hardie & Lee 2005) is read from inside the
``lifetimes==0.11.3`` wheel, downloaded once with ``pip download --no-deps`` into
``~/.cache/saleor-ltv-plugin/wheels`` (``SALEOR_LTV_CACHE`` overrides the base).
The package is never imported; its data files are read from the zip. Without
network and without a cached wheel, the CDNOW tests skip and say why.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

LIFETIMES_WHEEL = "lifetimes==0.11.3"
DATASETS = "lifetimes/datasets/"


def _cache_dir() -> Path:
    base = os.environ.get("SALEOR_LTV_CACHE") or Path.home() / ".cache" / "saleor-ltv-plugin"
    return Path(base) / "wheels"


def _cached_wheel(folder: Path) -> Path | None:
    for path in sorted(folder.glob("*.whl")):
        if path.name.lower().startswith("lifetimes-0.11.3-"):
            return path
    return None


def lifetimes_wheel() -> Path:
    folder = _cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    wheel = _cached_wheel(folder)
    if wheel is None:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   LIFETIMES_WHEEL, "-d", str(folder), "-q"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        wheel = _cached_wheel(folder)
        if wheel is None:
            pytest.skip(f"CDNOW data unavailable: `pip download {LIFETIMES_WHEEL}` failed "
                        f"({done.stderr.strip()[-200:]}) and no wheel is cached in {folder}")
    return wheel


def read_dataset(name: str) -> bytes:
    with zipfile.ZipFile(lifetimes_wheel()) as wheel:
        return wheel.read(DATASETS + name)


@pytest.fixture(scope="session")
def cdnow_summary() -> pd.DataFrame:
    """Published calibration summary in weeks: ID, x, t_x, T, zbar (2,357 customers)."""
    return pd.read_csv(io.BytesIO(read_dataset("cdnow_customers_summary_with_transactions.csv")))


@pytest.fixture(scope="session")
def cdnow_transactions() -> pd.DataFrame:
    """CDNOW_sample.txt as orders: account_id (1…2357), created_at, amount (USD)."""
    raw = pd.read_csv(
        io.BytesIO(read_dataset("CDNOW_sample.txt")), sep=r"\s+", header=None,
        names=["customer", "account_id", "date", "cds", "amount"],
    )
    return pd.DataFrame(
        {
            "account_id": raw["account_id"],
            "currency": "USD",
            "created_at": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
            "amount": raw["amount"],
        }
    )
