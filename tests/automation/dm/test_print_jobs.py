"""A postal DM step's letters become a print job: its CSV decodes back in UTF-8 (BOM) and
Shift_JIS with the 宛名 columns and the letter's merge fields, no cell can run as a formula,
the PDFs carry the Japanese names and addresses in an embedded font, an incomplete address is
skipped with the missing parts named, and the job's life (close → posted / cancel) is staff's."""

from __future__ import annotations

import csv
import io
import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from saleor_ltv_plugin import conf
from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.dm import jobs
from saleor_ltv_plugin.automation.flows import runtime
from saleor_ltv_plugin.ingest.identity import erase_customer
from saleor_ltv_plugin.models import OutboxMessage, PrintJob, PrintJobItem

from ..conftest import shop_settings  # noqa: F401 — fixture
from ..flows.flowshop import document, enroll, live_flow
from .dmshop import ADDRESSES, BASE, CHANNEL, buyer, dm_step, staff

pytestmark = pytest.mark.django_db
LETTER = {"ja": {"subject": "{company}様へのご案内", "blocks": [
    {"kind": "text", "text": "{name|ご担当者}様\n平素より{shop_name}をご愛顧いただき誠にありがとうございます。"},
    {"kind": "coupon", "code": "SPRING10", "label": "クーポンコード"}]}}


@pytest.fixture
def batched(shop_settings):  # noqa: F811
    """Three complete addresses and one without a prefecture, through a one-step DM flow."""
    accounts = [buyer(*row) for row in ADDRESSES]
    accounts.append(buyer("合同会社未完", "", "未完 次郎", "150-0001", "", "渋谷区", "神宮前1-1", ""))
    version = live_flow(document([dm_step("dm", None, LETTER)]), key="dm_flow")
    enroll(version, accounts)
    runtime.tick()
    counts = outbox.send_due()
    return accounts, counts


def _job() -> PrintJob:
    return PrintJob.objects.get(scenario="dm_flow")


def test_letters_wait_in_an_open_job_and_an_incomplete_address_is_skipped_with_its_gap(batched, key_for):
    accounts, counts = batched
    assert counts == {"awaiting": 3, "skipped": 1}
    job = _job()
    assert job.state == "open" and job.items.count() == 3
    assert set(OutboxMessage.objects.filter(kind="postal_dm").values_list("status", flat=True)) == {"awaiting",
                                                                                                     "skipped"}
    skipped = staff(key_for("metrics:read")).get(BASE + f"print-jobs/skipped?channel={CHANNEL}")
    assert skipped.status_code == 200, skipped.content
    (row,) = skipped.json()
    assert (row["account_id"], row["reason"], row["missing"]) == (accounts[3].pk, "no_postal_address", ["prefecture"])
    # the row is sent again (a worker lost before marking it): the same letter, no second one
    message = OutboxMessage.objects.filter(kind="postal_dm", status="awaiting").first()
    OutboxMessage.objects.filter(pk=message.pk).update(status="pending", due_at=timezone.now() - timedelta(seconds=1))
    assert outbox.send_due() == {"awaiting": 1}
    assert PrintJobItem.objects.count() == 3
    # erasure takes the buyer's letter (address, name) with it
    erase_customer(None, accounts[0].contacts.get().email)
    assert PrintJobItem.objects.count() == 2 and not PrintJobItem.objects.filter(account=accounts[0]).exists()


