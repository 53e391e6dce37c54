"""What every order-file format shares: its rows grouped into orders in one normalised shape.

A format names the columns that identify it (`signature`), renames its columns to the
canonical fields below (`columns`) and, where it must, derives a field (a status, a customer
key, an order total). The result is one dict per order shaped like the REST API's OrderIn,
so files and REST JSON are validated and stored by the same code.

Canonical fields — order: external_id, number, created_at (or created_date + created_time),
status, total_gross, refunded_amount, shipping, currency, email, company_name, first_name,
last_name, full_name, phone, customer_key, sales_source, shipped_at, tracking_number, carrier,
utm_source, utm_medium, utm_campaign, voucher_code; line: sku, product_name, quantity, unit_price,
line_amount. A shipping date makes the order's one shipment; an empty one leaves what is stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from .text import Table
from .values import ValueProblem, clean, parse_amount, parse_datetime, parse_quantity

ACQUISITION_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "voucher_code")
ORDER_FIELDS = ("external_id", "number", "created_at", "created_date", "created_time", "status", "total_gross",
                "refunded_amount", "shipping", "currency", "channel", "email", "company_name", "first_name",
                "last_name", "full_name", "phone", "customer_key", "user_id", "sales_source",
                "shipped_at", "tracking_number", "carrier", *ACQUISITION_FIELDS)
LINE_FIELDS = ("sku", "product_name", "quantity", "unit_price", "line_amount")
FIELDS = ORDER_FIELDS + LINE_FIELDS
# Field names in Japanese, for the error messages a shop reads.
FIELD_JA = {"external_id": "注文番号", "number": "注文番号(表示用)", "created_at": "注文日時", "created_date": "注文日",
            "created_time": "注文時刻", "status": "ステータス", "total_gross": "合計金額", "refunded_amount": "返金額",
            "shipping": "送料", "currency": "通貨", "channel": "チャネル", "email": "メールアドレス",
            "company_name": "会社名", "first_name": "名", "last_name": "姓", "full_name": "氏名", "phone": "電話番号",
            "customer_key": "顧客ID", "user_id": "ユーザーID", "sales_source": "販売経路", "sku": "商品番号", "product_name": "商品名",
            "quantity": "数量", "unit_price": "単価", "line_amount": "小計", "row": "行", "file": "ファイル",
            "shipped_at": "発送日", "tracking_number": "お問い合わせ番号", "carrier": "配送会社",
            "utm_source": "流入元(utm_source)", "utm_medium": "流入メディア(utm_medium)",
            "utm_campaign": "キャンペーン(utm_campaign)", "voucher_code": "クーポンコード"}


@dataclass(frozen=True)
class RowProblem:
    line: int
    field: str
    en: str
    ja: str

    def as_dict(self) -> dict:
        return {"row": self.line, "field": self.field, "message": self.en, "message_ja": self.ja}


@dataclass(frozen=True)
class Context:
    """What the file does not say: the Saleor channel its accounts belong to, the currency, the
    shop's time zone (for times without an offset), a saved mapping's date format."""

    channel: str
    currency: str = "JPY"
    tz: ZoneInfo = ZoneInfo("Asia/Tokyo")
    date_format: str = ""


@dataclass
class ParsedOrder:
    line: int  # the order's first row
    lines: list[int]  # the row of each order line, in order
    data: dict  # shaped like api.schemas.OrderIn
    raw: dict = field(default_factory=dict)  # kept on the fact: the format, the rows, what OrderIn has no field for


@dataclass
class Parsed:
    orders: list[ParsedOrder] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


# Sales-source words as sheets write them (after NFKC and lower-casing).
SALES_SOURCE_WORDS = {"電話": "phone", "tel": "phone", "fax": "fax", "ファックス": "fax", "自社": "own_shop",
                      "自社サイト": "own_shop", "楽天": "rakuten", "アマゾン": "amazon", "ヤフー": "yahoo", "営業": "erp"}


def sales_source_of(value: str, default: str) -> str:
    word = clean(value).lower()
    return SALES_SOURCE_WORDS.get(word, word) or default


@lru_cache(maxsize=1 << 16)  # a repeat buyer's orders hash the same name and phone
def hashed_key(prefix: str, *parts: str) -> str:
    """A stable customer key from identifying text (name + phone), without keeping that text."""
    text = "|".join(clean(p).casefold().replace(" ", "").replace("-", "") for p in parts)
    return f"{prefix}:" + hashlib.sha256(text.encode()).hexdigest()[:24]


def cancelled_when(*words: str, codes: tuple[str, ...] = ()) -> Callable[[dict, list[dict]], str]:
    """A status rule: canceled when the order's status holds one of `words` (or is one of `codes`)."""

    @lru_cache(maxsize=1024)  # a file writes a handful of distinct statuses
    def of(written: str | None) -> str:
        written = clean(written).lower()
        return "canceled" if written in codes or any(word in written for word in words) else "fulfilled"

    def status(first: dict, rows: list[dict]) -> str:
        return of(first.get("status"))

    return status


