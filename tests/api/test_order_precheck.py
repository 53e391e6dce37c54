"""File orders that plainly pass OrderIn skip its model (api/order_precheck.py): they must come out
exactly as through OrderIn, and anything OrderIn refuses must go to OrderIn for its errors."""

import copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from saleor_ltv_plugin.api import file_import, order_precheck
from saleor_ltv_plugin.api.schemas import OrderIn
from saleor_ltv_plugin.ingest.formats import read_orders
from saleor_ltv_plugin.ingest.formats.base import Context

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"
CTX = Context(channel="default-channel", currency="JPY", tz=ZoneInfo("Asia/Tokyo"))
ORDER_FILES = sorted(p.name for p in FIXTURES.glob("*_orders.*") if not p.name.startswith("erp")) + [
    "rakuten_shipped.sjis.csv", "rakuten_shipped.utf8.csv"]


@pytest.mark.parametrize("name", ORDER_FILES)
def test_a_fixture_file_gives_the_same_orders_either_way(name):
    read = read_orders((FIXTURES / name).read_bytes(), CTX)
    quick, quick_errors = file_import.validate(read)
    full, full_errors = file_import.validate(read, precheck=False)
    assert quick and quick == full and quick_errors == full_errors
    assert [order_precheck.order_data(o.data, "csv", o.raw) is not None for o in read.parsed.orders] == [True] * len(
        read.parsed.orders)  # the fixture orders are plain: none fell back to OrderIn


def _plain():
    read = read_orders((FIXTURES / "rakuten_shipped.utf8.csv").read_bytes(), CTX)
    return read.parsed.orders[0].data


def _set(path, value):
    def change(data):
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return change


FUTURE = datetime.now(timezone.utc) + timedelta(days=3)
REFUSED = {
    "external_id too long": _set(["external_id"], "x" * 65),
    "empty channel": _set(["channel"], ""),
    "lower-case currency": _set(["currency"], "jpy"),
    "unknown sales source": _set(["sales_source"], "ebay"),
    "future order": _set(["created_at"], FUTURE),
    "naive time": _set(["created_at"], datetime(2024, 4, 1, 9, 0)),
    "negative total": _set(["total_gross"], Decimal("-1")),
    "four decimals": _set(["total_gross"], Decimal("1.2345")),
    "eighteen digits": _set(["total_gross"], Decimal("1" * 18)),
    "bad e-mail": _set(["customer", "email"], "a b@x.example"),
    "NUL in a name": _set(["customer", "last_name"], "山\x00田"),
    "zero quantity": _set(["lines", 0, "quantity"], 0),
    "line total too large": _set(["lines", 0, "unit_price"], Decimal(10) ** 14 / 2),
    "shipped long before ordering": _set(["shipments", 0, "shipped_at"], datetime(2000, 1, 1, tzinfo=timezone.utc)),
    "status too long": _set(["status"], "s" * 33),
    "a key OrderIn has not": _set(["customer", "phone"], "03-1234-5678"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_orderin_refuses_goes_to_orderin(case):
    data = copy.deepcopy(_plain())
    assert order_precheck.order_data(data, "csv", {}) is not None
    REFUSED[case](data)
    assert order_precheck.order_data(data, "csv", {}) is None
    if case != "a key OrderIn has not":  # that one OrderIn takes (and checks the phone itself)
        with pytest.raises(ValidationError):
            OrderIn.model_validate(data)


def test_a_line_seen_before_is_checked_again_when_a_cell_differs_only_in_type():
    """Lines are built once per distinct cells (order_precheck._LINES): True equals 1 and a str
    subclass equals its str, but the check admits neither; an unhashable cell is referred too."""

    class Text(str):
        pass

    data = copy.deepcopy(_plain())
    data["lines"][0]["quantity"] = 1
    first = order_precheck.order_data(data, "csv", {})
    assert first is not None
    assert order_precheck.order_data(copy.deepcopy(data), "csv", {}) == first  # the same Decimals: a hit
    for cell, value in (("quantity", True), ("sku", Text(data["lines"][0]["sku"])), ("sku", ["x"])):
        changed = copy.deepcopy(data)
        changed["lines"][0][cell] = value
        assert order_precheck.order_data(changed, "csv", {}) is None, cell
