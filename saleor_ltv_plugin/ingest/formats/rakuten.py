"""Rakuten RMS order CSV (受注データ / 通常購入データ): one row per ordered item, Shift_JIS.

Columns as the RMS download templates name them; 注文日時 or 注文日 + 注文時間 (older files).
Buyers' addresses are per-order relays (…@fw.rakuten.ne.jp): a buyer is keyed by name and
telephone number, as RMS-fed CRM tools match them, and the relay is kept in raw only. 発送日,
お荷物伝票番号 and 配送会社 (filled once the shop reported the shipment) make the order's shipment.
"""

from .base import OrderFormat, cancelled_when, hashed_key
from .values import clean


def _buyer(row: dict) -> str:
    name = f"{clean(row.get('last_name'))}{clean(row.get('first_name'))}"
    phone = clean(row.get("phone"))
    if name and phone:
        return hashed_key("rakuten", name, phone)
    return ""  # no stable identity: the order stays an anonymous one-off


FORMAT = OrderFormat(
    name="rakuten", label="楽天市場 RMS 受注CSV", sales_source="rakuten",
    signature=frozenset({"受注番号", "商品名"}),
    columns={
        "受注番号": "external_id", "受注ステータス": "status", "注文日時": "created_at", "注文日": "created_date",
        "注文時間": "created_time", "合計金額": "total_gross", "請求金額": "total_gross", "送料": "shipping",
        "注文者名字": "last_name", "注文者名前": "first_name", "注文者メールアドレス": "email",
        "メールアドレス": "email", "注文者電話番号": "phone", "注文者会社名": "company_name",
        "商品番号": "sku", "商品管理番号": "sku", "商品名": "product_name", "単価": "unit_price", "個数": "quantity",
        "発送日": "shipped_at", "お荷物伝票番号": "tracking_number", "配送会社": "carrier",
    },
    status=cancelled_when("キャンセル", "cancel"), customer_key=_buyer, masked_email=True, timezone="Asia/Tokyo",
)
