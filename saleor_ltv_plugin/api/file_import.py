"""An order file → validated orders → the batch path: the same OrderIn validation and the same
store as REST JSON, so a file and the equivalent JSON give the same facts.

Refusals name the line, the field and the reason in English and Japanese. By default one bad
row refuses the file and nothing is stored; `partial` stores the good orders and skips every
order that has a bad row, whole (an order is never half-written).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from .. import conf, db
from ..ingest.batch import store_order_batch
from ..ingest.formats import Context, FileRead, read_orders
from ..ingest.formats.base import FIELD_JA
from ..ingest.gc_pause import collector_paused
from ..ingest.orders import OrderCounts
from .order_precheck import order_data
from .orders import to_order_data
from .schemas import FUTURE_SLACK, OrderIn

# Pydantic's error types, as a shop reads them in Japanese.
_JA = {"missing": "必須です", "greater_than_equal": "0 以上の値が必要です", "string_too_long": "長すぎます",
       "string_too_short": "空にできません", "string_pattern_mismatch": "形式が違います",
       "less_than_equal": "大きすぎます", "decimal_max_digits": "桁数が多すぎます",
       "decimal_max_places": "小数の桁数が多すぎます", "literal_error": "使えない値です",
       "too_long": "多すぎます", "int_parsing": "整数として読めません",
       "url_parsing": "URL として読めません", "url_scheme": "http または https の URL が必要です",
       "datetime_from_date_parsing": "日時として読めません", "date_from_datetime_parsing": "日付として読めません",
       "bool_parsing": "真偽値(true/false)が必要です", "dict_type": "オブジェクトが必要です",
       "list_type": "配列が必要です", "string_type": "文字列が必要です", "decimal_parsing": "数値として読めません"}


@dataclass
class ImportResult:
    read: FileRead
    orders: int = 0
    counts: OrderCounts = field(default_factory=OrderCounts)
    accounts_rescored: int = 0
    errors: list[dict] = field(default_factory=list)
    stored: bool = False

    @property
    def rows_rejected(self) -> int:
        return len({e["row"] for e in self.errors})


def context(channel: str, currency: str = "JPY") -> Context:
    return Context(channel=channel, currency=currency, tz=ZoneInfo(conf.channel_settings(channel).timezone))


def pydantic_errors(exc: ValidationError, first_line: int, line_rows: list[int] = (),
                    names: dict[str, str] = FIELD_JA) -> list[dict]:
    """A refused row's errors: line, field and the reason in English and Japanese (`names`: fields in Japanese)."""
    errors = []
    for error in exc.errors():
        loc, row = [str(p) for p in error["loc"]], first_line
        if loc[:1] == ["lines"] and len(loc) > 1 and loc[1].isdigit() and line_rows:
            row, loc = line_rows[int(loc[1])], loc[2:]
        loc = [p for p in loc if not p.isdigit()]  # list positions (consents.0.medium) say nothing to a shop
        name = loc[-1] if loc else "row"
        reason = _JA.get(error["type"], f"値が不正です({error['msg']})")
        errors.append({"row": row, "field": name, "message": error["msg"],
                       "message_ja": f"{names.get(name, name)}: {reason}"})
    return errors


def validate(read: FileRead, source: str = "csv", precheck: bool = True):
    """(OrderData for the good orders, errors for the bad rows), in file order.

    `precheck`: orders that plainly pass OrderIn skip its model (order_precheck); False sends every
    order through OrderIn (the tests compare the two)."""
    good, errors = [], [problem.as_dict() for problem in read.parsed.problems]
    latest = dt.datetime.now(dt.timezone.utc) + FUTURE_SLACK
    for order in read.parsed.orders:
        quick = order_data(order.data, source, order.raw, latest) if precheck else None
        if quick is not None:
            good.append(quick)
            continue
        try:
            valid = OrderIn.model_validate(order.data)
        except ValidationError as exc:
            errors.extend(pydantic_errors(exc, order.line, order.lines))
            continue
        good.append(dataclasses.replace(to_order_data(valid, source=source), raw=order.raw))
    errors.sort(key=lambda e: e["row"])
    return good, errors


def import_file(data: bytes, ctx: Context, *, format: str | None = None, mapping=None,
                partial: bool = False) -> ImportResult:
    """Raises FileProblem / MappingProblem when the file as a whole cannot be read."""
    with collector_paused():
        return _import_file(data, ctx, format=format, mapping=mapping, partial=partial)


def _import_file(data: bytes, ctx: Context, *, format, mapping, partial: bool) -> ImportResult:
    read = read_orders(data, ctx, format=format, mapping=mapping)
    good, errors = validate(read)
    result = ImportResult(read, orders=len(good), errors=errors)
    if errors and not partial:
        return result
    if good:
        with db.writer():
            result.counts, result.accounts_rescored = store_order_batch(good)
    result.stored = True
    return result
