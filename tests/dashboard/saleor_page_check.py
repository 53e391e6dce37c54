"""Open one Dashboard page served by a real Saleor, framed as the Dashboard frames it, and print
what it shows as JSON. Run by the Saleor tier with this project's .venv (Playwright lives there,
not in Saleor's venv): python saleor_page_check.py <saleor url> <app-extension token> <page>."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

TEMPLATE = Path(__file__).resolve().parents[2] / "saleor_ltv_plugin/templates/saleor_ltv_plugin/dashboard_harness.html"
HARNESS = "http://dashboard.test/"  # answered by Playwright: a Dashboard origin apart from Saleor's


def main(saleor_url: str, token: str, page_name: str) -> dict:
    html = TEMPLATE.read_text().replace("{{ app_base_json|safe }}",
                                        json.dumps(saleor_url.rstrip("/") + "/plugins/global/saleor.ltv/app/"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("LTV_CHROMIUM", "/usr/bin/chromium"),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        page.route(HARNESS + "**", lambda route: route.fulfill(body=html, content_type="text/html"))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{HARNESS}?page={page_name}#token={token}")
        app = page.frame_locator("#frame")
        shown = app.locator("[data-testid=stat-accounts], [data-testid=permission-denied], [data-testid=empty], "
                            "[data-testid=error]").first
        shown.wait_for(timeout=30_000)
        result = {"testid": shown.get_attribute("data-testid"), "text": shown.inner_text(), "errors": errors,
                  "frame_url": next(f.url for f in page.frames if "/saleor.ltv/app/" in f.url)}
        browser.close()
    return result


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
