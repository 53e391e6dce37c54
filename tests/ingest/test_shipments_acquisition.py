"""Shipments and acquisition through the one door: a Rakuten file after shipping (both encodings)
gives each shipped order its parcel, again the same on a second import; a file without shipping
columns keeps them; each account's acquisition is its first order's, whatever order the orders
arrive in — checked against the first orders picked out here independently."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from saleor_ltv_plugin import conf
from saleor_ltv_plugin.api.file_import import context, import_file
from saleor_ltv_plugin.ingest.facts import Acquisition, CustomerRef, OrderData
from saleor_ltv_plugin.ingest.formats import read_orders
from saleor_ltv_plugin.ingest.orders import store_orders
from saleor_ltv_plugin.models import Account, ShipmentFact

FIXTURES = Path(__file__).parent / "fixtures"
TOKYO = ZoneInfo("Asia/Tokyo")
SHIPPED = {"rakuten:999999-20240501-0000000011": (datetime(2024, 5, 2, tzinfo=TOKYO), "ヤマト運輸", "1234-5678-9012"),
           "rakuten:999999-20240504-0000000013": (datetime(2024, 5, 6, tzinfo=TOKYO), "佐川急便", "5555-6666-7777")}


@pytest.mark.parametrize("encoding", ["utf8", "sjis"])
def test_a_rakuten_file_after_shipping_reads_each_orders_parcel(encoding):
    read = read_orders((FIXTURES / f"rakuten_shipped.{encoding}.csv").read_bytes(), context("default-channel"))
    assert read.format == "rakuten" and not read.parsed.problems
    got = {o.data["external_id"]: o.data.get("shipments") for o in read.parsed.orders}
    assert got.pop("rakuten:999999-20240503-0000000012") is None  # 発送待ち: nothing said
    assert {k: [(s["shipped_at"], s["carrier"], s["tracking_number"]) for s in v] for k, v in got.items()} == \
        {k: [v] for k, v in SHIPPED.items()}


@pytest.mark.django_db
def test_shipments_are_stored_once_and_kept_by_a_file_that_says_nothing_of_them():
    data = (FIXTURES / "rakuten_shipped.sjis.csv").read_bytes()
    first = import_file(data, context("default-channel"))
    assert first.stored and first.counts.created == 3
    assert import_file(data, context("default-channel")).counts.written == 0  # idempotent
    stored = {s.order.external_id: (s.shipped_at, s.carrier, s.tracking_number)
              for s in ShipmentFact.objects.select_related("order")}
    assert stored == SHIPPED
    # the same orders from the download before shipping (no 発送日 columns): the parcels stay
    text = data.decode("cp932").splitlines()
    header = text[0].split(",")
    cut = header.index("発送日")
    before = "\n".join(",".join(line.split(",")[:cut]) if i == 0 else line.rsplit(",", 3)[0]
                       for i, line in enumerate(text)) + "\n"
    assert import_file(before.encode("cp932"), context("default-channel")).stored
    assert ShipmentFact.objects.count() == 2


def _order(external_id: str, company: str, at: datetime, status: str, source: str) -> OrderData:
    return OrderData(source="rest", external_id=external_id, channel="default-channel", currency="JPY",
                     created_at=at, status=status, total_gross=Decimal(1000), total_net=Decimal(1000),
                     customer=CustomerRef(email=f"{company}@acq.example", company_name=company),
                     acquisition=Acquisition(utm_source=source, voucher_code=f"V-{external_id}"),
                     sales_source=random.Random(external_id).choice(["own_shop", "rakuten", "phone"]),
                     source_updated_at=at)


@pytest.mark.django_db
def test_each_account_takes_its_first_orders_source_whatever_the_arrival_order():
    rng = random.Random(19)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    orders = [_order(f"o-{i}", f"co{rng.randrange(25)}", start + timedelta(hours=rng.randrange(24 * 300)),
                     rng.choice(["fulfilled"] * 4 + ["canceled"]), rng.choice(["google", "newsletter", "", "line"]))
              for i in range(300)]
    rng.shuffle(orders)
    for part in range(0, len(orders), 40):  # several batches, later ones holding earlier orders
        store_orders(orders[part:part + 40])
    # the first order per company: the earliest purchase, else the earliest order of any status
    expected = {}
    for company in {o.customer.company_name for o in orders}:
        own = sorted((o for o in orders if o.customer.company_name == company),
                     key=lambda o: (not o.counts_as_purchase, o.created_at, o.external_id))
        first = own[0]
        expected[company] = (first.acquisition.utm_source, f"V-{first.external_id}", first.sales_source,
                             first.created_at)
    got = {a.key: (a.acquisition_source, a.acquisition_voucher, a.acquisition_sales_source, a.acquired_at)
           for a in Account.objects.all()}
    assert got == expected


def test_the_native_format_reads_acquisition_and_shipping_columns():
    text = ("external_id,created_at,total_gross,email,acquisition_source,utm_medium,voucher_code,shipped_at,"
            "tracking_number\n"
            "N-1,2024/04/01 10:00,1200,a@native.example,ｇｏｏｇｌｅ,cpc,SPRING,2024/04/02,１２３-４５６\n"
            "N-2,2024/04/01 11:00,1200,b@native.example,,,,,\n")
    read = read_orders(text.encode("cp932"), context("default-channel"))
    assert read.format == "native" and not read.parsed.problems
    first, second = (o.data for o in read.parsed.orders)
    assert first["acquisition"] == {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "",
                                    "voucher_code": "SPRING"}
    assert first["shipments"][0]["tracking_number"] == "123-456"
    shop_zone = ZoneInfo(conf.channel_settings("default-channel").timezone)  # our CSV: the shop's time
    assert first["shipments"][0]["shipped_at"] == datetime(2024, 4, 2, tzinfo=shop_zone)
    assert "acquisition" not in second and "shipments" not in second
