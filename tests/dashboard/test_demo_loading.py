"""The Dashboard harness while `ltv_demo` is still loading (issue 14): a banner says how far the
shop got instead of empty pages, in the Dashboard's language, and says when it is ready."""

from __future__ import annotations

import os
import subprocess
import time

from tests.standalone_server import CLI, free_port


def test_the_harness_shows_the_demo_loading_then_ready(chromium, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "DEBUG")}
    env.update(LTV_DATA_DIR=str(tmp_path / "demo"), DJANGO_SETTINGS_MODULE="saleor_ltv_plugin.hosts.standalone.settings")
    demo = subprocess.Popen([*CLI, "ltv_demo", "--companies", "300", "--automation-days", "5",
                             "--addr", f"127.0.0.1:{port}"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    context = chromium.new_context()
    try:
        demo.stdout.readline()  # "Serving on …": the server is bound
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/dashboard/?page=overview&locale=ja")
        banner = page.locator("#demo")
        banner.wait_for(state="visible", timeout=30_000)
        step = banner.get_attribute("data-step")
        assert step in ("generating", "loading", "scoring", "scenarios"), step
        assert any(word in banner.inner_text() for word in ("生成", "読み込んで", "集計", "シナリオ"))
        deadline = time.monotonic() + 600
        while banner.get_attribute("data-step") != "ready":
            assert banner.get_attribute("data-step") != "failed", banner.inner_text()
            assert time.monotonic() < deadline and demo.poll() is None
            time.sleep(1)
        assert "準備ができました" in banner.inner_text()
    finally:
        context.close()
        demo.terminate()
        demo.wait(timeout=30)
