"""Order files recognised by their header, in UTF-8 (with and without BOM) and Shift_JIS, read
into the normalised order shape: amounts, dates and the mall customer key checked against the
fixture rows written by hand (tests/ingest/fixtures)."""

from __future__ import annotations

import codecs
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from saleor_ltv_plugin.ingest.formats import FileProblem, read_orders
from saleor_ltv_plugin.ingest.formats.base import Context
from saleor_ltv_plugin.ingest.formats.values import ValueProblem, parse_amount, parse_datetime, parse_quantity

FIXTURES = Path(__file__).parent / "fixtures"
TOKYO = ZoneInfo("Asia/Tokyo")
CTX = Context(channel="default-channel", currency="JPY", tz=TOKYO)
FILES = {"rakuten": "rakuten_orders.{}.csv", "amazon": "amazon_orders.{}.txt", "yahoo": "yahoo_orders.{}.csv",
         "shopify": "shopify_orders.{}.csv", "makeshop": "makeshop_orders.{}.csv",
         "futureshop": "futureshop_orders.{}.csv"}
# What each fixture holds, worked out by hand from its rows: order id → (total, lines, JST time, status).
EXPECTED = {
    "rakuten": {"rakuten:999999-20240401-0000000001": ("3520", 2, "2024-04-01 10:15", "fulfilled"),
                "rakuten:999999-20240415-0000000002": ("2400", 1, "2024-04-15 09:00", "fulfilled"),
                "rakuten:999999-20240420-0000000003": ("1200", 1, "2024-04-20 18:30", "canceled")},
    # Amazon has no order total: lines (item-price is the line's total) plus shipping-price.
    "amazon": {"amazon:503-0000001-0000001": ("5220", 2, "2024-04-02 11:20:33", "fulfilled"),
               "amazon:503-0000002-0000002": ("1700", 1, "2024-05-10 08:00", "fulfilled")},
    "yahoo": {"yahoo:example-store-10000001": ("2400", 1, "2024-04-03 14:05:09", "fulfilled"),
              "yahoo:example-store-10000002": ("1120", 1, "2024-04-10 00:00", "fulfilled")},
    "shopify": {"shopify:#1001": ("3520", 2, "2024-04-05 10:00", "fulfilled"),
                "shopify:#1002": ("1200", 1, "2024-05-05 10:00", "fulfilled")},
    "makeshop": {"makeshop:MS0000001": ("2400", 1, "2024-04-07 13:20", "fulfilled")},
    "futureshop": {"futureshop:FS-000001": ("1120", 1, "2024-04-08 16:00", "fulfilled")},
}


def _bytes(name: str, variant: str) -> bytes:
    if variant == "bom":
        return codecs.BOM_UTF8 + (FIXTURES / FILES[name].format("utf8")).read_bytes()
    return (FIXTURES / FILES[name].format(variant)).read_bytes()


@pytest.mark.parametrize("variant,encoding", [("utf8", "utf-8"), ("bom", "utf-8-sig"), ("sjis", "cp932")])
@pytest.mark.parametrize("name", sorted(FILES))
def test_each_format_is_recognised_and_read(name, variant, encoding):
    read = read_orders(_bytes(name, variant), CTX)
    assert (read.format, read.encoding) == (name, encoding)
    assert read.delimiter == ("tab" if name == "amazon" else "comma")
    assert not read.parsed.problems
    got = {o.data["external_id"]: o.data for o in read.parsed.orders}
    assert set(got) == set(EXPECTED[name])
    for external_id, (total, lines, when, status) in EXPECTED[name].items():
        order = got[external_id]
        assert order["total_gross"] == Decimal(total), external_id
        assert len(order["lines"]) == lines and order["status"] == status
        assert order["created_at"] == datetime.fromisoformat(when).replace(tzinfo=TOKYO)
        assert order["sales_source"] == name and order["currency"] == "JPY"
        assert sum(line["amount"] for line in order["lines"]) <= order["total_gross"]


