"""A catalogue file (CSV/TSV, UTF-8 ±BOM or Shift_JIS) → ProductIn-shaped dicts.

Columns by their English or Japanese names: SKU (商品コード, 商品番号, 品番), 商品名, カテゴリ,
価格 (¥/円, commas and full-width digits read), 画像URL, 商品URL.
"""

from __future__ import annotations

from .base import RowProblem
from .records import Records, read_records
from .values import ValueProblem, clean, parse_amount

COLUMNS: dict[str, tuple[str, ...]] = {
    "sku": ("SKU", "商品コード", "商品番号", "品番", "商品管理番号", "product code", "item code"),
    "name": ("商品名", "品名", "product name", "item name", "title"),
    "category": ("カテゴリ", "カテゴリー", "商品カテゴリ", "分類", "category", "product type"),
    "price": ("価格", "販売価格", "単価", "売価", "price", "unit price"),
    "currency": ("通貨", "currency"),
    "image_url": ("画像URL", "商品画像URL", "画像", "image", "image url", "image src"),
    "product_url": ("商品URL", "商品ページURL", "URL", "product url", "page url", "link"),
}
FIELD_JA = {"sku": "SKU(商品コード)", "name": "商品名", "category": "カテゴリ", "price": "価格", "currency": "通貨",
            "image_url": "画像URL", "product_url": "商品URL", "row": "行", "file": "ファイル"}


def read_products(data: bytes) -> tuple[Records, list[tuple[int, dict]], list[RowProblem]]:
    records = read_records(data, COLUMNS, ("sku",), "product catalogue", "商品マスタ")
    rows, problems = [], [RowProblem(line, "row", "this row has a different number of fields than the header",
                                     "この行の項目数が見出し行と違います") for line in records.ragged]
    for line, cells, _ in records.rows:
        row = {name: clean(cells.get(name)) if name in ("sku", "currency") else cells.get(name, "")
               for name in COLUMNS if name != "price"}
        row["currency"] = row["currency"].upper()
        if cells.get("price"):
            try:
                row["price"] = parse_amount(cells["price"])
            except ValueProblem as exc:
                problems.append(RowProblem(line, "price", exc.en, f"{FIELD_JA['price']}: {exc.ja}"))
                continue
        rows.append((line, row))
    return records, rows, problems
