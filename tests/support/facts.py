"""Builders of the normalised facts ingest takes (OrderData, CheckoutData), with defaults a test
overrides only where its assertion depends on the value."""

from datetime import datetime, timezone
from decimal import Decimal

from saleor_ltv_plugin.ingest.facts import CheckoutData, CustomerRef, OrderData, OrderLineData


def make_order(
    external_id="o-1",
    *,
    company="株式会社山田製作所",
    email="taro@yamada.example",
    user_id=None,
    created_at=datetime(2026, 1, 10, 3, 0, tzinfo=timezone.utc),
    status="fulfilled",
    gross="11000",
    refunded="0",
    lines=None,
    channel="default-channel",
    currency="JPY",
    updated_at=None,
    checkout_token="",
    source="rest",
) -> OrderData:
    if lines is None:
        lines = [("l1", "SKU-TONER", 2, "5500")]
    return OrderData(
        source=source,
        external_id=external_id,
        channel=channel,
        currency=currency,
        created_at=created_at,
        status=status,
        total_gross=Decimal(gross),
        total_net=(Decimal(gross) / Decimal("1.1")).quantize(Decimal(1)),
        refunded_amount=Decimal(refunded),
        customer=CustomerRef(user_id=user_id, email=email, company_name=company),
        lines=tuple(
            OrderLineData(
                line_ref=ref, sku=sku, quantity=qty, unit_price=Decimal(price),
                amount=Decimal(price) * qty, product_name=sku,
            )
            for ref, sku, qty, price in lines
        ),
        source_updated_at=updated_at or created_at,
        checkout_token=checkout_token,
    )


def make_checkout(
    token="tok-1",
    *,
    email="buyer@x.example",
    company="",
    last_change=datetime(2026, 1, 10, 3, 0, tzinfo=timezone.utc),
    gross="3000",
    lines=({"sku": "S0", "quantity": 1, "amount": "3000"},),
    channel="default-channel",
    currency="JPY",
    source="rest",
) -> CheckoutData:
    return CheckoutData(
        source=source, token=token, channel=channel, currency=currency, last_change=last_change,
        customer=CustomerRef(email=email, company_name=company), total_gross=Decimal(gross), lines=tuple(lines),
    )