def _rows(data: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def test_the_csv_decodes_back_in_both_encodings_with_the_mailing_house_columns(batched, key_for):
    reader = staff(key_for("metrics:read"))
    job = _job()
    utf8 = reader.get(BASE + f"print-jobs/{job.pk}/csv")
    sjis = reader.get(BASE + f"print-jobs/{job.pk}/csv?encoding=shift_jis")
    assert utf8.status_code == sjis.status_code == 200
    assert utf8.content.startswith(b"\xef\xbb\xbf") and utf8["Content-Type"] == "text/csv; charset=utf-8"
    assert sjis["Content-Type"] == "text/csv; charset=shift_jis"
    rows = _rows(utf8.content, "utf-8-sig")
    assert _rows(sjis.content, "cp932") == rows  # 髙 is in CP932: nothing lost
    header, *letters = rows
    assert header[:8] == ["郵便番号", "住所1", "住所2", "住所3", "会社名", "部署", "氏名", "敬称"]
    assert header[8:] == ["件名", "宛名", "最終注文日", "クーポンコード", "差出人", "本文", "管理番号"]
    by_postal = {r[0]: dict(zip(header, r)) for r in letters}
    assert list(by_postal) == sorted(by_postal)  # postal-code order, as mailing houses sort
    yamada = by_postal["100-0001"]
    assert (yamada["住所1"], yamada["住所2"], yamada["住所3"]) == ("東京都千代田区", "千代田1-1", "山田ビル3階")
    assert (yamada["会社名"], yamada["部署"], yamada["氏名"], yamada["敬称"]) == ("株式会社山田製作所", "購買部",
                                                                                "山田 太郎", "様")
    assert yamada["件名"] == "株式会社山田製作所様へのご案内" and yamada["差出人"] == "山田商店"
    assert yamada["本文"].startswith("株式会社山田製作所 山田 太郎様\n平素より山田商店をご愛顧")
    assert "クーポンコード: SPRING10" in yamada["本文"]
    assert by_postal["530-0001"]["会社名"] == "有限会社髙橋商店"
    evil = by_postal["060-0001"]
    assert evil["会社名"].startswith("'=HYPERLINK") and evil["敬称"] == "御中"  # inert; a company alone: 御中
    assert all(not cell or cell[0] not in "=+-@\t\r\n" for row in letters for cell in row)


def test_the_pdfs_hold_the_japanese_addresses_in_an_embedded_font(batched, key_for):
    reader = staff(key_for("metrics:read"))
    job = _job()
    labels = reader.get(BASE + f"print-jobs/{job.pk}/labels.pdf")
    letters = reader.get(BASE + f"print-jobs/{job.pk}/letters.pdf")
    assert labels.status_code == letters.status_code == 200 and labels["Content-Type"] == "application/pdf"
    sheet = PdfReader(io.BytesIO(labels.content))
    assert len(sheet.pages) == 1  # three labels on one 12-label sheet
    text = sheet.pages[0].extract_text()
    for expected in ("〒100-0001", "東京都千代田区", "山田ビル3階", "株式会社山田製作所", "購買部", "山田 太郎 様",
                     "〒530-0001", "有限会社髙橋商店", "髙橋 花子 様", "札幌市中央区", "御中"):
        assert expected in text, expected
    paper = PdfReader(io.BytesIO(letters.content))
    assert len(paper.pages) == 3
    first = "".join(page.extract_text() for page in paper.pages)
    assert "株式会社山田製作所様へのご案内" in first and "平素より山田商店をご愛顧" in first
    assert "東京都千代田区1-1" in first  # the sender's postal address
    for pdf in (sheet, paper):
        fonts = pdf.pages[0]["/Resources"]["/Font"]
        descriptors = [fonts[name].get_object()["/FontDescriptor"].get_object() for name in fonts
                       if "/FontDescriptor" in fonts[name].get_object()]
        assert descriptors and all("/FontFile2" in d for d in descriptors)  # TrueType outlines inside the file
        assert any("IPA" in str(d["/FontName"]) for d in descriptors)


def test_the_letters_are_dated_by_the_shops_day_not_utcs(batched, key_for):
    """A job closed at 01:30 in Tokyo is still the day before in UTC: the letter carries Tokyo's date."""
    job = _job()
    closed = dt.datetime(2026, 12, 3, 16, 30, tzinfo=dt.timezone.utc)  # 2026-12-04 01:30 JST
    PrintJob.objects.filter(pk=job.pk).update(state="closed", closed_at=closed)
    assert conf.channel_settings(job.channel).timezone == "Asia/Tokyo"
    letters = staff(key_for("metrics:read")).get(BASE + f"print-jobs/{job.pk}/letters.pdf")
    text = PdfReader(io.BytesIO(letters.content)).pages[0].extract_text()
    assert "2026年12月4日" in text and "2026年12月3日" not in text


def test_staff_close_then_mark_posted_and_the_letters_are_sent_from_then(batched, key_for):
    job = _job()
    reader, worker = staff(key_for("metrics:read")), staff(key_for("alerts:write"))
    assert worker.post(BASE + f"print-jobs/{job.pk}/posted", {}, content_type="application/json").status_code == 422
    denied = reader.post(BASE + f"print-jobs/{job.pk}/close")
    assert denied.status_code == 403
    closed = worker.post(BASE + f"print-jobs/{job.pk}/close")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    future = (timezone.now() + timedelta(days=2)).date().isoformat()
    refused = worker.post(BASE + f"print-jobs/{job.pk}/posted", {"posted_on": future}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "posted_on"
    bad = worker.post(BASE + f"print-jobs/{job.pk}/posted", {"posted_on": "yesterday"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "posted_on"
    before = timezone.now()
    posted = worker.post(BASE + f"print-jobs/{job.pk}/posted", {}, content_type="application/json")
    assert posted.status_code == 200, posted.content
    body = posted.json()
    assert body["state"] == "posted" and body["letters"] == 3 and len(body["items"]) == 3
    sent = OutboxMessage.objects.filter(print_item__job=job)
    assert set(sent.values_list("status", flat=True)) == {"sent"}
    assert all(s >= before for s in sent.values_list("sent_at", flat=True))
    again = worker.post(BASE + f"print-jobs/{job.pk}/posted", {}, content_type="application/json")
    assert again.status_code == 422 and "posted" in again.json()["errors"][0]["message"]
    assert reader.get(BASE + "print-jobs/999999").status_code == 404
    listed = reader.get(BASE + f"print-jobs?channel={CHANNEL}").json()
    assert [(j["id"], j["state"], j["letters"]) for j in listed] == [(job.pk, "posted", 3)]


def test_a_cancelled_job_skips_its_letters_and_the_next_letter_opens_a_new_job(batched, key_for):
    job = _job()
    worker = staff(key_for("alerts:write"))
    assert worker.post(BASE + f"print-jobs/{job.pk}/cancel").status_code == 200
    assert set(OutboxMessage.objects.filter(print_item__job=job).values_list("skip_reason", flat=True)) == {
        "print_job_cancelled"}
    late = buyer("株式会社後発", "", "後 三郎", "980-0001", "宮城県", "仙台市青葉区", "中央1-1", "")
    enroll(live_flow(document([dm_step("dm", None, LETTER)]), key="dm_flow"), [late])
    runtime.tick()
    assert outbox.send_due() == {"awaiting": 1}
    assert PrintJob.objects.filter(scenario="dm_flow", state="open").exclude(pk=job.pk).get().items.count() == 1
    assert jobs.items(job)[0].address["prefecture"]  # the cancelled job keeps what it held
