"""`LTV_HOST=standalone saleor-ltv serve`: the standalone server's production command (migrate, then
uvicorn), refusing to start without SECRET_KEY and naming it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request

from ...support.net import free_port, wait_for

CLI = [sys.executable, "-m", "saleor_ltv_plugin.hosts.standalone.cli"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _env(tmp_path, **extra):
    base = {k: v for k, v in os.environ.items()
            if k not in ("SECRET_KEY", "DEBUG", "LTV_DEMO", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    return {**base, "LTV_HOST": "standalone", "LTV_DATA_DIR": str(tmp_path), "CELERY_BROKER_URL": "", **extra}


def test_serve_refuses_without_a_secret_and_serves_the_login_with_one(tmp_path):
    refused = subprocess.run([*CLI, "serve", "--port", "1"], env=_env(tmp_path), capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode != 0 and "SECRET_KEY is not set" in refused.stderr
    port = free_port()
    log = open(tmp_path / "serve.log", "w")
    server = subprocess.Popen([*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                              env=_env(tmp_path, SECRET_KEY=secrets.token_urlsafe(50)), stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"

        def health():
            try:
                return urllib.request.urlopen(url + "/plugins/global/saleor.ltv/health", timeout=2).status == 200
            except OSError:
                return False

        assert wait_for(health, 90), (tmp_path / "serve.log").read_text()
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(url + "/dashboard/?page=overview", timeout=5)
            raise AssertionError("an anonymous visit was served the Dashboard")
        except urllib.error.HTTPError as exc:
            assert exc.code == 302 and exc.headers["Location"].startswith("/login/?next=")
        page = urllib.request.urlopen(url + "/login/", timeout=5)
        assert "LTV ダッシュボードにログイン" in page.read().decode()
        assert "secure" in page.headers["Set-Cookie"].lower()  # the CSRF cookie: HTTPS only outside the demo
    finally:
        server.terminate()
        server.wait(30)
        log.close()
