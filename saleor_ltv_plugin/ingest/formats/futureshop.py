"""futureshop order export (受注データ出力): one row per ordered item, Shift_JIS.

Column names after futureshop's 受注データ output format (受注コード, 受注日時, 会員ID …); the
shop's own members, keyed by 会員ID where they have one.
"""

from .base import OrderFormat, cancelled_when


FORMAT = OrderFormat(
    name="futureshop", label="futureshop 受注データ", sales_source="futureshop",
    signature=frozenset({"受注コード", "受注日時"}),
    columns={
        "受注コード": "external_id", "受注日時": "created_at", "受注ステータス": "status", "会員ID": "customer_key",
        "注文者氏名": "full_name", "注文者メールアドレス": "email", "注文者電話番号": "phone",
        "注文者会社名": "company_name", "総合計金額": "total_gross", "合計金額": "total_gross",
        "商品番号": "sku", "商品名": "product_name", "単価": "unit_price", "数量": "quantity",
    },
    status=cancelled_when("キャンセル"), timezone="Asia/Tokyo",
)
