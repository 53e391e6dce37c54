"""A real Saleor for the tier: its own database, copied each run from a migrated and populated
template, served by uvicorn."""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import requests

from ..support.net import free_port  # noqa: F401 — re-exported for the tier's tests

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
    """Run a Django management command in Saleor's settings; raise with its output on failure.

    Commands in the tier's own environment go to the resident process (resident.py); one with
    extra environment variables runs as its own `python -m django`.
    """
    if extra:
        result = subprocess.run(
            [sys.executable, "-m", "django", *args],
            env=environment(**extra), capture_output=True, text=True, timeout=timeout,
        )
        returncode, stdout, stderr = result.returncode, result.stdout, result.stderr
    else:
        answer = RESIDENT.run(list(args), timeout)
        returncode, stdout, stderr = answer["returncode"], answer["stdout"], answer["stderr"]
    if returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{stdout[-3000:]}\n{stderr[-5000:]}")
    return stdout


class Resident:
    """The resident management process: started on first use, stopped at exit."""

    def __init__(self):
        self.process: subprocess.Popen | None = None

    def _start(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log = open(LOG_DIR / "resident.log", "a")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("resident.py"))], env=environment(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True, bufsize=1)
        ready = self.process.stdout.readline()
        if not ready:
            raise RuntimeError(f"the resident Saleor process did not start; see {self.log.name}")

    def run(self, args: list[str], timeout: int) -> dict:
        if self.process is None or self.process.poll() is not None:
            self._start()
        import json
        import threading

        timer = threading.Timer(timeout, self.process.kill)  # a hung command fails, as a timed-out one did
        timer.start()
        try:
            self.process.stdin.write(json.dumps(args) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        finally:
            timer.cancel()
        if not line:
            self.process = None
            raise RuntimeError(f"manage.py {' '.join(args)}: the resident Saleor process died; see {self.log.name}")
        return json.loads(line)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


RESIDENT = Resident()
atexit.register(RESIDENT.stop)


def connect(dbname: str = DB_NAME) -> psycopg.Connection:
    return psycopg.connect(f"{PG_URL}/{dbname}", autocommit=True)


# The migrated and populated database every run starts from; its comment holds the key of what
# it was built from. Each run gets a fresh copy (CREATE DATABASE … TEMPLATE: seconds), so runs
# neither pay for Saleor's migrations and populatedb again nor see orders earlier runs left.
TEMPLATE_NAME = f"{DB_NAME}_template"
POPULATE = ("populatedb", "--createsuperuser", "--withoutimages")


def template_key() -> str:
    """What the template was built from: Saleor's version, the plugin's migrations, populatedb's args."""
    import hashlib
    import importlib.metadata
    import importlib.util

    digest = hashlib.sha256(importlib.metadata.version("saleor").encode())
    migrations = Path(importlib.util.find_spec("saleor_ltv_plugin").origin).parent / "migrations"
    for path in sorted(migrations.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(" ".join(POPULATE).encode())
    return digest.hexdigest()[:20]


def _template_built_from() -> str | None:
    """The template's key, "" if it exists without one, None if it does not exist."""
    with connect("postgres") as conn:
        row = conn.execute("SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
                           "WHERE datname = %s", (TEMPLATE_NAME,)).fetchone()
    return None if row is None else row[0]


def build_template(key: str) -> None:
    """Migrate (only what is new, where the template exists) and populate the template once."""
    built_from = _template_built_from()
    if built_from is None:
        with connect("postgres") as conn:
            conn.execute(f'CREATE DATABASE "{TEMPLATE_NAME}"')
    template_url = f"{PG_URL}/{TEMPLATE_NAME}"
    try:
        django_admin("migrate", "--no-input", DATABASE_URL=template_url)
        with connect(TEMPLATE_NAME) as conn:
            products = conn.execute("SELECT count(*) FROM product_product").fetchone()[0]
        if products == 0:
            django_admin(*POPULATE, DATABASE_URL=template_url)
    except BaseException:
        if built_from is None:  # a half-populated template would pass for a whole one
            with connect("postgres") as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_NAME}" WITH (FORCE)')
        raise
    with connect("postgres") as conn:
        conn.execute(f"COMMENT ON DATABASE \"{TEMPLATE_NAME}\" IS '{key}'")  # a hex digest: no quoting


def prepare_database() -> None:
    """The tier's database, fresh for this run: a copy of the template (built first if it is stale)."""
    key = template_key()
    if _template_built_from() != key:
        build_template(key)
    copy_database(DB_NAME)


def copy_database(name: str) -> None:
    """A fresh copy of the template under `name` (prepare_database first)."""
    with connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_NAME}"')


START_SECONDS = 240  # Saleor's import alone takes ~25 s here, several times that beside the main tier


@contextmanager
def running_server(name: str, port: int | None = None, workers: int = 1, **extra: str):
    """uvicorn serving saleor.asgi on a (free) loopback port; yields its base URL."""
    port = port or free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(LOG_DIR / f"{name}.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "saleor.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
        env=environment(**extra), stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"Saleor server exited; see {log.name}")
            try:
                if requests.get(url + "/graphql/", timeout=2).status_code < 500:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Saleor server did not start in {START_SECONDS} s; see {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
