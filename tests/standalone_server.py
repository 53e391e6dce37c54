"""The standalone server as a real process, for the tests that need one on loopback
(the Dashboard's browser tests, the GraphQL load test)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

CLI = [sys.executable, "-m", "saleor_ltv_plugin.standalone.cli"]
HEALTH = "/plugins/global/saleor.ltv/health"


def admin_sql(sql: str) -> None:
    """Run `sql` on the server's maintenance database (CREATE / DROP DATABASE)."""
    import psycopg

    db = settings.DATABASES["default"]
    with psycopg.connect(host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432,
                         user=db.get("USER") or "postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_runserver(env: dict, log_path: Path, cwd: str | None = None, wait_seconds: int = 60):
    """(process, base url) of `runserver` once its health page answers; its output goes to log_path."""
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
