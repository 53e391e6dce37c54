"""The app's own processes, real and on loopback: the standalone server, Celery workers and beat.

Each started process writes its output to a log file the test can show when it fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .net import free_port

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "saleor_ltv_plugin.hosts.standalone.cli"]
HEALTH = "/plugins/global/saleor.ltv/health"
CELERY = [sys.executable, "-m", "celery", "-A", "saleor_ltv_plugin.hosts.standalone.celery"]
# Tests flush this Redis database: sessions running them side by side give each its own.
BROKER = os.environ.get("LTV_TEST_BROKER_URL", "redis://127.0.0.1:6379/13")


def start_runserver(env: dict, log_path: Path, cwd: str | None = None, wait_seconds: int = 60):
    """(process, base url) of `runserver` once its health page answers; its output goes to log_path."""
    import urllib.request

    port = free_port()
    log = open(log_path, "w")
    server = subprocess.Popen([*CLI, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env,
                              stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
    log.close()  # the child holds its own descriptor
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            urllib.request.urlopen(url + HEALTH, timeout=2)
            return server, url
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError(f"the standalone server did not start: {Path(log_path).read_text()}")
            time.sleep(0.3)


def session_database_url() -> str:
    """The URL of the database this test session uses (pytest-django's test database)."""
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def worker_env(broker: str = BROKER, **extra: str) -> dict[str, str]:
    """The environment of a worker or beat process on this session's test database."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "CELERY_BROKER_URL": broker,
            "LTV_TEST_DATABASE_URL": session_database_url(), **extra}


class Worker:
    """A Celery worker subprocess (solo pool) consuming one queue."""

    def __init__(self, name: str, queue: str, log_dir: Path, env: dict[str, str]):
        self.name, self.queue, self.log_path, self.env = name, queue, log_dir / f"{name}.log", env
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        env = worker_env(self.env.pop("broker", BROKER), **self.env)
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [*CELERY, "worker", "--pool", "solo", "-Q", self.queue, "-n", f"{self.name}@%h", "--without-heartbeat",
             "--without-gossip", "--without-mingle", "--loglevel", "INFO", "-O", "fair", "--prefetch-multiplier", "1"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, whatever it was doing is cut off."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


def stop_all(workers: list[Worker]) -> None:
    """Stop several workers at once: each finishes its current task in its own time, side by side."""
    for worker in workers:
        if worker.process and worker.process.poll() is None:
            worker.process.terminate()
    for worker in workers:
        worker.stop()


def start_beat(log_dir: Path, name: str, env: dict[str, str]) -> subprocess.Popen:
    """A Celery beat subprocess with its own schedule file; its output goes to log_dir/name.log."""
    log = open(log_dir / f"{name}.log", "a")
    return subprocess.Popen([*CELERY, "beat", "--loglevel", "INFO", "-s", str(log_dir / f"{name}-schedule")],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)


def enqueue(task, queue: str, broker: str = BROKER, **kwargs):
    """Send one task to a queue through an explicit connection (the app's own may be eager)."""
    from saleor_ltv_plugin.hosts.standalone.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with app.connection_for_write(broker) as conn:
            return task.apply_async(kwargs=kwargs, queue=queue, connection=conn)
    finally:  # the app is process-wide: other tests expect eager tasks
        app.conf.task_always_eager = eager
