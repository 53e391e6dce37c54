"""The App-mode tier's processes: Saleors without the plugin, each with its own database, RSA key
and Celery worker (Saleor delivers webhooks from there), and this package's App deployment — web
server (`saleor-ltv serve`) and worker with beat (`saleor-ltv worker -B`) — on its own database."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..support.net import free_port, wait_for
from . import saleor_env

ROOT = Path(__file__).resolve().parents[2]
APP_DB = "ltv_app_tier"
PREFIX = "/plugins/global/saleor.ltv/"


def _pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@dataclass
class Saleor:
    name: str
    url: str
    db: str
    private_key_pem: str

    @property
    def api_url(self) -> str:
        return self.url + "/graphql/"


def _process(name: str, args: list[str], env: dict) -> subprocess.Popen:
    saleor_env.LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(saleor_env.LOG_DIR / f"{name}.log", "w")
    return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def saleor_without_plugin(name: str, broker_db: int):
    """A Saleor (server + Celery worker) on a fresh copy of the tier's template database."""
    db = f"ltv_saleor_{name}"
    saleor_env.copy_database(db)
    port, pem = free_port(), _pem()
    extra = dict(DATABASE_URL=f"{saleor_env.PG_URL}/{db}", PUBLIC_URL=f"http://127.0.0.1:{port}",
                 DJANGO_SETTINGS_MODULE="tests.saleor_tier.saleor_without_plugin", PYTHONPATH=str(ROOT),
                 CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{broker_db}", RSA_PRIVATE_KEY=pem,
                 HTTP_IP_FILTER_ENABLED="True", HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS="True")
    import redis

    redis.Redis.from_url(extra["CELERY_BROKER_URL"]).flushdb()
    worker = _process(f"{name}-worker", [sys.executable, "-m", "celery", "-A", "saleor.celeryconf:app", "worker",
                                         "--pool", "threads", "--concurrency", "4", "--loglevel", "WARNING"],
                      saleor_env.environment(**extra))
    try:
        with saleor_env.running_server(name, port=port, **extra) as url:
            yield Saleor(name, url, db, pem)
    finally:
        _stop(worker)


class AppDeployment:
    """`saleor-ltv serve` and `saleor-ltv worker -B`, as the README runs them."""

    def __init__(self, broker_db: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": f"{saleor_env.PG_URL}/{APP_DB}", "PUBLIC_URL": self.url,
                    "SECRET_KEY": secrets.token_urlsafe(50), "LTV_APP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                    "LTV_APP_ALLOWED_SALEOR_URLS": r"http://127\.0\.0\.1:[0-9]+/graphql/", "LTV_HOST": "saleor_app",
                    "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{broker_db}", "PYTHONUNBUFFERED": "1",
                    "DJANGO_SETTINGS_MODULE": "saleor_ltv_plugin.hosts.saleor_app.settings"}
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    @property
    def manifest_url(self) -> str:
        return self.url + PREFIX + "app/manifest"

    def db(self):
        return saleor_env.connect(APP_DB)

    def _cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "saleor_ltv_plugin.hosts.standalone.cli", *args]

    def start_web(self) -> None:
        self.web = _process("app-web", self._cli("serve", "--host", "127.0.0.1", "--port", str(self.port),
                                                 "--workers", "2"), self.env)
        if not wait_for(lambda: _answers(self.url + PREFIX + "health"), 90, 0.3):
            raise RuntimeError(f"the app did not start; see {saleor_env.LOG_DIR / 'app-web.log'}")

    def stop_web(self) -> None:
        if self.web is not None:
            _stop(self.web)
            self.web = None

    def start(self) -> "AppDeployment":
        with saleor_env.connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{APP_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{APP_DB}"')
        import redis

        redis.Redis.from_url(self.env["CELERY_BROKER_URL"]).flushdb()
        self.start_web()
        self.worker = _process("app-worker", self._cli("worker", "-B", "--pool", "solo", "--loglevel", "INFO",
                                                       "-s", str(saleor_env.LOG_DIR / "app-beat-schedule")), self.env)
        return self

    def stop(self) -> None:
        self.stop_web()
        if self.worker is not None:
            _stop(self.worker)

    def shop_schema(self, saleor: Saleor) -> str | None:
        with saleor_env.connect(APP_DB) as conn:
            row = conn.execute("SELECT schema FROM ltv_saleor_app_installation WHERE saleor_api_url = %s",
                               (saleor.api_url,)).fetchone()
        return row[0] if row else None

    def query(self, saleor: Saleor, sql: str, args=()) -> list[tuple]:
        schema = self.shop_schema(saleor)
        with saleor_env.connect(APP_DB) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            return conn.execute(sql, args).fetchall()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


@contextmanager
def deployment(broker_db: int):
    app = AppDeployment(broker_db)
    with ExitStack() as stack:
        stack.callback(app.stop)
        app.start()
        yield app
