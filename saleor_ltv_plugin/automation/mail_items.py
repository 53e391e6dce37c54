"""The items a buyer mail lists, whatever the trigger stored: name, image, price, link.

Checkout lines carry `product_name` and a line `amount`; reorder and cross-sell items carry
a SKU (and sometimes a name); browse items only a SKU. Whatever is missing is filled from
the shop's latest order line for that SKU in the channel, so a name shows wherever the shop
ever had one, and the SKU only where it never did.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db.models import Max

from ..models import OrderLineFact
from .money import format_money

MAX_ITEMS = 20


def product_facts(skus, channel: str | None = None) -> dict[str, dict]:
    """SKU → {"name", "unit_price", "currency"} of its latest named order line (two queries)."""
    lines = OrderLineFact.objects.filter(sku__in=[s for s in skus if s]).exclude(product_name="")
    if channel:
        lines = lines.filter(order__channel=channel)
    latest = lines.values("sku").annotate(last=Max("id")).values_list("last", flat=True)
    rows = OrderLineFact.objects.filter(id__in=list(latest)).values_list(
        "sku", "product_name", "unit_price", "order__currency")
    return {sku: {"name": name, "unit_price": price, "currency": currency} for sku, name, price, currency in rows}


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def mail_items(context: dict, channel: str, currency: str, fallback_url: str) -> list[dict]:
    """Display-ready items: name, sku, quantity, unit_price, line_total (formatted), recent_price, image_url, url."""
    raw = [i for i in (context.get("lines") or context.get("items") or []) if isinstance(i, dict)][:MAX_ITEMS]
    known = product_facts({str(i.get("sku") or "") for i in raw}, channel)
    items = []
    for item in raw:
        sku = str(item.get("sku") or "")
        fact = known.get(sku, {})
        name = item.get("product_name") or (item.get("name") if item.get("name") != sku else "") or fact.get("name")
        money = currency or fact.get("currency", "")
        quantity = item.get("quantity") or None
        unit = _decimal(item.get("unit_price"))
        total = _decimal(item.get("amount"))
        if unit is None and total is not None and quantity:
            unit = total / Decimal(quantity)
        recent_price = unit is None and fact.get("currency") == money and fact.get("unit_price") is not None
        if recent_price:
            unit = fact["unit_price"]  # a recent price paid in the channel, not a quote: the mail says so
        if total is None and unit is not None and quantity:
            total = unit * quantity
        items.append({
            "name": name or sku, "sku": sku if name else "", "quantity": quantity,
            "unit_price": format_money(unit, money) if unit is not None else "",
            "line_total": format_money(total, money) if total is not None and quantity and quantity > 1 else "",
            "image_url": item.get("image_url") or item.get("thumbnail_url") or "",
            "url": item.get("url") or item.get("product_url") or fallback_url,
            "due_on": item.get("due_on") or "", "recent_price": recent_price,
        })
    return items
