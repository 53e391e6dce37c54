"""Issue 15 #8: `POST orders` is all-or-nothing, refuses out-of-range values with a 422 naming
the field, and takes the documented largest batch (5,000 orders with lines) within its body limit."""

import json

import pytest
from django.db import connection
from django.test import Client

from saleor_ltv_plugin.api.body import ORDERS_BODY_LIMIT
from saleor_ltv_plugin.api.schemas import MAX_BATCH
from saleor_ltv_plugin.models import Account, Contact, OrderFact, OrderLineFact

pytestmark = pytest.mark.django_db
URL = "/plugins/global/saleor.ltv/api/v1/orders"


def order(external_id, lines=1, **overrides):
    """An order as an ERP export fills it: every optional field set, Japanese names."""
    body = {
        "external_id": external_id, "number": external_id[-8:], "channel": "erp-wholesale", "currency": "JPY",
        "created_at": "2026-10-01T10:00:00+09:00", "status": "fulfilled", "total_gross": "1234567.000",
        "total_net": "1122333.000", "refunded_amount": "0", "source_updated_at": "2026-10-01T10:05:00+09:00",
        "customer": {"user_id": None, "email": f"purchasing.{external_id.lower()}@kansai-bussan.example.co.jp",
                     "first_name": "太郎", "last_name": "山田", "company_name": "関西物産株式会社 大阪営業所",
                     "language_code": "ja"},
        "lines": [{"line_ref": str(n), "sku": f"TONER-CARTRIDGE-{n:04d}-BK",
                   "product_name": "トナーカートリッジ 黒 大容量タイプ（純正品）", "product_id": "UHJvZHVjdDoxMjM0NQ==",
                   "variant_id": "UHJvZHVjdFZhcmlhbnQ6OTg3NjU=", "quantity": 12, "unit_price": "11000.000",
                   "amount": "132000.000"} for n in range(1, lines + 1)],
    }
    body.update(overrides)
    return body


