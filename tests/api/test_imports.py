"""REST file imports (POST imports/orders, imports/mappings, imports/preview) against PostgreSQL:
every format stored through the same door as REST JSON, idempotent, bad rows refused with line,
field and reason in English and Japanese, nothing half-written, one re-score per file."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from saleor_ltv_plugin import signals
from saleor_ltv_plugin.auth import Scope
from saleor_ltv_plugin.ingest import batch
from saleor_ltv_plugin.ingest.formats.base import hashed_key
from saleor_ltv_plugin.models import Account, AccountMetrics, ColumnMapping, Contact, CsvImport, OrderFact, OrderLineFact


pytestmark = pytest.mark.django_db
BASE = "/plugins/global/saleor.ltv/api/v1/"
FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
TOKYO = ZoneInfo("Asia/Tokyo")


def client(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def upload(token: str, data: bytes, name: str = "orders.csv", **fields):
    return client(token).post(BASE + "imports/orders", {"file": SimpleUploadedFile(name, data), **fields})


@pytest.fixture
def ingest_key(key_for):
    return key_for(Scope.INGEST.value)


@pytest.mark.parametrize("encoding", ["utf8", "sjis"])
@pytest.mark.parametrize("fixture,source,orders", [
    ("rakuten_orders.{}.csv", "rakuten", 3), ("amazon_orders.{}.txt", "amazon", 2), ("yahoo_orders.{}.csv", "yahoo", 2),
    ("shopify_orders.{}.csv", "shopify", 2), ("makeshop_orders.{}.csv", "makeshop", 1),
    ("futureshop_orders.{}.csv", "futureshop", 1),
])
def test_each_format_is_imported(ingest_key, fixture, source, orders, encoding):
    response = upload(ingest_key, (FIXTURES / fixture.format(encoding)).read_bytes())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["format"] == source and body["created"] == orders and not body["errors"]
    assert body["encoding"] == ("cp932" if encoding == "sjis" else "utf-8")
    stored = OrderFact.objects.filter(sales_source=source)
    assert stored.count() == orders and all(o.external_id.startswith(f"{source}:") for o in stored)
    assert CsvImport.objects.get().status == "finished"


def test_mall_buyers_become_one_external_account_not_merged_by_masked_mail(ingest_key):
    assert upload(ingest_key, (FIXTURES / "rakuten_orders.sjis.csv").read_bytes()).status_code == 200
    assert upload(ingest_key, (FIXTURES / "amazon_orders.sjis.txt").read_bytes()).status_code == 200
    contacts = Contact.objects.exclude(external_key="")
    # Rakuten: 山田 (two orders, two relay addresses) and 佐藤; Amazon: 鈴木.
    assert contacts.count() == 3 and not contacts.exclude(email="").exists()
    yamada = OrderFact.objects.filter(external_id__in=["rakuten:999999-20240401-0000000001",
                                                       "rakuten:999999-20240415-0000000002"])
    assert len({o.account_id for o in yamada}) == 1
    account = Account.objects.get(pk=yamada[0].account_id)
    assert account.key_kind == "external" and account.display_name == "山田 太郎"
    assert yamada[0].raw["mall_email"].endswith("@pc.fw.rakuten.ne.jp")


def rakuten_file(n_orders: int, seed: int = 7) -> tuple[bytes, list[dict]]:
    """A Rakuten RMS order CSV in Shift_JIS and, beside it, the same orders as REST JSON,
    written from the same generated values (not from the parser's output)."""
    rng = random.Random(seed)
    buyers = [("山田", "太郎", "03-1111-0001"), ("佐藤", "花子", "06-2222-0002"), ("鈴木", "一郎", "011-333-0003"),
              ("髙橋", "次郎", "092-444-0004"), ("渡辺", "四郎", "045-555-0005")] + [
        ("架空", f"顧客{i}", f"050-0000-{i:04d}") for i in range(40)]
    products = [("TEA-001", "緑茶 100g", 1200), ("CUP-002", "湯呑み ①", 1120), ("SET-003", "贈答セット", 5400)]
    header = "受注番号,受注ステータス,注文日時,合計金額,注文者名字,注文者名前,注文者メールアドレス,注文者電話番号,商品番号,商品名,単価,個数"
    lines, orders = [header], []
    start = datetime(2024, 4, 1, 9, 0, tzinfo=TOKYO)
    for n in range(n_orders):
        last, first, phone = rng.choice(buyers)
        when = start + timedelta(minutes=97 * n)
        items = rng.sample(products, rng.randint(1, 3))
        quantities = [rng.randint(1, 4) for _ in items]
        total = sum(price * q for (_, _, price), q in zip(items, quantities))
        number = f"999999-{when:%Y%m%d}-{n:010d}"
        cancelled = n % 50 == 0
        status = "キャンセル確定" if cancelled else "発送済"
        stamp = f"{when:%Y/%m/%d %H:%M:%S}" if n % 2 else f"{when:%Y-%m-%d %H:%M:%S}"
        for (sku, name, price), q in zip(items, quantities):
            lines.append(f'{number},{status},{stamp},"￥{total:,}",{last},{first},relay{n}@pc.fw.rakuten.ne.jp,'
                         f'{phone},{sku},{name},"{price:,}",{q}')
        orders.append({
            "external_id": f"rakuten:{number}", "number": number, "sales_source": "rakuten",
            "channel": "default-channel", "currency": "JPY", "created_at": when.isoformat(),
            "status": "canceled" if cancelled else "fulfilled", "total_gross": str(total),
            "customer": {"first_name": first, "last_name": last,
                         "external_key": hashed_key("rakuten", f"{last}{first}", phone)},
            "lines": [{"line_ref": str(i), "sku": sku, "product_name": name, "quantity": q, "unit_price": str(price),
                       "amount": str(price * q)} for i, ((sku, name, price), q) in enumerate(zip(items, quantities), 1)],
        })
    return ("\r\n".join(lines) + "\r\n").encode("cp932"), orders


def facts() -> dict:
    """Every stored order and its lines, as a shop sees them (not ids, timestamps or raw input)."""
    out = {}
    for order in OrderFact.objects.select_related("account", "contact"):
        lines = sorted((l.line_ref, l.sku, l.product_name, l.quantity, l.unit_price, l.amount)
                       for l in OrderLineFact.objects.filter(order=order))
        out[order.external_id] = (
            order.number, order.sales_source, order.channel, order.currency, order.created_at, order.status,
            order.total_gross, order.total_net, order.refunded_amount, order.amount, order.counts_as_purchase,
            order.account.key_kind, order.account.key, order.account.display_name,
            order.contact.external_key if order.contact else None, order.contact.email if order.contact else None,
            tuple(lines))
    return out


def test_a_thousand_order_rakuten_file_twice_gives_the_facts_of_the_same_rest_json(ingest_key, monkeypatch):
    data, as_json = rakuten_file(1000)
    monkeypatch.setattr(batch, "CHUNK", 150)  # several transactions, still one re-score
    calls = []

    def count(sender, account_ids, **kwargs):
        calls.append(set(account_ids))

    signals.orders_changed.connect(count, dispatch_uid="test-import-count")
    try:
        first = upload(ingest_key, data, "rakuten.csv")
        assert first.status_code == 200, first.content[:2000]
        assert first.json()["created"] == 1000 and first.json()["errors"] == []
        assert len(calls) == 1 and calls[0] == set(Account.objects.values_list("pk", flat=True))
        assert first.json()["accounts_rescored"] == len(calls[0])
        from_file = facts()
        again = upload(ingest_key, data, "rakuten.csv").json()
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1000)
        assert len(calls) == 1  # nothing changed: nothing re-scored
    finally:
        signals.orders_changed.disconnect(dispatch_uid="test-import-count")
    assert facts() == from_file
    for model in (OrderLineFact, OrderFact, AccountMetrics, Contact, Account):  # AccountContact cascades
        model.objects.all().delete()
    for start in range(0, len(as_json), 500):
        response = client(ingest_key).post(BASE + "orders", {"orders": as_json[start:start + 500]},
                                           content_type="application/json")
        assert response.status_code == 200, response.content[:2000]
    from_json = facts()
    differing = [(k, from_file[k], from_json.get(k)) for k in from_file if from_file[k] != from_json.get(k)]
    assert not differing, [(k, [(i, a, b) for i, (a, b) in enumerate(zip(f, j)) if a != b]) for k, f, j in differing[:3]]
    assert from_json == from_file
    assert len({v[12] for v in from_file.values()}) == 45  # 45 buyers, never merged by their relay addresses
    assert sum(1 for v in from_file.values() if not v[10]) == 20  # every 50th order cancelled


