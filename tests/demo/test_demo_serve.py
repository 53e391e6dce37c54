"""`make demo` on a fresh machine (issue 14): it creates what it needs, serves within 60 s with the
address printed first, loads its shop behind the server, and names a busy port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from tests.standalone_server import CLI, HEALTH, free_port


def _env(data_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "DEBUG")}
    return {**env, "LTV_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "saleor_ltv_plugin.hosts.standalone.settings"}


def _health(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url + HEALTH, timeout=5) as response:
            return json.load(response)
    except OSError:
        return None


def test_the_demo_serves_first_and_fills_in_behind_the_server(tmp_path):
    data_dir = tmp_path / "fresh" / ".demo"  # does not exist yet, as on a new clone
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    demo = subprocess.Popen([*CLI, "ltv_demo", "--companies", "150", "--automation-days", "3",
                             "--addr", f"127.0.0.1:{port}"], env=_env(data_dir), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first_line = demo.stdout.readline()
        assert first_line.startswith(f"Serving on {url}/"), first_line
        first = None
        while first is None:
            assert time.monotonic() - started < 60, "no health answer within 60 s"
            assert demo.poll() is None, demo.stdout.read()
            first = _health(url)
            time.sleep(0.2)
        served_after = time.monotonic() - started
        assert first["demo"]["step"] != "ready"  # served before the shop was in
        with urllib.request.urlopen(f"{url}/dashboard/?page=overview", timeout=10) as page:
            assert page.status == 200
        body = first
        while not body["demo"]["ready"]:
            assert body["demo"]["step"] != "failed", body
            assert time.monotonic() - started < 600, body
            time.sleep(1)
            body = _health(url)
        assert body["facts"]["orders"] > 0 and body["metrics"]["accounts_scored"] > 0
        assert (data_dir / "secret_key").exists() and (data_dir / "ltv-standalone.sqlite3").exists()
        print(f"served after {served_after:.1f} s, ready after {time.monotonic() - started:.1f} s")
    finally:
        demo.terminate()
        demo.wait(timeout=30)


def test_check_mode_exits_once_served_and_scored(tmp_path):
    result = subprocess.run([*CLI, "ltv_demo", "--check", "--companies", "60", "--automation-days", "0",
                             "--addr", f"127.0.0.1:{free_port()}"], env=_env(tmp_path / "d"), cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "check: health, the Dashboard harness and the overview page answered" in result.stdout
    assert "check: ltvOverview over HTTP shows" in result.stdout


def test_a_busy_port_is_named_with_the_way_out(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([*CLI, "ltv_demo", "--companies", "5", "--addr", f"127.0.0.1:{port}"],
                                env=_env(tmp_path / "d"), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr and f"PORT={port + 1}" in result.stderr
    assert "Traceback" not in result.stderr