def post(key, orders=None, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps({"orders": orders})  # json's default: \u-escaped Japanese
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(URL, data, content_type="application/json")


def stored_nothing():
    return not (OrderFact.objects.exists() or OrderLineFact.objects.exists() or Account.objects.exists()
                or Contact.objects.exists())


@pytest.mark.parametrize("field,value", [
    ("created_at", "0001-01-01T00:00:00+09:00"),    # overflowed on the way to UTC
    ("created_at", "9999-12-31T23:59:59-09:00"),
    ("created_at", "1969-12-31T23:59:59+00:00"),
    ("created_at", "1989-12-31T23:59:59+00:00"),    # before the window
    ("created_at", "2999-01-01T00:00:00+09:00"),    # far future
    ("source_updated_at", "0001-01-01T00:00:00+14:00"),
    ("source_updated_at", "9999-12-31T23:59:59-12:00"),
])
def test_timestamps_outside_the_window_are_422_naming_the_field(key_for, field, value):
    response = post(key_for("orders:write"), [order("ok-1"), order("bad-1", **{field: value})])
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [f"orders.1.{field}"], errors
    assert "1990-01-01" in errors[0]["message"]
    assert stored_nothing()


@pytest.mark.parametrize("line,field", [
    ({"quantity": 1_000_000, "unit_price": "99999999999999.999"}, "lines.0.unit_price"),  # × overflows NUMERIC(20,3)
    ({"quantity": 1_000_000, "unit_price": "100000000.001"}, "lines.0.unit_price"),      # 1e14: over Money
    ({"quantity": 2, "unit_price": "99999999999999.999"}, "lines.0.unit_price"),
    ({"quantity": 1, "unit_price": "1E+20"}, "lines.0.unit_price"),
    ({"quantity": 1, "unit_price": "NaN"}, "lines.0.unit_price"),
    ({"quantity": 1, "unit_price": "Infinity"}, "lines.0.unit_price"),
    ({"quantity": 1, "unit_price": "1.0001"}, "lines.0.unit_price"),
    ({"quantity": 2**31, "unit_price": "1"}, "lines.0.quantity"),  # beyond the integer column
])
def test_amounts_beyond_the_columns_are_422_naming_the_field(key_for, line, field):
    bad = order("bad-1")
    bad["lines"] = [{"sku": "X", **line}]
    bad.pop("total_net")
    response = post(key_for("orders:write"), [order("ok-1"), bad])
    assert response.status_code == 422, response.content
    assert f"orders.1.{field}" in [e["field"] for e in response.json()["errors"]], response.json()
    assert stored_nothing()


@pytest.mark.parametrize("field,value", [
    ("total_gross", "100000000000000"), ("total_net", "1e15"), ("refunded_amount", "-0.001"),
    ("total_gross", "NaN"), ("total_gross", "-Infinity"),
])
def test_order_totals_beyond_the_column_are_422(key_for, field, value):
    response = post(key_for("orders:write"), [order("ok-1"), order("bad-1", **{field: value})])
    assert response.status_code == 422, response.content
    assert f"orders.1.{field}" in [e["field"] for e in response.json()["errors"]]
    assert stored_nothing()


@pytest.fixture
def poisoned_orders():
    """A database-side failure on one order that validation cannot foresee (a trigger raising)."""
    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE FUNCTION ltv_test_poison() RETURNS trigger AS $$
            BEGIN
              IF NEW.external_id LIKE 'poison%' THEN RAISE EXCEPTION 'poisoned order %', NEW.external_id; END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER ltv_test_poison BEFORE INSERT ON saleor_ltv_plugin_orderfact
              FOR EACH ROW EXECUTE FUNCTION ltv_test_poison();
        """)
    yield  # the test's transaction rolls the trigger back


def test_a_batch_failing_at_its_last_order_leaves_nothing_written(key_for, poisoned_orders):
    def slim(external_id):  # small enough that the body passes even Django's default limit
        return {"external_id": external_id, "channel": "erp", "currency": "JPY", "total_gross": "1000",
                "created_at": "2026-10-01T10:00:00+09:00", "customer": {"company_name": f"{external_id} Co"}}

    orders = [slim(f"erp-{i:05d}") for i in range(MAX_BATCH - 1)] + [slim("poison-5000")]
    response = post(key_for("orders:write"), orders)
    assert response.status_code == 500 and b"poisoned" not in response.content
    assert OrderFact.objects.count() == 0, "a failed batch must not leave its first chunks stored"


def test_the_documented_largest_batch_fits_the_body_limit(key_for):
    """5,000 orders with 10 lines each, every field filled, Japanese \\u-escaped: about 20 MiB."""
    orders = [order(f"ERP-2026-{i:08d}", lines=10) for i in range(MAX_BATCH)]
    body = json.dumps({"orders": orders}).encode()
    assert 2.5 * 2**20 < len(body) < ORDERS_BODY_LIMIT, len(body)
    response = post(key_for("orders:write"), raw=body)
    assert response.status_code == 200, response.content[:500]
    assert response.json()["created"] == MAX_BATCH
    assert OrderLineFact.objects.count() == MAX_BATCH * 10


@pytest.mark.parametrize("extra", [1, 1024 * 1024])
def test_a_body_over_the_limit_is_413_naming_the_limit(key_for, extra):
    padding = b" " * (ORDERS_BODY_LIMIT + extra - 200)
    body = b'{"orders": [' + json.dumps(order("big-1")).encode() + b"]" + padding + b"}"
    response = post(key_for("orders:write"), raw=body)
    assert response.status_code == 413, response.content[:300]
    error = response.json()["errors"][0]
    assert error["field"] == "body" and error["code"] == "too_large"
    assert f"{ORDERS_BODY_LIMIT // 2**20} MiB" in error["message"] and "24 MiB" in error["message"]
    assert stored_nothing()


@pytest.mark.parametrize("size", [10, ORDERS_BODY_LIMIT + 1])
def test_anonymous_callers_are_refused_before_the_body_is_read(size):
    response = Client().post(URL, b"x" * size, content_type="application/json")
    assert response.status_code == 401


def test_other_endpoints_keep_djangos_limit_as_a_413(key_for):
    body = json.dumps({"channel": "x" * (3 * 2**20)})
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key_for('recompute')}").post(
        "/plugins/global/saleor.ltv/api/v1/recompute", body, content_type="application/json")
    assert response.status_code == 413, response.content[:300]