def test_bad_rows_refuse_the_file_with_line_field_and_reason_and_store_nothing(ingest_key):
    text = (FIXTURES / "rakuten_orders.sjis.csv").read_bytes().decode("cp932").splitlines()
    text[2] = text[2].rsplit(",", 1)[0] + ",二"  # line 3: the first order's second item
    text[4] = text[4].replace("2024-04-20 18:30:00", "2024/02/30")  # line 5: the third order
    data = ("\r\n".join(text) + "\r\n").encode("cp932")
    response = upload(ingest_key, data)
    assert response.status_code == 422
    body = response.json()
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "quantity"), (5, "created_at")]
    assert all(e["message"] and e["message_ja"] for e in body["errors"]) and "保存していません" in body["detail_ja"]
    assert "数量" in body["errors"][0]["message_ja"] and "日付" in body["errors"][1]["message_ja"]
    assert not OrderFact.objects.exists() and CsvImport.objects.get().status == "failed"
    # partial: the good order is stored, each order with a bad row is skipped whole.
    response = upload(ingest_key, data, partial="true")
    assert response.status_code == 200 and response.json()["created"] == 1
    assert list(OrderFact.objects.values_list("external_id", flat=True)) == ["rakuten:999999-20240415-0000000002"]
    assert OrderLineFact.objects.count() == 1


