"""The import page on the demo shop: a small Shift_JIS Rakuten RMS file uploaded in Chromium shows
its first rows, encoding and format, is imported as a job, and the page's counts are the API's
(`GET imports/{id}`) and the file's own (its rows and distinct 受注番号), with the orders in the
server's database."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from pathlib import Path

from .test_pages import CHANNEL

FILE = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "rakuten_orders.sjis.csv"
REST = "/plugins/global/saleor.ltv/api/v1/"


def test_a_shift_jis_rakuten_file_is_previewed_imported_and_counted_as_the_api_counts(harness):
    rows = list(csv.DictReader(io.StringIO(FILE.read_bytes().decode("cp932"), newline="")))
    numbers = {row["受注番号"] for row in rows}
    harness.open("imports", locale="ja", channel=CHANNEL)
    app = harness.app
    app.get_by_test_id("imp-file").set_input_files(str(FILE))
    sample = app.locator("[data-testid=imp-sample][data-format=rakuten][data-encoding=cp932]")
    sample.wait_for()
    assert "Shift_JIS" in app.get_by_test_id("imp-encoding").inner_text()
    assert "楽天市場 RMS 受注CSV" in app.get_by_test_id("imp-format").inner_text()
    assert app.locator("[data-testid=imp-rows] tbody tr").count() == len(rows)
    assert rows[0]["受注番号"] in app.get_by_test_id("imp-rows").inner_text()
    app.get_by_test_id("imp-preview").wait_for()
    app.get_by_test_id("imp-start").click()
    app.locator("[data-testid=imp-job-state][data-state=finished]").wait_for()
    harness.shot("imports-finished")
    assert "完了" in app.get_by_test_id("imp-job-state").inner_text()

    (job_id,) = harness.server.sql("SELECT max(id) FROM saleor_ltv_plugin_importjob")[0]
    request = urllib.request.Request(f"{harness.server.url}{REST}imports/{job_id}",
                                     headers={"Authorization": f"Bearer {harness.server.token()}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        job = json.loads(response.read())
    assert (job["state"], job["format"], job["encoding"]) == ("finished", "rakuten", "cp932")
    assert (job["rows_read"], job["orders_total"]) == (len(rows), len(numbers))
    shown = {name: int(app.get_by_test_id(f"imp-{name}").inner_text().split("\n")[-1].replace(",", ""))
             for name in ("rows-read", "orders-total", "created", "updated", "unchanged", "refused")}
    assert shown == {"rows-read": job["rows_read"], "orders-total": job["orders_total"], "created": job["created"],
                     "updated": job["updated"], "unchanged": job["unchanged"], "refused": job["rows_refused"]}
    assert job["created"] + job["updated"] + job["unchanged"] == len(numbers)
    stored = harness.server.sql("SELECT count(*) FROM saleor_ltv_plugin_orderfact WHERE external_id = ANY(%s)",
                                ([f"rakuten:{n}" for n in numbers],))[0][0]
    assert stored == len(numbers)
    app.locator(f"[data-testid=imp-jobs] tr[data-job='{job_id}']").wait_for()
