"""Issue 15 #10: no CSV shape loses rows silently. A file whose record boundaries cannot be
trusted is refused whole (422, with the line where it went wrong); a bad row is reported with
its physical line number, and its order is not stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from saleor_ltv_plugin.models import OrderFact

pytestmark = pytest.mark.django_db
URL = "/plugins/global/saleor.ltv/api/v1/orders/csv"
HEADER = "external_id,created_at,channel,currency,total_gross,email,company_name,sku,quantity,unit_price"


def row(external_id, company="甲社", sku="S-1", **fields):
    values = {"created_at": "2026-09-01T09:00:00+09:00", "total_gross": "1000", **fields}
    return (f"{external_id},{values['created_at']},erp,JPY,{values['total_gross']},a@x.example,{company},"
            f"{sku},1,1000")


def upload(key, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    file = SimpleUploadedFile("orders.csv", data, content_type="text/csv")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(URL, {"file": file})


def refused(response, line: int, words: str):
    assert response.status_code == 422, response.content
    error = response.json()["errors"][0]
    assert error["field"] == "file" and f"line {line}" in error["message"] and words in error["message"], error
    assert not OrderFact.objects.exists()


@pytest.mark.parametrize("broken,line", [
    (row("c-2", company='"乙社'), 3),                           # quote never closed: swallows the rest
    ('c-2,"2026-09-01T09:00:00+09:00,erp,JPY,1000,a@x.example,乙社,S-1,1,1000', 3),
    (row("c-2", company='"乙社 "本店"'), 3),                    # closed, but text runs on after it
])
def test_an_unterminated_quote_refuses_the_file_naming_the_line(key_for, broken, line):
    rows = [HEADER, row("c-1"), broken, *[row(f"c-{i}") for i in range(3, 40)]]
    refused(upload(key_for("orders:write"), "\n".join(rows)), line, "quote")


def test_a_stray_quote_closed_rows_later_refuses_the_file(key_for):
    # The quote opened on line 3 is "closed" by one on line 6: lines 3-6 would become one field.
    rows = [HEADER, row("c-1"), row("c-2", company='"乙社'), row("c-3"), row("c-4"),
            row("c-5", company='丙社"'), row("c-6")]
    refused(upload(key_for("orders:write"), "\n".join(rows)), 3, "quote")


def test_a_quoted_multi_line_field_that_is_not_rows_is_kept(key_for):
    rows = [HEADER, row("c-1", company='"甲社\n大阪営業所"'), row("c-2")]
    response = upload(key_for("orders:write"), "\n".join(rows))
    assert response.status_code == 200 and response.json()["orders"] == 2, response.json()
    assert OrderFact.objects.get(external_id="c-1").billing_company_name == "甲社\n大阪営業所"


@pytest.mark.parametrize("bad_row,why", [
    (row("c-2") + ",extra", "11 fields"),      # a column too many: used to vanish
    (row("c-2").rsplit(",", 1)[0], "9 fields"),  # a column too few: unit_price used to become empty
    ("c-2,2026-09-01T09:00:00+09:00,erp", "3 fields"),
])
def test_a_row_with_the_wrong_number_of_fields_is_reported(key_for, bad_row, why):
    rows = [HEADER, row("c-1"), row("c-2", sku="S-0"), bad_row, row("c-3")]
    response = upload(key_for("orders:write"), "\n".join(rows))
    body = response.json()
    assert response.status_code == 200 and body["orders"] == 2, body
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(4, "row")] and why in body["errors"][0]["message"]
    assert sorted(OrderFact.objects.values_list("external_id", flat=True)) == ["c-1", "c-3"]  # c-2 whole


def test_line_numbers_count_physical_lines(key_for):
    rows = [HEADER, row("c-1", company='"甲社\n\n本店"'), row("c-2", created_at="not-a-date")]
    body = upload(key_for("orders:write"), "\n".join(rows)).json()
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(5, "created_at")], body


@pytest.mark.parametrize("header,words", [
    (HEADER + ",company_name", "duplicate column"),   # the second would overwrite the first
    (HEADER.replace("email", "e-mail"), "unknown column"),  # would be dropped without a word
    (HEADER + ",", "unknown column"),
])
def test_header_mistakes_refuse_the_file(key_for, header, words):
    response = upload(key_for("orders:write"), "\n".join([header, row("c-1")]))
    refused(response, 1, words)


def test_rows_of_one_order_that_disagree_are_reported(key_for):
    rows = [HEADER, row("c-1", sku="S-1"), row("c-1", sku="S-2", total_gross="9999"), row("c-2")]
    body = upload(key_for("orders:write"), "\n".join(rows)).json()
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "total_gross")], body
    assert "line 2" in body["errors"][0]["message"]
    assert list(OrderFact.objects.values_list("external_id", flat=True)) == ["c-2"]


@pytest.mark.parametrize("data", [
    ("\ufeff" + HEADER + "\n" + row("c-1")).encode(),       # UTF-8 BOM: read as a plain header
    (HEADER + "\r\n" + row("c-1") + "\r\n").encode(),       # Excel's CRLF
])
def test_bom_and_crlf_are_read(key_for, data):
    response = upload(key_for("orders:write"), data)
    assert response.status_code == 200 and response.json()["orders"] == 1 and not response.json()["errors"]


@pytest.mark.parametrize("data", [
    ("\ufeff" + HEADER + "\n" + row("c-1")).encode("utf-16"),  # Excel's "Unicode text"
    (HEADER + "\n" + row("c-1")).encode("shift_jis"),
])
def test_other_encodings_are_refused(key_for, data):
    assert upload(key_for("orders:write"), data).status_code == 422
    assert not OrderFact.objects.exists()


def test_nul_bytes_are_reported_by_row(key_for):
    rows = [HEADER, row("c-1", company="甲\x00社"), row("c-2")]
    body = upload(key_for("orders:write"), "\n".join(rows)).json()
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "company_name")], body
    assert list(OrderFact.objects.values_list("external_id", flat=True)) == ["c-2"]
