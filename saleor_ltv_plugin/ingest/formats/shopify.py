"""Shopify order export (注文をエクスポート): one row per line item, the order's fields on its first row.

Columns as Shopify's export writes them: Name (#1001), Email, Financial Status, Created at
(2024-04-01 12:34:56 +0900), Currency, Total, Refunded Amount, Cancelled at, Fulfilled at (the
order's shipment), Lineitem … .
A Shopify shop is the merchant's own shop, so the buyer's e-mail is real and keys them.
"""

from .base import OrderFormat
from .values import clean


def _status(first: dict, rows: list[dict]) -> str:
    if clean(first.get("cancelled_at")) or clean(first.get("status")).lower() == "voided":
        return "canceled"
    return "fulfilled"


FORMAT = OrderFormat(
    name="shopify", label="Shopify 注文エクスポート", sales_source="shopify",
    signature=frozenset({"Name", "Created at", "Lineitem name"}),
    columns={
        "Name": "external_id", "Email": "email", "Financial Status": "status", "Created at": "created_at",
        "Currency": "currency", "Total": "total_gross", "Refunded Amount": "refunded_amount",
        "Cancelled at": "cancelled_at", "Billing Name": "full_name", "Billing Company": "company_name",
        "Billing Phone": "phone", "Lineitem quantity": "quantity", "Lineitem name": "product_name",
        "Lineitem price": "unit_price", "Lineitem sku": "sku", "Fulfilled at": "shipped_at",
    },
    status=_status,
)
