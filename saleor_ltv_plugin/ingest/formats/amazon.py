"""Amazon Seller Central order report (tab-separated; 注文レポート / All Orders report).

Columns as Amazon's order reports attributes page names them (order-id or amazon-order-id,
purchase-date in ISO 8601 with offset, buyer-email, sku, quantity-purchased, item-price …).
item-price is the line's total; the order total is the lines plus shipping-price. The buyer's
address is Amazon's per-buyer relay (…@marketplace.amazon.co.jp): it keys the buyer and is
kept in raw only (Amazon forbids marketing mail to it). The Fulfilled Shipments report has the
same columns plus shipment-date, carrier and tracking-number: the order's shipment.
"""

from .base import OrderFormat, hashed_key
from .values import clean


def _status(first: dict, rows: list[dict]) -> str:
    items = [clean(r.get("item_status")).lower() for r in rows]
    if "cancel" in clean(first.get("status")).lower() or (all(items) and all("cancel" in i for i in items)):
        return "canceled"
    return "fulfilled"


def _buyer(row: dict) -> str:
    return hashed_key("amazon", row["email"]) if clean(row.get("email")) else ""


FORMAT = OrderFormat(
    name="amazon", label="Amazon セラーセントラル 注文レポート", sales_source="amazon",
    signature=frozenset({"purchase-date", "sku"}),
    columns={
        "order-id": "external_id", "amazon-order-id": "external_id", "purchase-date": "created_at",
        "order-status": "status", "item-status": "item_status", "buyer-email": "email", "buyer-name": "full_name",
        "buyer-phone-number": "phone", "currency": "currency", "sku": "sku", "product-name": "product_name",
        "quantity-purchased": "quantity", "quantity": "quantity", "item-price": "line_amount",
        "shipping-price": "shipping", "bill-company": "company_name",
        # the Amazon Fulfilled Shipments report's columns
        "shipment-date": "shipped_at", "tracking-number": "tracking_number", "carrier": "carrier",
        "quantity-shipped": "quantity",
    },
    status=_status, customer_key=_buyer, masked_email=True, total_from_lines=True, timezone="Asia/Tokyo",
)
