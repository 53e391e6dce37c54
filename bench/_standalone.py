"""Point a benchmark at its own PostgreSQL database in standalone mode (before Django loads)."""

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def use_database(variable: str, default: str) -> str:
    """The database is named by `variable` (default `default`); returns its name."""
    for path in (str(ROOT), str(ROOT / "bench")):
        if path not in sys.path:
            sys.path.insert(0, path)
    name = os.environ.get(variable, default)
    os.environ["LTV_BENCH_DATABASE"] = name
    # Set, not defaulted: a bench truncates the plugin's tables, so a DATABASE_URL (or a test
    # run's settings module) left in the shell must never point it at a shop's or a test's data.
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_ltv_plugin.hosts.standalone.settings"
    os.environ.setdefault("LTV_TIMEZONE", "Asia/Tokyo")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # a bench signs nothing it keeps
    return name
