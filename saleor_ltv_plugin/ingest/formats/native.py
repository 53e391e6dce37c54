"""The project's own CSV columns (the REST API's field names), plus sales_source and customer_key,
the shipping date (shipped_at, tracking_number, carrier) and where the buyer came from (utm_source —
or acquisition_source — utm_medium, utm_campaign, voucher_code)."""

from .base import ACQUISITION_FIELDS, FIELDS, OrderFormat

COLUMNS = ("external_id", "created_at", "channel", "currency", "status", "total_gross", "refunded_amount",
           "email", "company_name", "first_name", "last_name", "user_id", "sku", "product_name",
           "quantity", "unit_price", "sales_source", "customer_key", "number", "phone",
           "shipped_at", "tracking_number", "carrier", *ACQUISITION_FIELDS)

FORMAT = OrderFormat(
    name="native", label="saleor-ltv CSV", sales_source="own_shop",
    signature=frozenset({"external_id", "created_at", "total_gross"}),
    columns={**{name: name for name in COLUMNS if name in FIELDS}, "acquisition_source": "utm_source"},
)
