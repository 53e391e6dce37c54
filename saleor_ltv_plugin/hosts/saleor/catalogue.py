"""Saleor's products as catalogue entries (ingest/catalogue.py), for both hosts: what a SKU's mail item
and table row show — the product's name with its variant's, the category path, a picture, the slug the
channel's product_url_template links, a listing price."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ...ingest.facts import ProductData
from ...models import Source

MAX_CATEGORY = 255


def display_name(product: str, variant: str, sku: str) -> str:
    """"コピー用紙 A4 (500枚×5冊)": the variant's name only where it says more than the product's or the SKU."""
    product, variant = product.strip(), variant.strip()
    if variant and variant not in (product, sku) and product:
        return f"{product} ({variant})"
    return product


def category_path(names: Iterable[str]) -> str:
    """Root first: 文具/コピー用紙 (a name's own "/" kept as written)."""
    return "/".join(n.strip() for n in names if n and n.strip())[:MAX_CATEGORY]


def listing_price(listings: Iterable[tuple[str, Decimal | None, str]]) -> tuple[Decimal | None, str]:
    """(price, currency) of the first channel, by slug, that lists a price; (None, "") when none does."""
    for _, amount, currency in sorted((l for l in listings if l[1] is not None), key=lambda l: l[0]):
        return amount, currency or ""
    return None, ""


def entry(*, sku: str, product: str, variant: str = "", categories: Iterable[str] = (), image_url: str = "",
          slug: str = "", price: Decimal | None = None, currency: str = "") -> ProductData | None:
    """None for a variant without a SKU or a name: the catalogue is keyed by SKU and shows a name."""
    sku = (sku or "").strip()
    name = display_name(product or "", variant or "", sku)
    if not sku or not name:
        return None
    return ProductData(sku=sku[:255], name=name[:386], category=category_path(categories), price=price,
                       currency=currency if price is not None else "", image_url=image_url[:2048],
                       slug=(slug or "")[:255], source=Source.SALEOR)
