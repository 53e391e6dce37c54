"""Order files recognised by their header: mall and cart exports, our own CSV, saved mappings.

    read_orders(data, ctx, format=None, mapping=None) → FileRead

Each format is a small module describing its columns (base.OrderFormat); this package decodes
the bytes (text.py), finds the format, and turns rows into OrderIn-shaped dicts (base.py).
Storing them is the caller's: the same validation and batch path as REST JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import amazon, futureshop, makeshop, native, rakuten, shopify, yahoo
from .base import Context, OrderFormat, Parsed
from .mapping import MappingProblem, mapping_format
from .text import FileProblem, decode, read_table

# Most specific first: the first whose signature the header holds wins.
FORMATS: dict[str, OrderFormat] = {f.name: f for f in (
    native.FORMAT, amazon.FORMAT, shopify.FORMAT, yahoo.FORMAT, futureshop.FORMAT, makeshop.FORMAT, rakuten.FORMAT)}

__all__ = ["FORMATS", "Context", "FileProblem", "FileRead", "MappingProblem", "detect", "read_orders"]


@dataclass
class FileRead:
    format: str
    encoding: str
    delimiter: str
    header: list[str]
    rows: int
    parsed: Parsed


def detect(header: list[str]) -> OrderFormat | None:
    return next((f for f in FORMATS.values() if f.matches(header)), None)


def read_orders(data: bytes, ctx: Context, *, format: str | None = None, mapping=None) -> FileRead:
    """`mapping`: a ColumnMapping (its encoding, delimiter, date format and columns are used)."""
    encoding = getattr(mapping, "encoding", "auto") or "auto"
    text, found = decode(data, encoding)
    table = read_table(text, getattr(mapping, "delimiter", "auto") or "auto")
    table.encoding = found
    if mapping is not None:
        fmt = mapping_format(mapping.name, mapping.columns, mapping.sales_source)
        ctx = Context(ctx.channel, mapping.currency or ctx.currency, ctx.tz, mapping.date_format or ctx.date_format)
        missing = sorted(fmt.signature - set(table.header))
        if missing:
            raise FileProblem(1, f"the file has no column(s) {', '.join(missing)} named by mapping {mapping.name!r}",
                              f"マッピング {mapping.name!r} の列 {', '.join(missing)} がファイルにありません")
    elif format:
        fmt = FORMATS.get(format)
        if fmt is None:
            raise FileProblem(1, f"unknown format {format!r}; known: {', '.join(FORMATS)}",
                              f"形式 {format!r} はありません(使える形式: {', '.join(FORMATS)})")
        missing = sorted(fmt.signature - set(table.header))
        if missing:
            raise FileProblem(1, f"not a {fmt.name} file: no column(s) {', '.join(missing)}",
                              f"{fmt.label} ではありません(列 {', '.join(missing)} がありません)")
    else:
        fmt = detect(table.header)
        if fmt is None:
            raise FileProblem(1, "the header matches no known order format (Rakuten, Amazon, Yahoo!, Shopify, "
                                 "MakeShop, futureshop, saleor-ltv CSV); save a column mapping for this file",
                              "見出し行がどの受注形式(楽天、Amazon、Yahoo!、Shopify、MakeShop、futureshop、saleor-ltv CSV)"
                              "にも合いません。この形式の列マッピングを保存してください")
    return FileRead(fmt.name, found, "tab" if table.delimiter == "\t" else "comma", table.header,
                    len(table.rows) + len(table.ragged), fmt.parse(table, ctx))