def test_values_the_rest_schema_refuses_are_reported_per_row(ingest_key):
    text = (FIXTURES / "yahoo_orders.utf8.csv").read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace(",2400,", ",-2400,")  # a negative total
    text[2] = text[2].replace("令和6年4月10日", "1980/01/01")  # before 1990
    response = upload(ingest_key, ("\r\n".join(text) + "\r\n").encode())
    assert response.status_code == 422
    errors = {(e["row"], e["field"]): e for e in response.json()["errors"]}
    assert set(errors) == {(2, "total_gross"), (3, "created_at")}
    assert errors[(2, "total_gross")]["message_ja"].startswith("合計金額")


def test_whole_file_refusals_are_4xx_in_both_languages(ingest_key, key_for):
    unknown = upload(ingest_key, "列1,列2\r\n1,2\r\n".encode("cp932"))
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["row"] == 1
    assert "マッピング" in unknown.json()["detail_ja"]
    unclosed = upload(ingest_key, (FIXTURES / "rakuten_orders.utf8.csv").read_bytes() + b'"x,')
    assert unclosed.status_code == 422 and unclosed.json()["errors"][0]["field"] == "file"
    assert upload(ingest_key, b"x", mapping="nope").status_code == 404
    assert upload(key_for(), (FIXTURES / "rakuten_orders.utf8.csv").read_bytes()).status_code == 403
    assert upload(ingest_key, b"x", format="lotus").status_code == 422
    assert not OrderFact.objects.exists()


ERP_COLUMNS = {"伝票番号": "external_id", "受注日": "created_at", "得意先名": "company_name", "担当者": "last_name",
               "電話": "phone", "品番": "sku", "品名": "product_name", "数量": "quantity", "単価": "unit_price",
               "金額合計": "total_gross", "区分": "sales_source"}


def test_a_saved_mapping_previewed_then_reused_by_name(ingest_key):
    data = (FIXTURES / "erp_orders.sjis.csv").read_bytes()
    import json

    preview = client(ingest_key).post(BASE + "imports/preview", {
        "file": SimpleUploadedFile("erp.csv", data), "columns": json.dumps(ERP_COLUMNS, ensure_ascii=False)})
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["format"] == "mapping" and body["encoding"] == "cp932" and body["header"][0] == "伝票番号"
    assert [o["total_gross"] for o in body["orders"]] == ["17600", "24000"] and not body["errors"]
    assert body["orders"][0]["lines"][0]["quantity"] == 10 and body["orders"][0]["sales_source"] == "fax"
    assert not OrderFact.objects.exists()  # a preview stores nothing

    saved = client(ingest_key).post(BASE + "imports/mappings", {"name": "基幹システム", "columns": ERP_COLUMNS,
                                                                "sales_source": "erp"}, content_type="application/json")
    assert saved.status_code == 200, saved.content
    assert ColumnMapping.objects.get().columns == ERP_COLUMNS
    listed = client(ingest_key).get(BASE + "imports/mappings").json()
    assert [m["name"] for m in listed] == ["基幹システム"]
    response = upload(ingest_key, data, mapping="基幹システム")
    assert response.status_code == 200, response.content
    assert response.json()["format"] == "mapping" and response.json()["created"] == 2
    orders = {o.external_id: o for o in OrderFact.objects.all()}
    assert orders["D-0001"].total_gross == Decimal("17600") and orders["D-0001"].sales_source == "fax"
    assert orders["D-0001"].created_at == datetime(2024, 4, 9, tzinfo=TOKYO)
    assert orders["D-0002"].created_at == datetime(2024, 5, 9, tzinfo=TOKYO)
    account = Account.objects.get()  # both orders: one company account
    assert account.key_kind == "company" and account.display_name == "株式会社架空製作所"
    assert client(ingest_key).delete(BASE + "imports/mappings/基幹システム").status_code == 204
    assert not ColumnMapping.objects.exists()


def test_mapping_mistakes_are_refused_with_the_field(ingest_key):
    def save(columns):
        return client(ingest_key).post(BASE + "imports/mappings", {"name": "x", "columns": columns},
                                       content_type="application/json")

    unknown = save({"伝票番号": "external_id", "受注日": "created_at", "金額": "total_gross", "色": "colour"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "columns.色"
    assert "項目" in unknown.json()["errors"][0]["message_ja"]
    missing = save({"伝票番号": "external_id"})
    assert missing.status_code == 422 and "total_gross" in missing.json()["detail"]
    twice = save({"a": "external_id", "b": "created_at", "c": "total_gross", "d": "total_gross"})
    assert twice.status_code == 422
    assert not ColumnMapping.objects.exists()
    assert client(ingest_key).get(BASE + "imports/mappings/none").status_code == 404
