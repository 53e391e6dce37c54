"""Yahoo!ショッピング order CSV (ストアクリエイターPro の注文データ): Order and Item fields on one
row per item, as its download template writes them when both are chosen (OrderId joins them).

Field names as the order API and its CSV name them: OrderId, OrderTime, OrderStatus,
BillLastName, BillFirstName, BillMailAddress, BillPhoneNumber, TotalPrice; ItemId, Title,
UnitPrice, Quantity; ShipDate (発送日), ShipInvoiceNumber1 (伝票番号) and ShipCompanyCode make the
order's shipment. A buyer is keyed by name and telephone number; the address (often a
relay) is kept in raw only.
"""

from .base import OrderFormat, cancelled_when, hashed_key
from .values import clean


def _buyer(row: dict) -> str:
    name = f"{clean(row.get('last_name'))}{clean(row.get('first_name'))}"
    return hashed_key("yahoo", name, clean(row.get("phone"))) if name and clean(row.get("phone")) else ""


FORMAT = OrderFormat(
    name="yahoo", label="Yahoo!ショッピング 注文データ", sales_source="yahoo",
    signature=frozenset({"OrderId", "OrderTime"}),
    columns={
        "OrderId": "external_id", "OrderTime": "created_at", "OrderStatus": "status", "TotalPrice": "total_gross",
        "BillLastName": "last_name", "BillFirstName": "first_name", "BillMailAddress": "email",
        "BillPhoneNumber": "phone", "BillCompanyName": "company_name", "ItemId": "sku", "SubCode": "sku",
        "Title": "product_name", "UnitPrice": "unit_price", "Quantity": "quantity", "ShipCharge": "shipping",
        "ShipDate": "shipped_at", "ShipInvoiceNumber1": "tracking_number", "ShipCompanyCode": "carrier",
    },
    # OrderStatus 4 is キャンセル in Yahoo's order API.
    status=cancelled_when("キャンセル", codes=("4",)), customer_key=_buyer, masked_email=True, timezone="Asia/Tokyo",
)
