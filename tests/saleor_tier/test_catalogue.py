"""Issue 19: inside Saleor the catalogue comes from Saleor's own products. A checkout's order names its
products' catalogue entries when its hook event is applied; `ltv_backfill --only catalogue` then holds
every variant with a SKU — the product's name (with the variant's where it says more), its category
path, slug and first channel's price — each checked against Saleor's tables read here with SQL."""

from decimal import Decimal

from . import saleor_env, storefront
from .conftest import apply_events

SAGA = """WITH RECURSIVE up(id, leaf, name, parent_id, depth) AS (
    SELECT id, id, name, parent_id, 0 FROM product_category
  UNION ALL
    SELECT c.id, up.leaf, c.name, c.parent_id, up.depth + 1 FROM product_category c JOIN up ON c.id = up.parent_id)
SELECT leaf, string_agg(name, '/' ORDER BY depth DESC) FROM up GROUP BY leaf"""


def saleor_products(db) -> dict[str, tuple]:
    """SKU → (name, category path, slug, price, currency), as Saleor holds them."""
    paths = dict(db.execute(SAGA).fetchall())
    rows = db.execute("""SELECT v.sku, p.name, v.name, p.category_id, p.slug,
          (SELECT l.price_amount FROM product_productvariantchannellisting l JOIN channel_channel c ON c.id = l.channel_id
           WHERE l.variant_id = v.id AND l.price_amount IS NOT NULL ORDER BY c.slug LIMIT 1),
          (SELECT l.currency FROM product_productvariantchannellisting l JOIN channel_channel c ON c.id = l.channel_id
           WHERE l.variant_id = v.id AND l.price_amount IS NOT NULL ORDER BY c.slug LIMIT 1)
        FROM product_productvariant v JOIN product_product p ON p.id = v.product_id
        WHERE v.sku IS NOT NULL AND v.sku <> ''""").fetchall()
    products = {}
    for sku, product, variant, category, slug, price, currency in rows:
        shown = f"{product} ({variant})" if variant and variant not in (product, sku) else product
        products[sku] = (shown, paths.get(category, ""), slug, price, currency if price is not None else "")
    return products


def catalogue(db) -> dict[str, tuple]:
    return {sku: rest for sku, *rest in db.execute(
        "SELECT sku, name, category, slug, price, currency FROM saleor_ltv_plugin_catalogueproduct").fetchall()}


def test_a_sold_product_is_catalogued_at_once_and_the_backfill_catalogues_them_all(saleor_url, variants, db, unique):
    db.execute("DELETE FROM saleor_ltv_plugin_catalogueproduct")
    expected = saleor_products(db)
    order = storefront.complete_checkout(saleor_url, f"cat-{unique}@example.com", f"Catalogue {unique}",
                                         [(variants[0]["id"], 1)])
    apply_events()
    sku = order["lines"][0]["productSku"]
    name, category, slug, _, _ = expected[sku]
    assert catalogue(db)[sku] == [name, category, slug, None, ""]  # no price from an order: the listing's is the sync's

    saleor_env.django_admin("ltv_backfill", "--only", "catalogue")
    stored = catalogue(db)
    assert set(stored) == set(expected)
    assert {s: tuple(v) for s, v in stored.items()} == {
        s: (n, c, sl, Decimal(p).quantize(Decimal("0.001")) if p is not None else None, cur)
        for s, (n, c, sl, p, cur) in expected.items()}
    assert db.execute("SELECT count(*) FROM saleor_ltv_plugin_catalogueproduct WHERE source = 'saleor'").fetchone()[0] \
        == len(expected)
