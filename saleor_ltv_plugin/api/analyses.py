"""The Analyses pages' tables over REST, as JSON or a spreadsheet-ready CSV download.

Each GET names its table; the JSON body is the whole analysis (every table and its parameters),
the CSV one table with a header row. CSV text that a spreadsheet would run as a formula starts
with a quote, numbers are never quoted; `encoding` utf-8-sig (default, UTF-8 with a BOM for
Excel) or shift_jis (Windows' CP932).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Literal, Optional

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from ..auth import Scope
from ..queries import analyses, trends as trend_query
from ..queries.spreadsheet import inert
from .exports import CsvEncoding
from .schemas import ErrorOut
from .security import need
from .spreadsheet_encoding import CHARSET, reencode

router = Router(tags=["analyses"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
Format = Literal["json", "csv"]
Dimension = Literal[analyses.DIMENSIONS]  # type: ignore[valid-type]
Measure = Literal[analyses.MEASURES]  # type: ignore[valid-type]


def _cell(value):
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return "" if value is None else value


def table_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if rows:
        writer.writerow(list(rows[0]))
        for row in rows:
            writer.writerow([_cell(v) for v in row.values()])
    return buffer.getvalue().encode()


def respond(result: dict, table: str, fmt: str, encoding: str, filename: str) -> HttpResponse:
    if fmt == "json":
        return HttpResponse(json.dumps(result, ensure_ascii=False, default=str), content_type="application/json")
    body = b"".join(reencode([table_csv(result[table])], encoding))
    response = HttpResponse(body, content_type=f"text/csv; charset={CHARSET[encoding]}")
    response["Content-Disposition"] = f'attachment; filename="ltv-{filename}-{table}.csv"'
    return response


@router.get("analyses/cohorts", response={200: None, **ERRORS}, summary="First-purchase cohorts")
def cohorts(request: HttpRequest, channel: str, currency: Optional[str] = None, sales_source: Optional[str] = None,
            months: int = 24, format: Format = "json", encoding: CsvEncoding = "utf-8-sig"):
    """Monthly cohorts × months since: retention, revenue per account, cumulative LTV (CSV: `cells`)."""
    need(request, Scope.READ)
    return respond(analyses.cohorts(channel, currency, sales_source, months), "cells", format, encoding, "cohorts")


@router.get("analyses/buying-patterns", response={200: None, **ERRORS}, summary="Buying patterns")
def buying_patterns(request: HttpRequest, channel: str, currency: Optional[str] = None,
                    bands: list[float] = Query(None),
                    table: Literal["hour_weekday", "price_bands", "purchases_per_month"] = "hour_weekday",
                    format: Format = "json", encoding: CsvEncoding = "utf-8-sig"):
    """Orders by weekday × hour (shop time), by price band (`bands`: lower bounds, repeated;
    default the proposed ones), purchases per month per account."""
    need(request, Scope.READ)
    return respond(analyses.buying(channel, currency, bands), table, format, encoding, "buying-patterns")


@router.get("analyses/products", response={200: None, **ERRORS}, summary="Product analyses")
def products(request: HttpRequest, channel: str, min_accounts: int = 3,
             table: Literal[analyses.PRODUCT_TABLES] = "product_repeat",  # type: ignore[valid-type]
             format: Format = "json", encoding: CsvEncoding = "utf-8-sig"):
    """By SKU and by product: revenue, buyers, repeat rate, days to repurchase; A→B transitions
    (A→A apart as repurchases) with lift and a minimum support; the Nth-purchase drop-off."""
    need(request, Scope.READ)
    return respond(analyses.products(channel, min_accounts), table, format, encoding, "products")


@router.get("analyses/crosstab", response={200: None, **ERRORS}, summary="Cross tabulation")
def crosstab(request: HttpRequest, channel: str, x: Dimension, y: Dimension, measure: Measure = "accounts",
             currency: Optional[str] = None, format: Format = "json", encoding: CsvEncoding = "utf-8-sig"):
    """Two of stage, cpm_cell, rfm_segment, r_score, f_score, m_score, sales_source, prefecture ×
    accounts, revenue, aov or orders_per_account."""
    need(request, Scope.READ)
    return respond(analyses.crosstab(channel, x, y, measure, currency), "cells", format, encoding, "crosstab")


@router.get("analyses/rfmi", response={200: None, **ERRORS}, summary="RFMi")
def rfmi(request: HttpRequest, channel: str, currency: Optional[str] = None,
         table: Literal["cells", "interval_scores"] = "cells", format: Format = "json",
         encoding: CsvEncoding = "utf-8-sig"):
    """R, F, M scores and the purchase-interval score I per non-empty cell."""
    need(request, Scope.READ)
    return respond(analyses.rfmi(channel, currency), table, format, encoding, "rfmi")


@router.get("analyses/trends", response={200: None, **ERRORS}, summary="Trends and stage movements")
def trends(request: HttpRequest, channel: str, currency: Optional[str] = None,
           date_from: Optional[dt.date] = Query(None, alias="from"), to: Optional[dt.date] = None,
           table: Literal[trend_query.TABLES] = "stages",  # type: ignore[valid-type]
           format: Format = "json", encoding: CsvEncoding = "utf-8-sig"):
    """Per snapshot day from `from` to `to` (default the 90 days up to the latest snapshot, at most
    731): accounts per stage, CPM cell, RFM segment and saved segment; and the stage movement
    (accounts per from-stage × to-stage; '' = not scored that day) from `movement_from` to `to`."""
    need(request, Scope.READ)
    return respond(trend_query.trends(channel, currency, date_from, to), table, format, encoding, "trends")
