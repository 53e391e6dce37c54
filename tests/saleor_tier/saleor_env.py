"""A real Saleor for the tier: its own database, migrated and populated once, served by uvicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import requests

DB_NAME = os.environ.get("LTV_SALEOR_TIER_DB", "ltv_saleor_tier")
PG_URL = "postgres://postgres@127.0.0.1:5432"
CHANNEL = "default-channel"
ADMIN = ("admin@example.com", "admin")
LOG_DIR = Path(os.environ.get("LTV_ARTIFACTS", "test-artifacts")) / "saleor-tier"


def environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="saleor.settings",
        DATABASE_URL=f"{PG_URL}/{DB_NAME}",
        SECRET_KEY="ltv-saleor-tier-not-secret",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        ALLOWED_CLIENT_HOSTS="localhost,127.0.0.1",
        DEBUG="True",
        CELERY_BROKER_URL="",  # eager: no worker needed; the tier applies events explicitly
        HTTP_IP_FILTER_ENABLED="False",
        PUBLIC_URL="http://127.0.0.1",
        OBSERVABILITY_ACTIVE="False",
        PYTHONUNBUFFERED="1",
        # Staff tokens are taken once per session or module; the tier took 16 min on a
        # loaded machine, past Saleor's 5-minute default, and later tests saw expired ones.
        JWT_TTL_ACCESS="3 hours",
    )
    env.pop("LTV_FAULT_INJECTION", None)
    env.update(extra)
    return env


def django_admin(*args: str, timeout: int = 1800, **extra: str) -> str:
    """Run a Django management command in Saleor's settings; raise with its output on failure."""
    result = subprocess.run(
        [sys.executable, "-m", "django", *args],
        env=environment(**extra), capture_output=True, text=True, timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return result.stdout


def connect(dbname: str = DB_NAME) -> psycopg.Connection:
    return psycopg.connect(f"{PG_URL}/{dbname}", autocommit=True)


def prepare_database() -> None:
    """Create, migrate and populate the tier's database; later runs only apply new migrations."""
    with connect("postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    django_admin("migrate", "--no-input")
    with connect() as conn:
        products = conn.execute("SELECT count(*) FROM product_product").fetchone()[0]
    if products == 0:
        django_admin("populatedb", "--createsuperuser", "--withoutimages")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(name: str, **extra: str):
    """uvicorn serving saleor.asgi on a free loopback port; yields its base URL."""
    port = free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(LOG_DIR / f"{name}.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "saleor.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--log-level", "warning"],
        env=environment(**extra), stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"Saleor server exited; see {log.name}")
            try:
                if requests.get(url + "/graphql/", timeout=2).status_code < 500:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Saleor server did not start in 120 s; see {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
