"""JSON payload ↔ fact dataclasses, for events kept in the inbound log."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .facts import (
    Acquisition, CheckoutData, CustomerData, CustomerRef, OrderData, OrderLineData, PostalAddress, ProductData,
    ShipmentData, ShipmentLine, to_jsonable,
)


def _dt(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def customer_from_json(data: dict) -> CustomerRef:
    return CustomerRef(
        user_id=data.get("user_id"),
        email=data.get("email") or "",
        first_name=data.get("first_name") or "",
        last_name=data.get("last_name") or "",
        company_name=data.get("company_name") or "",
        language_code=data.get("language_code") or "",
        metadata=dict(data.get("metadata") or {}),
        company_confirmed=data.get("company_confirmed"),
        phone=data.get("phone") or "",
        address=PostalAddress(**data["address"]) if data.get("address") else None,
        line_user_id=data.get("line_user_id") or "",
        birthday=date.fromisoformat(data["birthday"]) if data.get("birthday") else None,
        external_key=data.get("external_key") or "",
    )


def order_from_json(data: dict) -> OrderData:
    return OrderData(
        source=data["source"],
        external_id=data["external_id"],
        channel=data["channel"],
        currency=data["currency"],
        created_at=_dt(data["created_at"]),
        status=data["status"],
        total_gross=Decimal(data["total_gross"]),
        total_net=Decimal(data["total_net"]),
        customer=customer_from_json(data.get("customer") or {}),
        lines=tuple(
            OrderLineData(
                line_ref=line["line_ref"],
                sku=line.get("sku") or "",
                quantity=int(line["quantity"]),
                unit_price=Decimal(line["unit_price"]),
                amount=Decimal(line["amount"]),
                product_name=line.get("product_name") or "",
                product_id=line.get("product_id") or "",
                variant_id=line.get("variant_id") or "",
                variant_name=line.get("variant_name") or "",
                product_slug=line.get("product_slug") or "",
                image_url=line.get("image_url") or "",
            )
            for line in data.get("lines") or ()
        ),
        refunded_amount=Decimal(data.get("refunded_amount") or 0),
        number=data.get("number") or "",
        sales_source=data.get("sales_source") or "own_shop",
        checkout_token=data.get("checkout_token") or "",
        source_updated_at=_dt(data.get("source_updated_at")),
        raw=data.get("raw") or {},
        acquisition=Acquisition(**(data.get("acquisition") or {})),
        shipments=None if data.get("shipments") is None else tuple(
            ShipmentData(ref=s["ref"], shipped_at=_dt(s["shipped_at"]), tracking_number=s.get("tracking_number") or "",
                         carrier=s.get("carrier") or "", lines=tuple(ShipmentLine(**line) for line in s.get("lines") or ()))
            for s in data["shipments"]),
    )


def checkout_from_json(data: dict) -> CheckoutData:
    return CheckoutData(
        source=data["source"],
        token=data["token"],
        channel=data["channel"],
        currency=data["currency"],
        last_change=_dt(data["last_change"]),
        customer=customer_from_json(data.get("customer") or {}),
        total_gross=Decimal(data.get("total_gross") or 0),
        lines=tuple(data.get("lines") or ()),
    )


def products_from_json(data: list[dict]) -> list[ProductData]:
    """[ProductData as JSON, …]"""
    return [ProductData(**{**p, "price": Decimal(p["price"]) if p.get("price") not in (None, "") else None})
            for p in data]


def customer_data_from_json(data: dict) -> CustomerData:
    return CustomerData(
        source=data["source"],
        customer=customer_from_json(data.get("customer") or {}),
        is_active=bool(data.get("is_active", True)),
        registered_at=_dt(data.get("registered_at")),
        marketing_consent=data.get("marketing_consent"),
    )


__all__ = [
    "checkout_from_json",
    "customer_data_from_json",
    "order_from_json",
    "products_from_json",
    "to_jsonable",
]
