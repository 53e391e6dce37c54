"""`POST imports/sample`: a file's first rows as written, its encoding and the order format its
header matches — or none, with the fields a column mapping may name (the Dashboard's import page)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from saleor_ltv_plugin.api.import_sample import HEAD_BYTES, head
from saleor_ltv_plugin.auth import Scope

pytestmark = pytest.mark.django_db
URL = "/plugins/global/saleor.ltv/api/v1/imports/sample"
FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"


def test_a_rakuten_file_is_recognised_and_an_erp_sheet_offers_the_mapping_fields(key_for):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key_for(Scope.INGEST.value)}")
    sent = lambda name, data=None: api.post(URL, {"file": SimpleUploadedFile(  # noqa: E731
        name, data if data is not None else (FIXTURES / name).read_bytes())})
    rakuten = sent("rakuten_orders.sjis.csv").json()
    assert (rakuten["encoding"], rakuten["delimiter"], rakuten["format"]) == ("cp932", "comma", "rakuten")
    assert rakuten["format_label"] == "楽天市場 RMS 受注CSV" and rakuten["header"][:2] == ["受注番号", "受注ステータス"]
    assert len(rakuten["rows"]) == 4 and rakuten["rows"][2][3] == "２４００円"  # as written, not yet read
    erp = sent("erp_orders.sjis.csv").json()
    assert erp["format"] == "" and erp["header"][0] == "伝票番号" and "rakuten" in erp["formats"]
    fields = {f["name"]: f for f in erp["mapping_fields"]}
    assert fields["external_id"]["required"] and fields["external_id"]["ja"] == "注文番号"
    assert not fields["sku"]["required"]
    refused = sent("x.csv", b"\r\n")  # no header
    assert refused.status_code == 422 and refused.json()["errors"][0]["message_ja"]


def test_the_head_of_a_large_file_ends_on_a_whole_line():
    line = "受注番号,商品名\r\n".encode("cp932")
    data = line * (HEAD_BYTES // len(line) + 10)
    cut = head(data)
    assert len(cut) <= HEAD_BYTES and cut.endswith(b"\n") and cut.decode("cp932").count("\n") == len(cut) // len(line)
