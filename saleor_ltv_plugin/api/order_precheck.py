"""A file's orders turned into OrderData without a pydantic model per order, when they plainly pass.

OrderIn.model_validate (ninja's Schema: a getter and validators per nested model) took ~250 µs an
order, more than parsing and storing it. The parsed dicts of ingest.formats hold values already
typed (str, int, Decimal, aware datetime), so a plain check of OrderIn's bounds suffices for
nearly every order. It accepts only what OrderIn accepts; anything else (a bound crossed, a key
it does not know) returns None and the caller validates that order through OrderIn, whose errors
the shop then reads. The OrderData built is the one api.orders.to_order_data builds
(tests/api/test_order_precheck.py compares them).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from ..addresses import address_problem
from ..ingest.facts import Acquisition, CustomerRef, OrderData, OrderLineData, ShipmentData
from ..models.facts import SalesSource
from .schemas import EARLIEST, FUTURE_SLACK, MAX_LINES, MONEY_LIMIT, SHIPPED_BEFORE_ORDER

_ORDER_KEYS = frozenset({"external_id", "number", "channel", "currency", "created_at", "status", "total_gross",
                         "refunded_amount", "sales_source", "customer", "lines", "shipments", "acquisition"})
_CUSTOMER_KEYS = frozenset({"email", "company_name", "first_name", "last_name", "external_key", "user_id"})
_LINE_KEYS = frozenset({"line_ref", "sku", "product_name", "quantity", "unit_price", "amount"})
_SHIPMENT_KEYS = frozenset({"ref", "shipped_at", "tracking_number", "carrier"})
_ACQUISITION_KEYS = frozenset({"utm_source", "utm_medium", "utm_campaign", "voucher_code"})
_CURRENCY = re.compile(r"[A-Z]{3}")
_SALES_SOURCES = frozenset(SalesSource.values)


class _Refer(Exception):
    """Not plainly valid: OrderIn decides."""


def _text(value, longest: int, shortest: int = 0) -> str:
    if type(value) is not str or "\x00" in value or not shortest <= len(value) <= longest:
        raise _Refer
    return value


# Decimals already found to pass, by identity: the file parsers hand out one object per distinct
# cell (values.parse_amount is cached), and as_tuple was most of the check. Holding the object keeps
# its id from being reused; equality would not do (1 and 1.0000 are equal, only one passes).
_PASSED: dict[int, Decimal] = {}
_PASSED_MAX = 1 << 16


def _money(value) -> Decimal:
    # OrderIn's Money: ≥ 0, at most 17 digits, 3 of them decimals (counted before any normalising,
    # so this never admits what pydantic refuses).
    if _PASSED.get(id(value)) is value:
        return value
    if type(value) is not Decimal or not value.is_finite() or value < 0:
        raise _Refer
    sign, digits, exponent = value.as_tuple()
    if exponent < -3 or (len(digits) + max(exponent, 0) if exponent >= 0 else max(len(digits), -exponent)) > 17:
        raise _Refer
    if len(_PASSED) >= _PASSED_MAX:
        _PASSED.clear()
    _PASSED[id(value)] = value
    return value


def _time(value, latest: dt.datetime) -> dt.datetime:
    if type(value) is not dt.datetime or value.utcoffset() is None:
        raise _Refer
    try:
        if not EARLIEST <= value <= latest:
            raise _Refer
    except OverflowError:
        raise _Refer from None
    return value


# Lines already built, by their cells: a file's products × quantities repeat on most orders, and an
# OrderLineData is immutable, so orders share it. Keyed by the values with their types (True == 1,
# a str subclass equals its str) and the Decimals by identity, as _PASSED.
_LINES: dict[tuple, tuple[object, object, OrderLineData]] = {}


def _line(position: int, line) -> OrderLineData:
    _keys(line, _LINE_KEYS)
    unit_price, amount = line.get("unit_price"), line.get("amount")
    ref, sku, name = line.get("line_ref"), line.get("sku", ""), line.get("product_name", "")
    quantity = line.get("quantity")
    key = (position, ref, type(ref), sku, type(sku), name, type(name), quantity, type(quantity),
           id(unit_price), id(amount))
    try:
        hit = _LINES.get(key)
    except TypeError:  # an unhashable cell (a list where text belongs): the checks below refer it
        key, hit = None, None
    if hit is not None and hit[0] is unit_price and hit[1] is amount:
        return hit[2]
    if type(quantity) is not int or not 1 <= quantity <= 1_000_000:
        raise _Refer
    unit_price = _money(unit_price)
    if unit_price * quantity >= MONEY_LIMIT:
        raise _Refer
    if ref is not None:
        _text(ref, 64)
    built = OrderLineData(line_ref=ref or str(position), sku=_text(sku, 255), quantity=quantity,
                          unit_price=unit_price, amount=unit_price * quantity if amount is None else _money(amount),
                          product_name=_text(name, 386))
    if key is not None:
        if len(_LINES) >= _PASSED_MAX:
            _LINES.clear()
        _LINES[key] = (unit_price, amount, built)
    return built


def _keys(data, allowed: frozenset) -> dict:
    if type(data) is not dict or not allowed.issuperset(data):
        raise _Refer
    return data


def order_data(data: dict, source: str, raw: dict, latest: dt.datetime | None = None) -> OrderData | None:
    """The OrderData of a parsed order that plainly passes OrderIn, else None (`latest`: now + slack)."""
    try:
        return _order_data(data, source, raw, latest or dt.datetime.now(dt.timezone.utc) + FUTURE_SLACK)
    except _Refer:
        return None


def _order_data(data: dict, source: str, raw: dict, latest: dt.datetime) -> OrderData:
    _keys(data, _ORDER_KEYS)
    sales_source = data.get("sales_source", "own_shop")
    if sales_source not in _SALES_SOURCES or type(data.get("currency")) is not str:
        raise _Refer
    currency = data["currency"]
    if not _CURRENCY.fullmatch(currency):
        raise _Refer
    created_at = _time(data.get("created_at"), latest)
    total = _money(data.get("total_gross"))
    customer = _keys(data.get("customer"), _CUSTOMER_KEYS)
    email = _text(customer.get("email", ""), 254)
    if email.strip() and address_problem(email.strip()):
        raise _Refer
    user_id = customer.get("user_id")
    if user_id is not None:
        _text(user_id, 64)
    ref = CustomerRef(user_id=user_id, email=email.strip().lower(),
                      first_name=_text(customer.get("first_name", ""), 256),
                      last_name=_text(customer.get("last_name", ""), 256),
                      company_name=_text(customer.get("company_name", ""), 256),
                      external_key=_text(customer.get("external_key", ""), 128))
    lines_in = data.get("lines", [])
    if type(lines_in) is not list or len(lines_in) > MAX_LINES:
        raise _Refer
    lines = [_line(position, line) for position, line in enumerate(lines_in, start=1)]
    shipments = None
    if data.get("shipments") is not None:
        shipments_in = data["shipments"]
        if type(shipments_in) is not list or len(shipments_in) > MAX_LINES:
            raise _Refer
        shipments, refs = [], set()
        for position, shipment in enumerate(shipments_in, start=1):
            _keys(shipment, _SHIPMENT_KEYS)
            shipped_at = _time(shipment.get("shipped_at"), latest)
            if shipped_at < created_at - SHIPPED_BEFORE_ORDER:
                raise _Refer
            ref_in = shipment.get("ref")
            if ref_in is not None:
                _text(ref_in, 64, 1)
                if ref_in in refs:
                    raise _Refer
                refs.add(ref_in)
            shipments.append(ShipmentData(ref=ref_in or str(position), shipped_at=shipped_at,
                                          tracking_number=_text(shipment.get("tracking_number", ""), 255),
                                          carrier=_text(shipment.get("carrier", ""), 128)))
        shipments = tuple(shipments)
    acquisition = Acquisition()
    if data.get("acquisition") is not None:
        tags = _keys(data["acquisition"], _ACQUISITION_KEYS)
        acquisition = Acquisition(**{name: _text(tags.get(name, ""), 255) for name in _ACQUISITION_KEYS})
    return OrderData(
        source=source, external_id=_text(data.get("external_id"), 64, 1), number=_text(data.get("number", ""), 64),
        sales_source=sales_source, channel=_text(data.get("channel"), 128, 1), currency=currency,
        created_at=created_at, status=_text(data.get("status", "fulfilled"), 32, 1), total_gross=total,
        total_net=total, refunded_amount=_money(data.get("refunded_amount", Decimal(0))), customer=ref,
        lines=tuple(lines), source_updated_at=created_at, acquisition=acquisition, shipments=shipments, raw=raw,
    )
