"""Order ingest from other sales channels: JSON batches and CSV files."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Status, File, Router
from ninja.files import UploadedFile
from pydantic import ValidationError

from .. import db
from ..auth import Scope
from ..ingest.facts import (
    Acquisition, CustomerRef, OrderData, OrderLineData, PostalAddress, ShipmentData, ShipmentLine,
)
from ..ingest.orders import OrderCounts, store_orders
from . import csv_import_log
from .body import ORDERS_BODY_LIMIT, body_limit, declared_limit
from .csv_rows import CsvRefused, read_rows
from .schemas import CsvIngestOut, CustomerIn, ErrorOut, IngestOut, OrderBatchIn, OrderIn
from .security import need

router = Router(tags=["orders"])
MAX_CSV_BYTES = 20 * 1024 * 1024
# The multipart envelope around the file (boundaries, part headers) on top of the file itself.
CSV_BODY_LIMIT = MAX_CSV_BYTES + 64 * 1024
CSV_COLUMNS = ("external_id", "created_at", "channel", "currency", "status", "total_gross", "refunded_amount",
               "email", "company_name", "first_name", "last_name", "user_id", "sku", "product_name",
               "quantity", "unit_price")
REQUIRED_CSV = ("external_id", "created_at", "channel", "currency", "total_gross")
# Read from an order's first row; its other rows (its lines) must agree or leave them empty.
ORDER_CSV = ("created_at", "channel", "currency", "status", "total_gross", "refunded_amount", "email",
             "company_name", "first_name", "last_name", "user_id")
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut, 422: ErrorOut}


def to_customer_ref(c: CustomerIn) -> CustomerRef:
    return CustomerRef(user_id=c.user_id, email=c.email.strip().lower(), first_name=c.first_name,
                       last_name=c.last_name, company_name=c.company_name, language_code=c.language_code,
                       phone=c.phone, line_user_id=c.line_user_id, birthday=c.birthday,
                       address=PostalAddress(**c.address.model_dump()) if c.address else None,
                       external_key=c.external_key)


def to_order_data(order: OrderIn, source: str = "rest") -> OrderData:
    lines = tuple(
        OrderLineData(
            line_ref=line.line_ref or str(position), sku=line.sku, quantity=line.quantity,
            unit_price=line.unit_price, amount=line.amount if line.amount is not None else line.unit_price * line.quantity,
            product_name=line.product_name, product_id=line.product_id, variant_id=line.variant_id,
        )
        for position, line in enumerate(order.lines, start=1)
    )
    return OrderData(
        source=source, external_id=order.external_id, number=order.number, sales_source=order.sales_source,
        channel=order.channel,
        currency=order.currency, created_at=order.created_at, status=order.status, total_gross=order.total_gross,
        total_net=order.total_net if order.total_net is not None else order.total_gross,
        refunded_amount=order.refunded_amount,
        customer=to_customer_ref(order.customer), checkout_token=order.checkout_token,
        lines=lines, source_updated_at=order.source_updated_at or order.created_at,
        acquisition=Acquisition(**order.acquisition.model_dump()) if order.acquisition else Acquisition(),
        shipments=None if order.shipments is None else tuple(
            ShipmentData(ref=s.ref or str(position), shipped_at=s.shipped_at, tracking_number=s.tracking_number,
                         carrier=s.carrier, lines=tuple(ShipmentLine(**line.model_dump()) for line in s.lines))
            for position, s in enumerate(order.shipments, start=1)),
    )


def counts_out(counts: OrderCounts) -> dict:
    return {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged,
            "written": counts.written}


@router.post("orders", response={200: IngestOut, **ERRORS}, summary="Ingest a batch of orders (idempotent)")
@body_limit(ORDERS_BODY_LIMIT)
def ingest_orders(request: HttpRequest, payload: OrderBatchIn):
    """Up to 5 000 orders per call, in a body of at most 24 MiB (5 000 orders of 10 lines each,
    every field filled, take about 20 MiB); a larger body is refused with 413. An order is
    identified by `external_id`: sending it again updates it (an older `source_updated_at` never
    overwrites a newer one). Times must lie between 1990-01-01 and now + 1 day. The batch is
    validated as a whole first and stored in one transaction: one invalid order rejects the call
    and nothing is written. The counts say what this call changed."""
    need(request, Scope.INGEST)
    batch = [to_order_data(order) for order in payload.orders]
    with db.writer():
        counts = store_orders(batch)
    return Status(200, {"received": len(batch), **counts_out(counts)})


def _disagreements(order_rows: list[tuple[int, dict]]) -> list[dict]:
    first_number, first = order_rows[0]
    return [{"row": number, "field": name, "message": f"differs from line {first_number} of the same order"}
            for number, row in order_rows[1:] for name in ORDER_CSV
            if (row.get(name) or "").strip() and (row.get(name) or "").strip() != (first.get(name) or "").strip()]


def _row_orders(rows: list[tuple[int, dict]], rejected: set[str] = frozenset()) -> tuple[list[OrderIn], list[dict]]:
    """Group rows by external_id (one row per line); an order with any bad row is rejected whole."""
    grouped: dict[str, list[tuple[int, dict]]] = {}
    errors: list[dict] = []
    for number, row in rows:
        if not (row.get("external_id") or "").strip():
            errors.append({"row": number, "field": "external_id", "message": "required"})
            continue
        grouped.setdefault(row["external_id"].strip(), []).append((number, row))
    orders = []
    for external_id, order_rows in grouped.items():
        disagreements = _disagreements(order_rows)
        errors.extend(disagreements)
        if disagreements or external_id in rejected:
            continue
        first_number, first = order_rows[0]
        lines, line_rows = [], []
        for number, row in order_rows:
            if (row.get("sku") or "").strip() or (row.get("quantity") or "").strip():
                lines.append({"line_ref": str(len(lines) + 1), "sku": (row.get("sku") or "").strip(),
                              "product_name": row.get("product_name") or "",
                              "quantity": row.get("quantity") or None, "unit_price": row.get("unit_price") or None})
                line_rows.append(number)
        try:
            orders.append(OrderIn.model_validate({
                "external_id": external_id, "created_at": first.get("created_at") or None,
                "channel": first.get("channel") or "", "currency": (first.get("currency") or "").strip().upper(),
                "status": first.get("status") or "fulfilled", "total_gross": first.get("total_gross") or None,
                "refunded_amount": first.get("refunded_amount") or "0",
                "customer": {"email": first.get("email") or "", "company_name": first.get("company_name") or "",
                             "first_name": first.get("first_name") or "", "last_name": first.get("last_name") or "",
                             "user_id": first.get("user_id") or None},
                "lines": lines,
            }))
        except ValidationError as exc:
            for error in exc.errors():
                loc, row = [str(p) for p in error["loc"]], first_number
                if loc[:1] == ["lines"] and len(loc) > 1 and loc[1].isdigit():
                    row, loc = line_rows[int(loc[1])], loc[2:]
                errors.append({"row": row, "field": ".".join(loc[-1:]) or "row", "message": error["msg"]})
    return orders, errors


@router.post("orders/csv", response={200: CsvIngestOut, **ERRORS}, summary="Upload orders as CSV")
@declared_limit(CSV_BODY_LIMIT)
def ingest_csv(request: HttpRequest, file: UploadedFile = File(...)):
    """UTF-8 CSV with a header row. Columns: external_id, created_at (ISO 8601 with offset),
    channel, currency, total_gross (required); status, refunded_amount, email, company_name,
    first_name, last_name, user_id, sku, product_name, quantity, unit_price (optional). Rows
    sharing an external_id are the lines of one order (their order columns must agree or be
    empty). Valid orders are stored; an order with any invalid row is skipped whole, and every
    bad row is reported with the line it starts on (a row with more or fewer fields than the
    header is one). A file that cannot be split into rows safely (an unclosed quote, text after
    a closing quote, a duplicate or unknown column) is refused whole with 422 and its line.
    The file may be at most 20 MiB: a request declaring a larger body is refused with 413 before
    it is read. Every upload is recorded (started, finished or failed, rows read, orders
    written, the caller); one still `running` with no finish time was cut off."""
    principal = need(request, Scope.INGEST)
    if file.size is not None and file.size > MAX_CSV_BYTES:
        return Status(413, {"detail": "file too large", "errors": [
            {"field": "file", "message": f"at most {MAX_CSV_BYTES // 1024 // 1024} MB", "code": "too_large"}]})
    record = csv_import_log.start(principal, file.name, file.size)
    try:
        response, read, counts, rejected = _import_csv(file)
    except Exception as exc:
        csv_import_log.fail(record, f"{type(exc).__name__}: {exc}")
        raise
    if response.status_code != 200:
        csv_import_log.fail(record, response.value["errors"][0]["message"], rows_read=len(read.rows) if read else 0)
    else:
        csv_import_log.finish(record, rows_read=len(read.rows), orders_written=counts.written, rows_rejected=rejected)
    return response


def _import_csv(file: UploadedFile):
    """(response, rows read or None, counts, rejected rows) for one upload."""
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return Status(422, {"detail": "not UTF-8", "errors": [
            {"field": "file", "message": "the file must be UTF-8 encoded CSV", "code": "invalid"}]}), None, None, 0
    try:
        read = read_rows(text, CSV_COLUMNS, "external_id")
    except CsvRefused as exc:
        return Status(422, {"detail": "unreadable CSV", "errors": [
            {"field": "file", "message": str(exc), "code": "invalid"}]}), None, None, 0
    missing = [c for c in REQUIRED_CSV if c not in read.header]
    if missing:
        return Status(422, {"detail": "missing columns", "errors": [
            {"field": "file", "message": f"line 1: missing column(s): {', '.join(missing)}", "code": "required"}]}), \
            read, None, 0
    orders, errors = _row_orders(read.rows, read.rejected)
    errors = sorted(read.errors + errors, key=lambda error: error["row"])
    counts = OrderCounts()
    if orders:
        with db.writer():
            counts = store_orders([to_order_data(order, source="csv") for order in orders])
    rejected = len({error["row"] for error in errors})
    return Status(200, {"orders": len(orders), **counts_out(counts), "errors": errors}), read, counts, rejected
