"""The items a buyer mail lists, whatever the trigger stored: name, image, price, link.

Checkout lines carry `product_name`, `unit_price`, a line `amount` and (from Saleor) the variant's
name, the product's slug and an image; reorder and cross-sell items carry a SKU (and sometimes a
name); browse items only a SKU. Whatever is missing is filled from the shop's latest order line for
that SKU in the channel, so a name and a picture show wherever the shop ever had one, and the SKU
only where it never did; the shop's catalogue (ingest/catalogue.py) fills in what no order line had. An item links to its product page when the channel has a
`product_url_template` ({slug}, {sku}) and the item has what it needs, else to the cart or the shop.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.db import DatabaseError
from django.db.models import Max

from ..ingest.catalogue import catalogue_facts
from ..models import OrderLineFact
from .money import format_money

MAX_ITEMS = 20
logger = logging.getLogger(__name__)


# A send run's batch asks for its messages' SKUs at once (prefetched); product_facts answers from it.
_prefetched: ContextVar[dict[str | None, tuple[set[str], dict[str, dict]]] | None] = ContextVar(
    "ltv_prefetched_product_facts", default=None)


def item_skus(context: dict) -> set[str]:
    """The SKUs of the items a message's trigger stored (what mail_items will list)."""
    return {str(i.get("sku") or "") for i in _raw_items(context)} - {""}


def _raw_items(context: dict) -> list[dict]:
    return [i for i in (context.get("lines") or context.get("items") or []) if isinstance(i, dict)][:MAX_ITEMS]


@contextmanager
def prefetched(wanted: Iterable[tuple[str | None, set[str]]]):
    """Within the block, product_facts for any of these (channel, SKUs) is answered from one lookup
    per channel instead of queries per message."""
    by_channel: dict[str | None, set[str]] = defaultdict(set)
    for channel, skus in wanted:
        by_channel[channel] |= skus
    try:
        ready = {channel: (skus, _lookup(skus, channel)) for channel, skus in by_channel.items() if skus}
    except DatabaseError:  # each message then looks its items up itself, and fails alone if it must
        logger.warning("ltv mail items: the batch's lookup failed", exc_info=True)
        ready = {}
    token = _prefetched.set(ready)
    try:
        yield
    finally:
        _prefetched.reset(token)


def product_facts(skus, channel: str | None = None) -> dict[str, dict]:
    """SKU → {"name", "unit_price", "currency", "variant_name", "slug", "image_url"} of its latest named
    order line (three queries; none for no SKU — a churn mail lists no items — or a prefetched batch)."""
    skus = {s for s in skus if s}
    if not skus:
        return {}
    ready = (_prefetched.get() or {}).get(channel)
    if ready is not None and skus <= ready[0]:
        return {sku: fact for sku, fact in ready[1].items() if sku in skus}
    return _lookup(skus, channel)


def _lookup(skus: set[str], channel: str | None) -> dict[str, dict]:
    lines = OrderLineFact.objects.filter(sku__in=skus).exclude(product_name="")
    if channel:
        lines = lines.filter(order__channel=channel)
    latest = lines.values("sku").annotate(last=Max("id")).values_list("last", flat=True)
    rows = OrderLineFact.objects.filter(id__in=list(latest)).values_list(
        "sku", "product_name", "unit_price", "order__currency", "variant_name", "product_slug", "image_url")
    facts = {sku: {"name": name, "unit_price": price, "currency": currency, "variant_name": variant,
                   "slug": slug, "image_url": image}
             for sku, name, price, currency, variant, slug, image in rows}
    return _with_catalogue(facts, skus)


def _with_catalogue(facts: dict[str, dict], skus) -> dict[str, dict]:
    """The catalogue fills in what no order line had: a name, a picture, a price, the product page."""
    catalogue = catalogue_facts(skus)
    for sku, entry in catalogue.items():
        fact = facts.setdefault(sku, {"name": "", "unit_price": None, "currency": "", "variant_name": "",
                                      "slug": "", "image_url": ""})
        fact["name"] = fact["name"] or entry["name"]
        fact["image_url"] = fact["image_url"] or entry["image_url"]
        fact["slug"] = fact["slug"] or entry["slug"]  # Saleor's catalogue: the channel's template links it
        fact["url"] = entry["url"]
        if fact["unit_price"] is None and entry["unit_price"] is not None and entry["currency"]:
            fact["unit_price"], fact["currency"] = entry["unit_price"], entry["currency"]
    return facts


def product_url(template: str, slug: str, sku: str) -> str:
    """The template filled from the item, or "" when it asks for something the item lacks."""
    values = {"slug": slug, "sku": sku}
    needed = set(re.findall(r"\{(\w+)\}", template))
    if not template or not needed <= {k for k, v in values.items() if v}:
        return ""
    return re.sub(r"\{(\w+)\}", lambda m: quote(values[m.group(1)], safe=""), template)


def _display_name(product: str, variant: str, sku: str) -> str:
    """"コピー用紙 A4 (500枚×5冊)": the variant's name only where it says more than the product's or the SKU."""
    if variant and variant not in (product, sku) and product:
        return f"{product} ({variant})"
    return product


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def mail_items(context: dict, channel: str, currency: str, fallback_url: str,
               product_url_template: str = "") -> list[dict]:
    """Display-ready items: name, sku, quantity, unit_price, line_total (formatted), recent_price, image_url, url."""
    raw = _raw_items(context)
    known = product_facts({str(i.get("sku") or "") for i in raw}, channel)
    items = []
    for item in raw:
        sku = str(item.get("sku") or "")
        fact = known.get(sku, {})
        own_name = item.get("product_name") or (item.get("name") if item.get("name") != sku else "")
        name = _display_name(own_name or fact.get("name") or "",
                             item.get("variant_name") or ("" if own_name else fact.get("variant_name", "")), sku)
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
            "image_url": item.get("image_url") or item.get("thumbnail_url") or fact.get("image_url") or "",
            "url": (item.get("url") or item.get("product_url") or fact.get("url")
                    or product_url(product_url_template, item.get("product_slug") or fact.get("slug") or "", sku)
                    or fallback_url),
            "due_on": item.get("due_on") or "", "recent_price": recent_price,
        })
    return items