def test_mall_buyers_are_keyed_by_the_mall_never_by_their_masked_address():
    rakuten = {o.data["external_id"]: o for o in read_orders(_bytes("rakuten", "sjis"), CTX).parsed.orders}
    first, second, other = (rakuten[f"rakuten:999999-2024{d}"] for d in
                            ("0401-0000000001", "0415-0000000002", "0420-0000000003"))
    # The same buyer (name + phone) behind two different per-order relay addresses: one key.
    assert first.data["customer"]["external_key"] == second.data["customer"]["external_key"] != ""
    assert first.data["customer"]["external_key"].startswith("rakuten:")
    assert other.data["customer"]["external_key"] != first.data["customer"]["external_key"]
    # The relay is no address to mail: kept in raw only.
    assert first.data["customer"]["email"] == "" and first.raw["mall_email"].endswith("@pc.fw.rakuten.ne.jp")
    amazon = read_orders(_bytes("amazon", "utf8"), CTX).parsed.orders
    assert len({o.data["customer"]["external_key"] for o in amazon}) == 1
    shopify = read_orders(_bytes("shopify", "utf8"), CTX).parsed.orders
    assert {o.data["customer"]["email"] for o in shopify} == {"buyer@kaisha.example"}
    assert shopify[0].data["customer"]["company_name"] == "株式会社架空商事"


def test_full_width_digits_and_yen_in_amounts():
    assert parse_amount("¥1,234") == parse_amount("１，２３４円") == parse_amount("￥１２３４") == Decimal(1234)
    assert parse_amount("1,000-") == Decimal(1000)  # 「1,000-」 as hand-written invoices end it
    assert parse_amount("△500") == Decimal(-500)
    assert parse_quantity("１０") == 10
    for bad in ("", "abc", "1.2.3", "¥"):
        with pytest.raises(ValueProblem) as info:
            parse_amount(bad)
        assert info.value.en and info.value.ja


@pytest.mark.parametrize("text,expected", [
    ("2024/04/01", "2024-04-01T00:00"), ("2024/4/1 9:05", "2024-04-01T09:05"), ("2024年4月1日", "2024-04-01T00:00"),
    ("2024年4月1日 13時20分", "2024-04-01T13:20"), ("令和6年4月1日", "2024-04-01T00:00"), ("R6.4.1", "2024-04-01T00:00"),
    ("令和元年5月1日", "2019-05-01T00:00"), ("H31.4.30", "2019-04-30T00:00"), ("平成31年4月30日", "2019-04-30T00:00"),
    ("２０２４／０４／０１", "2024-04-01T00:00"), ("20240401", "2024-04-01T00:00"),
])
def test_japanese_dates(text, expected):
    assert parse_datetime(text, TOKYO) == datetime.fromisoformat(expected).replace(tzinfo=TOKYO)


def test_offsets_are_kept_and_bad_dates_refused():
    assert parse_datetime("2024-04-01T12:00:00Z", TOKYO).utcoffset().total_seconds() == 0
    assert parse_datetime("2024-04-05 10:00:00 +0900", TOKYO).isoformat() == "2024-04-05T10:00:00+09:00"
    for bad in ("2024/13/01", "令和6年2月30日", "昨日", "2024/04/01 25:00"):
        with pytest.raises(ValueProblem) as info:
            parse_datetime(bad, TOKYO)
        assert "日付" in info.value.ja


def test_unknown_header_and_unreadable_bytes_are_refused_with_both_languages():
    with pytest.raises(FileProblem) as info:
        read_orders("a,b,c\r\n1,2,3\r\n".encode(), CTX)
    assert info.value.line == 1 and "mapping" in info.value.en and "マッピング" in info.value.ja
    with pytest.raises(FileProblem) as info:
        read_orders(b"external_id\r\n\x81\x7f\r\n", CTX)  # 0x81 0x7F: neither UTF-8 nor CP932
    assert "Shift_JIS" in info.value.en and "文字コード" not in info.value.en and info.value.ja
    with pytest.raises(FileProblem):
        read_orders(_bytes("rakuten", "utf8"), CTX, format="amazon")  # asked for, but not its header


def test_bad_rows_name_line_field_and_reason_and_reject_their_order_whole():
    # The Shift_JIS file as Windows reads it (its ¥ became the 0x5C yen sign, read back as "\\").
    text = (FIXTURES / FILES["rakuten"].format("sjis")).read_bytes().decode("cp932").splitlines()
    # Line 3 (the first order's second item) gets a quantity nobody can read; line 4 a bad date.
    text[2] = text[2].rsplit(",", 1)[0] + ",二"
    text[3] = text[3].replace("2024/4/15 9:00", "2024/02/30")
    read = read_orders(("\r\n".join(text) + "\r\n").encode("cp932"), CTX)
    problems = {(p.line, p.field) for p in read.parsed.problems}
    assert problems == {(3, "quantity"), (4, "created_at")}
    assert all(p.en and p.ja for p in read.parsed.problems)
    assert [o.data["external_id"] for o in read.parsed.orders] == ["rakuten:999999-20240420-0000000003"]
