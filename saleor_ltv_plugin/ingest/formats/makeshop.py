"""MakeShop order download (注文データ CSV): one row per ordered item, Shift_JIS.

Column names after MakeShop's order download template (注文番号, 注文日時, 会員ID, 注文者名 …);
the shop's own members, so 会員ID keys a registered buyer and the e-mail is real.
"""

from .base import OrderFormat, cancelled_when


FORMAT = OrderFormat(
    name="makeshop", label="MakeShop 注文データ", sales_source="makeshop",
    signature=frozenset({"注文番号", "会員ID", "注文日時"}),
    columns={
        "注文番号": "external_id", "注文日時": "created_at", "注文状態": "status", "会員ID": "customer_key",
        "注文者名": "full_name", "注文者メールアドレス": "email", "注文者電話番号": "phone", "注文者会社名": "company_name",
        "合計金額": "total_gross", "商品コード": "sku", "独自商品コード": "sku", "商品名": "product_name",
        "販売価格": "unit_price", "数量": "quantity",
    },
    status=cancelled_when("キャンセル"), timezone="Asia/Tokyo",
)
