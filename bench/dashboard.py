"""The Dashboard's overview page in real Chromium at 100 k accounts, next to its own API call.

    python bench/dashboard.py [--accounts 100000] [--rounds 10]   (PostgreSQL, database ltv_bench_api)

Uses bench/api.py's shop (100 k accounts, ~1 M orders; filled and scored once), serves it with the
standalone server, and loads the overview through the harness page (the Dashboard's side of
AppBridge) in Debian's chromium, each round in a fresh browser context (cold cache). Measured in
the page: from the frame's navigation start to the stage and revenue charts' first bars in the
DOM. Side by side, in the same rounds, the page's ltvOverview request alone, fetched from the same
page. Target: interactive within 1.5 s. Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import api as api_bench  # noqa: E402  (sets the database up before Django loads)

CHANNEL = api_bench.CHANNEL
CHROMIUM = os.environ.get("LTV_CHROMIUM", "/usr/bin/chromium")
# Runs in every frame before the page's scripts: note when each chart gets its first bar.
WATCH = """
new MutationObserver((_, observer) => {
  for (const id of ["chart-stages", "chart-revenue"]) {
    const key = "__drawn_" + id;
    if (!window[key] && document.querySelector(`[data-testid=${id}] .recharts-bar-rectangle`)) window[key] = performance.now();
  }
  if (window["__drawn_chart-stages"] && window["__drawn_chart-revenue"]) observer.disconnect();
}).observe(document, {childList: true, subtree: true});
"""
FETCH = """async ([token, query]) => { const t0 = performance.now();
  const r = await fetch('/plugins/global/saleor.ltv/graphql/', {method: 'POST', headers: {'Content-Type':
    'application/json', Authorization: 'Bearer ' + token}, body: JSON.stringify({query})});
  const body = await r.json(); if (!r.ok || body.errors) throw new Error(JSON.stringify(body));
  return performance.now() - t0; }"""


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    api_bench.prepare(args.accounts)
    from playwright.sync_api import sync_playwright

    from saleor_ltv_plugin.models import AccountMetrics
    from saleor_ltv_plugin.hosts.standalone import tokens

    accounts = AccountMetrics.objects.filter(channel=CHANNEL).count()
    token = tokens.mint("bench@example.com", ["MANAGE_USERS", "MANAGE_ORDERS"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "saleor_ltv_plugin.hosts.standalone.cli", "runserver",
                               f"127.0.0.1:{port}", "--noreload"],
                              env={**os.environ, "LTV_DEMO": "1"},  # the harness takes the #token= (no staff login)
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/plugins/global/saleor.ltv/health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        page_ms, api_ms = [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
            for _ in range(args.rounds + 1):  # round 0 warms the server's caches and is not counted
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.add_init_script(WATCH)
                page = context.new_page()
                page.goto(f"{base}/dashboard/?page=overview&channel={CHANNEL}#token={token}")
                frame = page.frame_locator("#frame")
                frame.locator("[data-testid=chart-revenue] .recharts-bar-rectangle").first.wait_for(timeout=60_000)
                app = next(f for f in page.frames if "/saleor.ltv/app/" in f.url)
                app.wait_for_function("window['__drawn_chart-stages'] && window['__drawn_chart-revenue']")
                drawn = app.evaluate("Math.max(window['__drawn_chart-stages'], window['__drawn_chart-revenue'])")
                request = app.evaluate(FETCH, [token, api_bench.OVERVIEW])
                page_ms.append(drawn)
                api_ms.append(request)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    page_ms, api_ms = page_ms[1:], api_ms[1:]
    result = {
        "accounts": accounts, "rounds": args.rounds,
        "overview_drawn_p50_ms": round(statistics.median(page_ms)), "overview_drawn_max_ms": round(max(page_ms)),
        "overview_api_p50_ms": round(statistics.median(api_ms)),
        "ratio_page_to_api_p50": round(statistics.median(page_ms) / statistics.median(api_ms), 2),
        "target_ms": 1500, "met": max(page_ms) <= 1500,
    }
    print(f"overview at {accounts:,} accounts: charts drawn p50 {result['overview_drawn_p50_ms']} ms "
          f"(max {result['overview_drawn_max_ms']}) vs its ltvOverview request p50 {result['overview_api_p50_ms']} ms")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
