"""Real Celery workers (subprocesses) on the real Redis, for the automation reliability tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

REPO = Path(__file__).resolve().parents[2]
# Tests flush this database: sessions running them side by side give each its own.
BROKER = os.environ.get("LTV_TEST_BROKER_URL", "redis://127.0.0.1:6379/13")


class Worker:
    def __init__(self, name: str, queue: str, log_dir: Path, env: dict[str, str]):
        self.name, self.queue, self.log_path, self.env = name, queue, log_dir / f"{name}.log", env
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        db = connection.settings_dict
        env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "CELERY_BROKER_URL": self.env.pop("broker", BROKER),
            "LTV_TEST_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}", **self.env,
        }
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "saleor_ltv_plugin.standalone.celery", "worker", "--pool", "solo",
             "-Q", self.queue, "-n", f"{self.name}@%h", "--without-heartbeat", "--without-gossip", "--without-mingle",
             "--loglevel", "INFO", "-O", "fair", "--prefetch-multiplier", "1"],
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


def enqueue(task, queue: str, broker: str = BROKER, **kwargs):
    """Send one task to a queue through an explicit connection (the app's own may be eager)."""
    from saleor_ltv_plugin.standalone.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with app.connection_for_write(broker) as conn:
            return task.apply_async(kwargs=kwargs, queue=queue, connection=conn)
    finally:  # the app is process-wide: other tests expect eager tasks
        app.conf.task_always_eager = eager


def wait_for(condition, timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()
