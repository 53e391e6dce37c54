"""The DM jobs page on the demo shop (its churn escalation filled a print job): the open job with
as many letters as the server holds, closed, its Shift_JIS CSV downloaded and read back, marked
posted through the dialog — and the letters are sent as of then in the server's database."""

from __future__ import annotations

import csv
import io

from .test_pages import CHANNEL


def test_staff_close_download_and_post_a_demo_print_job(harness):
    ((job, letters),) = harness.server.sql(
        "SELECT j.id, COUNT(i.id) FROM saleor_ltv_plugin_printjob j JOIN saleor_ltv_plugin_printjobitem i "
        "ON i.job_id = j.id WHERE j.state = 'open' GROUP BY j.id ORDER BY j.id LIMIT 1")
    assert letters > 0, "the demo's escalation batched no letter"
    harness.open("dm", locale="ja", channel=CHANNEL)
    app = harness.app
    row = app.locator(f"[data-testid=dm-jobs] tr[data-job='{job}']")
    row.wait_for()
    assert row.locator("td").nth(3).inner_text() == str(letters) and "受付中" in row.inner_text()
    row.get_by_test_id("dm-close").click()
    app.locator(f"tr[data-job='{job}'][data-state=closed]").wait_for()
    with harness.page.expect_download() as download:
        row.get_by_test_id("dm-csv-sjis").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), "rb").read().decode("cp932"), newline="")))
    assert rows[0][:7] == ["郵便番号", "住所1", "住所2", "住所3", "会社名", "部署", "氏名"] and len(rows) == letters + 1
    companies = {c for (c,) in harness.server.sql(
        "SELECT address->>'company' FROM saleor_ltv_plugin_printjobitem WHERE job_id = %s", (job,))}
    assert {r[4] for r in rows[1:]} == companies
    row.get_by_test_id("dm-post").click()
    app.get_by_test_id("dm-post-dialog").wait_for()
    harness.shot("dm-post-dialog")
    app.get_by_test_id("dialog-confirm").click()
    app.locator(f"tr[data-job='{job}'][data-state=posted]").wait_for()
    assert "投函済み" in app.locator(f"tr[data-job='{job}']").inner_text()
    ((posted_at, sent, other),) = harness.server.sql(
        "SELECT j.posted_at, COUNT(*) FILTER (WHERE m.status = 'sent' AND m.sent_at = j.posted_at), "
        "COUNT(*) FILTER (WHERE m.status <> 'sent') FROM saleor_ltv_plugin_printjob j "
        "JOIN saleor_ltv_plugin_printjobitem i ON i.job_id = j.id JOIN saleor_ltv_plugin_outboxmessage m "
        "ON m.id = i.message_id WHERE j.id = %s GROUP BY j.posted_at", (job,))
    assert posted_at is not None and (sent, other) == (letters, 0)
    harness.shot("dm-jobs")
