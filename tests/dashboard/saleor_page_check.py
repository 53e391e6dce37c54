"""Open one Dashboard page served by a real Saleor, framed as the Dashboard frames it, and print
what it shows as JSON. Run by the Saleor tier with this project's .venv (Playwright lives there,
not in Saleor's venv): python saleor_page_check.py <saleor url> <app-extension token> <page>."""

from __future__ import annotations

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

from saleor_ltv_plugin.hosts.standalone.harness import SANDBOX

TEMPLATE = Path(__file__).resolve().parents[2] / "saleor_ltv_plugin/templates/saleor_ltv_plugin/dashboard_harness.html"


def main(saleor_url: str, token: str, page_name: str) -> dict:
    # The standalone harness's own page, with its template values filled in as its view does for a
    # credential in the address (no staff session; the token comes in the fragment, as in the demo).
    html = (TEMPLATE.read_text()
            .replace("{{ app_base_json|safe }}", json.dumps(saleor_url.rstrip("/") + "/plugins/global/saleor.ltv/app/"))
            .replace("{{ sandbox_json|safe }}", json.dumps(SANDBOX))
            .replace("{{ staff_json|safe }}", "null").replace("{{ login_url_json|safe }}", json.dumps("/login/"))
            .replace("{{ demo_json|safe }}", "true"))
    assert "{{" not in html and "{%" not in html, "the harness template has a value this check does not fill in"
    class Harness(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html.encode())

        def log_message(self, *args):
            pass

    # Its own loopback origin, apart from Saleor's, as the Dashboard is in production (a public
    # test origin would have Chromium's private-network rules refuse to frame a loopback Saleor).
    server = ThreadingHTTPServer(("127.0.0.1", 0), Harness)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    harness = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("LTV_CHROMIUM", "/usr/bin/chromium"),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        errors: list[str] = []
        console: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.goto(f"{harness}?page={page_name}#token={token}")
        app = page.frame_locator("#frame")
        shown = app.locator("[data-testid=stat-accounts], [data-testid=permission-denied], [data-testid=empty], "
                            "[data-testid=error]").first
        try:
            shown.wait_for(timeout=30_000)
        except Exception:  # say what the page showed instead of only timing out
            frame = next((f for f in page.frames if "/saleor.ltv/app/" in f.url), page.main_frame)
            return {"testid": None, "text": frame.evaluate("document.body.innerText")[:500], "errors": errors,
                    "console": console[-20:], "frame_url": frame.url, "frames": [f.url for f in page.frames]}
        result = {"testid": shown.get_attribute("data-testid"), "text": shown.inner_text(), "errors": errors,
                  "frame_url": next(f.url for f in page.frames if "/saleor.ltv/app/" in f.url)}
        browser.close()
    server.shutdown()
    return result


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
