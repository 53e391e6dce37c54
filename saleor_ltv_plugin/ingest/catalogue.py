"""The product catalogue: SKU → name, category, price, picture, page (REST batch or file).

What mails (automation/mail_items.py) and Dashboard tables show where an order line or a cart
carries only a SKU. Storing the same list again changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from django.db import transaction
from django.utils import timezone

from ..models import CatalogueProduct
from .orders import OrderCounts as ProductCounts  # the same three counts, per product (by SKU)
from .facts import ProductData

FIELDS = ("name", "category", "price", "currency", "image_url", "product_url", "slug", "source")


@transaction.atomic
def store_products(batch: Sequence[ProductData], merge: bool = False) -> ProductCounts:
    """Upsert by SKU; the last entry of a SKU in the batch wins. `merge`: an empty value (None, "") keeps
    the stored one — what an order line tells of its product is only part of the catalogue entry."""
    wanted = {product.sku: product for product in batch}
    stored = {p.sku: p for p in CatalogueProduct.objects.select_for_update().filter(sku__in=list(wanted))
              .order_by("sku")}
    new, changed = [], []
    for sku, product in wanted.items():
        values = {name: value for name, value in asdict(product).items() if name in FIELDS}
        row = stored.get(sku)
        if row is None:
            new.append(CatalogueProduct(sku=sku, **values))
            continue
        if merge:
            values = {name: value for name, value in values.items() if value not in (None, "")}
        if all(getattr(row, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = timezone.now()  # bulk_update skips auto_now
        changed.append(row)
    CatalogueProduct.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        CatalogueProduct.objects.bulk_update(changed, [*FIELDS, "updated_at"], batch_size=500)
    return ProductCounts(len(new), len(changed), len(wanted) - len(new) - len(changed))


def catalogue_facts(skus) -> dict[str, dict]:
    """SKU → {"name", "category", "unit_price", "currency", "image_url", "url", "slug"} (one query)."""
    rows = CatalogueProduct.objects.filter(sku__in=[s for s in skus if s]).values_list(
        "sku", "name", "category", "price", "currency", "image_url", "product_url", "slug")
    return {sku: {"name": name, "category": category, "unit_price": price, "currency": currency,
                  "image_url": image, "url": url, "slug": slug}
            for sku, name, category, price, currency, image, url, slug in rows}
