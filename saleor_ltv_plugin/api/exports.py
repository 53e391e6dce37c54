"""Segment export, streamed: rows leave as the database yields them, never all in memory."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Literal

from django.db import connection
from django.db.models import Case, Value, When
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router

from ..auth import Scope
from ..engine.metric_columns import COLUMNS as METRIC_SCHEMA
from ..models import AccountMetrics, SavedSegment
from ..queries.accounts import clean_filter, filter_accounts
from ..queries.spreadsheet import inert_text
from .errors import NotFound
from .spreadsheet_encoding import CHARSET, ENCODINGS, reencode
from .schemas import AccountFilterQuery, ErrorOut, filter_spec
from .security import need

router = Router(tags=["segments"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
# The account's identity and where it is scored, then every metric column in the schema's order
# (engine/metric_columns.py): a column added there reaches the export with no edit here.
IDENTITY = (("account_id", "account_id"), ("name", "account__display_name"), ("key", "account__key"),
            ("channel", "channel"))
COLUMNS = IDENTITY + tuple((c.name, c.name) for c in METRIC_SCHEMA if c.name != "account_id")
FLAGS = tuple(c.name for c in METRIC_SCHEMA if c.kind == "flag")  # true/false words on every backend
CHUNK_ROWS = 2000


def _is_text(path: str) -> bool:
    model, *hops, name = [AccountMetrics, *path.split("__")]
    for hop in hops:
        model = model._meta.get_field(hop).related_model
    return model._meta.get_field(name).get_internal_type() in ("CharField", "TextField")


# Only text is neutralised for spreadsheets: numbers (a negative one too) stay numbers.
TEXT_FIELDS = frozenset(field for _, field in COLUMNS if _is_text(field))


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _csv_chunks(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name for name, _ in COLUMNS])
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _copy_chunks(queryset):
    """PostgreSQL: the server writes the CSV itself (COPY … TO STDOUT), three times the rows/s
    of formatting them in Python; chunks go out as they arrive."""
    header = ",".join(name for name, _ in COLUMNS) + "\n"
    yield header.encode()
    sql, params = queryset.query.sql_with_params()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for chunk in copy:
                yield bytes(chunk)


def _json_lines(rows):
    names = [name for name, _ in COLUMNS]
    chunk = []
    for row in rows:
        item = dict(zip(names, map(_plain, row)))
        for flag in FLAGS:
            item[flag] = item[flag] == "true"
        chunk.append(json.dumps(item, ensure_ascii=False))
        if len(chunk) >= CHUNK_ROWS:
            yield ("\n".join(chunk) + "\n").encode()
            chunk = []
    if chunk:
        yield ("\n".join(chunk) + "\n").encode()


def export_queryset(spec: dict, *, for_spreadsheet: bool = False):
    """The rows of an export, in account order. Booleans as true/false on every backend
    (PostgreSQL's COPY would write t/f); for a spreadsheet (CSV), text that would start a
    formula carries a leading quote."""
    # field → (alias, expression) computed on the way out
    columns = {flag: (f"_word_{flag}", Case(When(**{flag: True}, then=Value("true")), default=Value("false")))
               for flag in FLAGS}
    if for_spreadsheet:
        columns.update({field: (f"_inert_{name}", inert_text(field)) for name, field in COLUMNS
                        if field in TEXT_FIELDS})
    return (filter_accounts(spec).order_by("account_id")
            .annotate(**dict(columns.values()))
            .values_list(*(columns[f][0] if f in columns else f for _, f in COLUMNS)))


def server_writes_csv() -> bool:
    """Whether the CSV comes from the database's COPY (PostgreSQL) or from Python's csv writer."""
    return connection.vendor == "postgresql"


def stream(spec: dict, fmt: str, filename: str, encoding: str = "utf-8-sig") -> StreamingHttpResponse:
    queryset = export_queryset(spec, for_spreadsheet=fmt == "csv")
    if fmt == "csv":
        chunks = (_copy_chunks(queryset) if server_writes_csv()
                  else _csv_chunks(queryset.iterator(chunk_size=CHUNK_ROWS)))
        response = StreamingHttpResponse(reencode(chunks, encoding),
                                         content_type=f"text/csv; charset={CHARSET[encoding]}")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    else:
        rows = queryset.iterator(chunk_size=CHUNK_ROWS)
        response = StreamingHttpResponse(_json_lines(rows), content_type="application/x-ndjson")
        response["Content-Disposition"] = f'attachment; filename="{filename}.jsonl"'
    return response


_DOC = ("Streamed (chunked) as it is read. CSV with a header row, or JSON Lines (one account per "
        "line). Columns: " + ", ".join(name for name, _ in COLUMNS) + ". In CSV, a text cell that a "
        "spreadsheet would run as a formula (starting with = + - @, tab, CR or LF) starts with a single "
        "quote ('); numbers are never quoted. JSON keeps text as stored. `encoding` (CSV only): utf-8-sig "
        "(default: UTF-8 with a BOM, which Excel needs to read UTF-8) or shift_jis (Windows' CP932); a "
        "character Shift_JIS cannot hold (emoji, 𠮷) becomes its compatibility form where that is safe, "
        "else 〓.")
CsvEncoding = Literal[ENCODINGS]  # type: ignore[valid-type]


@router.get("segments/export", response={200: None, **ERRORS}, summary="Export accounts matching a filter",
            description=_DOC)
def export_filter(request: HttpRequest, filters: Query[AccountFilterQuery], format: Literal["csv", "json"] = "csv",
                  encoding: CsvEncoding = "utf-8-sig"):
    need(request, Scope.READ)
    return stream(clean_filter(filter_spec(filters)), format, "ltv-accounts", encoding)


@router.get("segments/{segment_id}/export", response={200: None, **ERRORS}, summary="Export a saved segment",
            description=_DOC)
def export_segment(request: HttpRequest, segment_id: int, format: Literal["csv", "json"] = "csv",
                   encoding: CsvEncoding = "utf-8-sig"):
    need(request, Scope.READ)
    segment = SavedSegment.objects.filter(pk=segment_id).first()
    if segment is None:
        raise NotFound("segment_id", f"no saved segment with id {segment_id}")
    spec = clean_filter({**segment.filter, "channel": segment.channel})
    return stream(spec, format, f"ltv-segment-{segment.pk}", encoding)
