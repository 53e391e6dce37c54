"""REST order ingest with shipments and campaign tags: stored idempotently, shown on the account,
the account list filtered by acquisition source, and bad shipments refused by field with nothing
written."""

import pytest
from django.test import Client

from saleor_ltv_plugin.metrics.recompute import recompute_channel
from saleor_ltv_plugin.models import Account, OrderFact, ShipmentFact
from saleor_ltv_plugin.queries.overview import overview

pytestmark = pytest.mark.django_db
BASE = "/plugins/global/saleor.ltv/api/v1/"


def client(token):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def order(external_id, created_at, company, **extra):
    return {"external_id": external_id, "channel": "erp", "currency": "JPY", "created_at": created_at,
            "total_gross": "22000", "customer": {"email": f"buyer@{external_id}.example", "company_name": company},
            "lines": [{"sku": "TONER-9", "quantity": 2, "unit_price": "11000"}], **extra}


def post(token, orders):
    return client(token).post(BASE + "orders", {"orders": orders}, content_type="application/json")


PARCEL = {"ref": "p1", "shipped_at": "2026-10-06T15:00:00+09:00", "tracking_number": "1234-5678-9012",
          "carrier": "ヤマト運輸", "lines": [{"line_ref": "1", "sku": "TONER-9", "quantity": 2}]}


def test_shipments_and_acquisition_through_rest(key_for):
    token, reader = key_for("orders:write"), key_for("metrics:read")
    later = order("erp-2", "2026-10-05T10:00:00+09:00", "関西物産", shipments=[PARCEL],
                  acquisition={"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "toner-oct"})
    other = order("erp-9", "2026-10-03T10:00:00+09:00", "東海商会", acquisition={"utm_source": "newsletter"})
    assert post(token, [later, other]).json()["created"] == 2
    assert post(token, [later, other]).json()["unchanged"] == 2  # the same snapshot again
    shipment = ShipmentFact.objects.get()
    assert (shipment.shipment_ref, shipment.tracking_number, shipment.lines) == (
        "p1", "1234-5678-9012", [{"line_ref": "1", "sku": "TONER-9", "quantity": 2}])
    kansai = Account.objects.get(display_name="関西物産")
    assert (kansai.acquisition_source, kansai.acquisition_campaign) == ("google", "toner-oct")

    # an earlier order of the same company arrives later: it is the first order now
    earlier = order("erp-1", "2026-09-01T10:00:00+09:00", "関西物産", acquisition={"voucher_code": "WELCOME10"})
    assert post(token, [earlier]).json()["created"] == 1
    detail = client(reader).get(BASE + f"accounts/{kansai.pk}").json()
    assert detail["acquisition"]["source"] == "" and detail["acquisition"]["voucher_code"] == "WELCOME10"
    assert detail["acquisition"]["sales_source"] == "own_shop"
    assert detail["acquisition"]["acquired_at"].startswith("2026-09-01T01:00:00")
    shipped = {o["external_id"]: o["shipments"] for o in detail["orders"]}
    assert shipped["erp-1"] == [] and shipped["erp-2"][0]["carrier"] == "ヤマト運輸"

    recompute_channel("erp")
    listed = client(reader).get(BASE + "accounts", {"acquisition_source": "newsletter"}).json()
    assert [a["name"] for a in listed["items"]] == ["東海商会"] and listed["total_count"] == 1
    assert listed["items"][0]["acquisition"]["source"] == "newsletter"
    # LTV by acquisition source, against the orders summed here by their account's first order
    spend: dict[str, float] = {}
    for company, source in (("関西物産", ""), ("東海商会", "newsletter")):
        spend[source] = float(sum(o.amount for o in OrderFact.objects.filter(account__display_name=company)))
    rows = {r.source: r for r in overview("erp", "JPY").acquisition_sources}
    assert {s: (r.accounts, r.revenue) for s, r in rows.items()} == {s: (1, v) for s, v in spend.items()}
    assert rows[""].average_revenue == spend[""] == 44000

    # omitting shipments keeps them; an empty list says none went out (a cancelled fulfilment)
    assert post(token, [{**later, "total_gross": "22001"}]).json()["updated"] == 1
    assert ShipmentFact.objects.count() == 1
    assert post(token, [{**later, "total_gross": "22001", "shipments": []}]).json()["updated"] == 1
    assert ShipmentFact.objects.count() == 0


@pytest.mark.parametrize("shipments, field", [
    ([{**PARCEL, "shipped_at": "2026-09-01T10:00:00+09:00"}], "shipments"),  # before the order was placed
    ([PARCEL, PARCEL], "shipments"),  # one ref twice
    ([{**PARCEL, "shipped_at": "2026-10-06T15:00:00"}], "shipped_at"),  # no time zone
    ([{**PARCEL, "tracking_number": "x" * 256}], "tracking_number"),
    ([{**PARCEL, "lines": [{"sku": "TONER-9", "quantity": 0}]}], "quantity"),
])
def test_bad_shipments_are_refused_by_field_and_nothing_is_written(key_for, shipments, field):
    response = post(key_for("orders:write"), [order("erp-5", "2026-10-01T10:00:00+09:00", "関西物産",
                                                    shipments=shipments)])
    assert response.status_code == 422
    assert any(e["field"].split(".")[-1] == field or e["field"].endswith(field) for e in response.json()["errors"]), \
        response.json()
    assert not OrderFact.objects.exists() and not ShipmentFact.objects.exists()