@dataclass(frozen=True)
class OrderFormat:
    name: str
    label: str
    sales_source: str
    signature: frozenset[str]  # every one of these columns present → this format
    columns: dict[str, str]  # file column → canonical field
    # (canonical order row, all canonical rows of the order) → status for OrderIn
    status: Callable[[dict, list[dict]], str] = lambda first, rows: clean(first.get("status")) or "fulfilled"
    customer_key: Callable[[dict], str] | None = None
    # Mall relays (…@fw.rakuten.ne.jp, …@marketplace.amazon.co.jp) must get no shop mail: kept in raw only.
    masked_email: bool = False
    # When the file has no order total: the sum of the line amounts (plus shipping).
    total_from_lines: bool = False
    # Japanese malls and carts write Japan's time without an offset, whatever the shop's zone.
    timezone: str = ""

    def matches(self, header: list[str]) -> bool:
        return self.signature <= set(header)

    def parse(self, table: Table, ctx: Context) -> Parsed:
        return parse_orders(self, table, ctx)


def rename(fmt: OrderFormat, cells: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for column, value in cells.items():
        name = fmt.columns.get(column)
        if name and (name not in out or not out[name].strip()):
            out[name] = value
    return out


def parse_orders(fmt: OrderFormat, table: Table, ctx: Context) -> Parsed:
    if fmt.timezone:
        ctx = Context(ctx.channel, ctx.currency, ZoneInfo(fmt.timezone), ctx.date_format)
    parsed = Parsed()
    key_column = next((c for c, f in fmt.columns.items() if f == "external_id" and c in table.header), None)
    rejected: set[str] = set()
    for line, record in table.ragged:
        parsed.problems.append(RowProblem(line, "row", f"has {len(record)} fields, the header has {len(table.header)}",
                                          f"項目数が {len(record)} 個です(見出し行は {len(table.header)} 個)"))
        if key_column is not None and table.header.index(key_column) < len(record):
            rejected.add(clean(record[table.header.index(key_column)]))
    groups: dict[str, list[tuple[int, dict]]] = {}
    # rename's pairs for this header, found once: (column, field) in header order
    pairs = [(column, fmt.columns[column]) for column in dict.fromkeys(table.header) if fmt.columns.get(column)]
    for line, cells in table.rows:
        row: dict[str, str] = {}
        for column, name in pairs:
            value = cells[column]
            if name not in row or not row[name].strip():
                row[name] = value
        key = clean(row.get("external_id"))
        if not key:
            parsed.problems.append(RowProblem(line, "external_id", "an order number is required", "注文番号が必要です"))
            continue
        groups.setdefault(key, []).append((line, row))
    for key, rows in groups.items():
        if key in rejected:
            continue
        try:
            parsed.orders.append(_order(fmt, key, rows, ctx))
        except _OrderProblem as problem:
            parsed.problems.append(problem.problem)
    parsed.problems.sort(key=lambda p: p.line)
    return parsed


class _OrderProblem(Exception):
    def __init__(self, problem: RowProblem):
        self.problem = problem


def text(value: str | None) -> str:
    """Free text (names, products) as written: NFKC would turn ① into 1 and ㈱ into (株)."""
    return (value or "").strip()


def _value(line: int, name: str, parse, text):
    try:
        return parse(text)
    except ValueProblem as exc:
        ja_field = FIELD_JA.get(name, name)
        raise _OrderProblem(RowProblem(line, name, exc.en, f"{ja_field}: {exc.ja}")) from None


class _CellProblem(Exception):
    def __init__(self, name: str, problem: ValueProblem):
        self.name, self.en, self.ja = name, problem.en, f"{FIELD_JA.get(name, name)}: {problem.ja}"


def _cell(name: str, parse, text):
    try:
        return parse(text)
    except ValueProblem as exc:
        raise _CellProblem(name, exc) from None


@lru_cache(maxsize=1 << 16)  # a catalogue's prices × quantities repeat on most rows
def _line_values(quantity_text: str | None, unit_price_text: str | None,
                 amount_text: str | None) -> tuple[int, Decimal, Decimal]:
    """(quantity, unit price, line amount) of a line's cells; raises _CellProblem naming the field."""
    quantity = _cell("quantity", parse_quantity, quantity_text)
    if clean(unit_price_text):
        unit_price = _cell("unit_price", parse_amount, unit_price_text)
        amount = _cell("line_amount", parse_amount, amount_text) if clean(amount_text) else unit_price * quantity
    else:  # Amazon gives the line's total (item-price), not the unit price
        amount = _cell("line_amount", parse_amount, amount_text)
        unit_price = (amount / quantity).quantize(Decimal("0.001")) if quantity else amount
    return quantity, unit_price, amount


def _created_at(line: int, first: dict, ctx: Context):
    written = first.get("created_at")
    if not clean(written) and clean(first.get("created_date")):
        written = f"{clean(first.get('created_date'))} {clean(first.get('created_time'))}".strip()
    return _value(line, "created_at", lambda t: parse_datetime(t, ctx.tz, ctx.date_format), written)


def _order(fmt: OrderFormat, key: str, rows: list[tuple[int, dict]], ctx: Context) -> ParsedOrder:
    line, first = rows[0]
    lines, line_rows, line_total = [], [], Decimal(0)
    for number, row in rows:
        if not (clean(row.get("sku")) or clean(row.get("product_name")) or clean(row.get("quantity"))):
            continue
        try:
            quantity, unit_price, amount = _line_values(row.get("quantity"), row.get("unit_price"),
                                                        row.get("line_amount"))
        except _CellProblem as problem:
            raise _OrderProblem(RowProblem(number, problem.name, problem.en, problem.ja)) from None
        line_total += amount
        lines.append({"line_ref": str(len(lines) + 1), "sku": text(row.get("sku")),
                      "product_name": text(row.get("product_name")), "quantity": quantity,
                      "unit_price": unit_price, "amount": amount})
        line_rows.append(number)
    if fmt.total_from_lines and not clean(first.get("total_gross")):
        shipping = sum((_value(n, "shipping", parse_amount, r.get("shipping")) for n, r in rows
                        if clean(r.get("shipping"))), Decimal(0))
        total = line_total + shipping
    else:
        total = _value(line, "total_gross", parse_amount, first.get("total_gross"))
    refunded = (_value(line, "refunded_amount", parse_amount, first.get("refunded_amount"))
                if clean(first.get("refunded_amount")) else Decimal(0))
    last, given = text(first.get("last_name")), text(first.get("first_name"))
    if not (last or given) and text(first.get("full_name")):
        last, _, given = text(first.get("full_name")).replace("\u3000", " ").partition(" ")
    email = clean(first.get("email")).lower()
    customer_key = clean(first.get("customer_key"))
    if fmt.customer_key is not None and not customer_key:
        customer_key = fmt.customer_key(first)
    elif customer_key:
        customer_key = f"{fmt.sales_source}:{customer_key}"
    raw = {"format": fmt.name, "rows": [n for n, _ in rows]}
    if email and fmt.masked_email:
        raw["mall_email"], email = email, ""
    if clean(first.get("phone")):
        raw["phone"] = clean(first.get("phone"))
    data = {
        "external_id": _external_id(fmt, key), "number": clean(first.get("number")) or key[:64],
        "channel": clean(first.get("channel")) or ctx.channel,
        "currency": (clean(first.get("currency")) or ctx.currency).upper(),
        "created_at": _created_at(line, first, ctx), "status": fmt.status(first, [r for _, r in rows]),
        "total_gross": total, "refunded_amount": refunded,
        "sales_source": sales_source_of(first.get("sales_source"), fmt.sales_source),
        "customer": {"email": email, "company_name": text(first.get("company_name")), "first_name": given,
                     "last_name": last, "external_key": customer_key,
                     "user_id": clean(first.get("user_id")) or None},
        "lines": lines,
    }
    if clean(first.get("shipped_at")):
        data["shipments"] = [{"ref": "1", "shipped_at": _value(line, "shipped_at", lambda t: parse_datetime(
            t, ctx.tz, ctx.date_format), first.get("shipped_at")), "tracking_number": clean(first.get("tracking_number")),
            "carrier": text(first.get("carrier"))}]
    if any(clean(first.get(name)) for name in ACQUISITION_FIELDS):
        data["acquisition"] = {name: clean(first.get(name)) for name in ACQUISITION_FIELDS}  # tags: NFKC
    return ParsedOrder(line, line_rows, data, raw)


def _external_id(fmt: OrderFormat, key: str) -> str:
    """A mall's order number, namespaced so a Rakuten and an Amazon number never meet."""
    return key if fmt.sales_source in ("own_shop", "") or fmt.name in ("native", "mapping") else f"{fmt.sales_source}:{key}"
