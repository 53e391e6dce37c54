"""Saleor's products → the catalogue, from its ORM (imports Saleor lazily): every variant with a SKU,
named as a mail shows it, with its category path, first picture, slug and listing price.

`sync_catalogue` walks the variants (all, or those changed since a moment: reconcile's window) in
keyset batches; `catalogue_of_lines` reads what an order's or a cart's lines already hold, when the
hook's event is applied, so a product sold for the first time has its entry at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db.models import Q

from ... import db
from ...ingest.catalogue import store_products
from ...ingest.facts import ProductData
from ..saleor.catalogue import entry, listing_price
from .mapping import image_url, product_image


class CategoryPaths:
    """Category id → its names root first, from one query (a shop has hundreds of categories, not millions)."""

    def __init__(self):
        from saleor.product.models import Category

        self.rows = {pk: (name, parent) for pk, name, parent in Category.objects.values_list("pk", "name", "parent_id")}

    @classmethod
    def recent(cls, max_age: float = 300.0) -> "CategoryPaths":
        """One read shared by the events applied within `max_age` seconds (a renamed category shows soon)."""
        global _recent
        if _recent is None or time.monotonic() - _recent[0] > max_age:
            _recent = (time.monotonic(), cls())
        return _recent[1]

    def names(self, pk) -> list[str]:
        names, seen = [], set()
        while pk is not None and pk in self.rows and pk not in seen:
            seen.add(pk)
            name, pk = self.rows[pk]
            names.append(name)
        return names[::-1]


_recent: tuple[float, CategoryPaths] | None = None


def variant_entry(variant, paths: CategoryPaths, with_price: bool = True) -> ProductData | None:
    product = variant.product
    price, currency = listing_price(
        (listing.channel.slug, listing.price_amount, listing.currency) for listing in variant.channel_listings.all()
    ) if with_price else (None, "")
    return entry(sku=variant.sku or "", product=product.name or "", variant=variant.name or "",
                 categories=paths.names(product.category_id), image_url=image_url(product_image(variant)),
                 slug=product.slug or "", price=price, currency=currency)


def variant_queryset():
    from saleor.product.models import ProductVariant

    return (ProductVariant.objects.exclude(sku__isnull=True).exclude(sku="").select_related("product")
            .prefetch_related("media", "product__media", "channel_listings__channel"))


def sync_catalogue(since: datetime | None = None, batch_size: int = 500,
                   progress: Callable[[int, str], None] | None = None) -> int:
    """Store every variant with a SKU (changed since `since`, if given); returns the entries written."""
    queryset = variant_queryset()
    if since is not None:
        queryset = queryset.filter(Q(updated_at__gte=since) | Q(product__updated_at__gte=since))
    paths, written, after = CategoryPaths(), 0, None
    while True:
        page = queryset.order_by("pk")
        rows = list((page.filter(pk__gt=after) if after is not None else page)[:batch_size])
        if not rows:
            return written
        after = rows[-1].pk
        batch = [e for e in (variant_entry(v, paths) for v in rows) if e is not None]
        with db.writer():
            written += store_products(batch).written
        if progress:
            progress(len(rows), str(after))


def catalogue_of_lines(lines: Iterable) -> list[ProductData]:
    """The entries an order's or a cart's lines name (their variants, already fetched with them); no price:
    the listing's is the sync's, and an order's price is not the catalogue's."""
    variants = {line.variant_id: line.variant for line in lines if line.variant_id and line.variant is not None}
    if not variants:
        return []
    paths = CategoryPaths.recent()
    return [e for e in (variant_entry(v, paths, with_price=False) for v in variants.values()) if e is not None]


def count_variants() -> int:
    return variant_queryset().count()
