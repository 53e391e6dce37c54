"""Order files from malls, carts and a shop's own sheets: import jobs (`POST imports`, read by a
worker, progress at `GET imports/{id}`), the direct import of a small file (`POST imports/orders`),
saved column mappings (`imports/mappings`) and a preview of how a file would be read (`imports/preview`)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Literal, Optional

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, ValidationError

from .. import db
from ..auth import Scope
from ..ingest.formats import FORMATS, FileProblem, MappingProblem, read_orders
from ..ingest.formats.mapping import check_columns
from ..ingest.formats.text import DELIMITERS, ENCODINGS
from ..models import ColumnMapping, ImportJob, ImportState, SalesSource
from . import csv_import_log, import_jobs
from .body import ORDERS_BODY_LIMIT, BodyTooLarge, declared_limit, read_body
from .errors import NotFound
from .file_import import context, import_file, pydantic_errors, validate
from .schemas import ErrorOut, Input
from .security import need

logger = logging.getLogger(__name__)
router = Router(tags=["imports"])
MAX_FILE_BYTES = 50 * 2**20
BODY_LIMIT = MAX_FILE_BYTES + 64 * 1024
MAX_JOB_FILE_BYTES = 200 * 2**20
JOB_BODY_LIMIT = MAX_JOB_FILE_BYTES + 64 * 1024
ERRORS_SHOWN = 100
FormatName = Literal[tuple(FORMATS)]  # type: ignore[valid-type]
PREVIEW_ORDERS = 10
JOB_KINDS = ("orders", "customers", "products")


class RowErrorOut(Schema):
    """A refused row (or, with row 0 or none, the request itself: the API's usual error item)."""

    row: Optional[int] = Field(None, description="1-based line in the file (the header is line 1).")
    field: str
    message: str
    message_ja: str = ""
    code: str = "invalid"


class ImportOut(Schema):
    format: str
    encoding: str = Field(..., description="utf-8, utf-8-sig (with BOM) or cp932 (Shift_JIS).")
    delimiter: str
    rows_read: int
    orders: int = Field(..., description="Orders that passed validation.")
    created: int
    updated: int
    unchanged: int
    written: int
    accounts_rescored: int = Field(..., description="Accounts re-scored once, after the whole file.")
    errors: list[RowErrorOut]


class RefusedOut(Schema):
    detail: str
    detail_ja: str = ""
    errors: list[RowErrorOut]


class MappingIn(Input):
    name: str = Field(..., min_length=1, max_length=100)
    columns: dict[str, str] = Field(..., description="File column → field (external_id, created_at, total_gross …).")
    date_format: str = Field("", max_length=64, description="strptime format; empty: Japanese and ISO dates.")
    encoding: Literal[ENCODINGS] = "auto"  # type: ignore[valid-type]
    delimiter: Literal[tuple(DELIMITERS)] = "auto"  # type: ignore[valid-type]
    sales_source: Literal[tuple(SalesSource.values)] = "other"  # type: ignore[valid-type]
    currency: str = Field("JPY", pattern=r"^[A-Z]{3}$")


class MappingOut(Schema):
    name: str
    columns: dict[str, str]
    date_format: str
    encoding: str
    delimiter: str
    sales_source: str
    currency: str


class PreviewOut(Schema):
    format: str
    encoding: str
    delimiter: str
    header: list[str]
    rows_read: int
    orders: list[dict] = Field(..., description=f"The first {PREVIEW_ORDERS} orders as they would be stored.")
    errors: list[RowErrorOut]


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut, 422: RefusedOut}


def _refused(en: str, ja: str, errors: list[dict]):
    return Status(422, {"detail": en, "detail_ja": ja, "errors": errors})


def json_batch(request, schema, names: dict[str, str]):
    """(the JSON body validated as `schema`, None), or (None, the 422 naming each field in English and
    Japanese — `names` gives the fields' Japanese names); a body over the limit raises BodyTooLarge (413)."""
    try:
        return schema.model_validate(json.loads(read_body(request, ORDERS_BODY_LIMIT) or b"null")), None
    except BodyTooLarge:
        raise
    except (ValueError, ValidationError) as exc:
        errors = (pydantic_errors(exc, 0, names=names) if isinstance(exc, ValidationError) else
                  [{"row": 0, "field": "body", "message": f"not JSON: {exc}", "message_ja": "JSON として読めません"}])
        return None, _refused("The request is invalid.", "リクエストが不正です", errors)


def rows_refused(errors: list[dict]):
    """A list refused whole for its bad rows (customers, products): every one named, nothing stored."""
    bad = len({e["row"] for e in errors})
    return _refused(f"{bad} row(s) cannot be imported; nothing was stored",
                    f"取り込めない行が {bad} 行あります。何も保存していません", errors)


def _file_refused(problem: FileProblem):
    return _refused(str(problem), problem.ja,
                    [{"row": problem.line, "field": "file", "message": problem.en, "message_ja": problem.ja}])


def _mapping_refused(problem: MappingProblem):
    return _refused(problem.en, problem.ja, [{"row": 0, "field": problem.field, "message": problem.en,
                                              "message_ja": problem.ja}])


def _too_large(file: UploadedFile, limit: int = MAX_FILE_BYTES):
    if file.size is not None and file.size > limit:
        return Status(413, {"detail": "file too large", "errors": [
            {"field": "file", "message": f"at most {limit // 2**20} MiB", "code": "too_large"}]})
    return None


def _mapping(name: str | None):
    if not name:
        return None
    mapping = ColumnMapping.objects.filter(name=name).first()
    if mapping is None:
        raise NotFound("mapping", f"no saved column mapping named {name!r}")
    return mapping


@router.post("imports/orders", response={200: ImportOut, **ERRORS}, summary="Import an order file (format by its header)")
@declared_limit(BODY_LIMIT)
def import_orders(request: HttpRequest, file: UploadedFile = File(...), format: Optional[FormatName] = Form(None),
                  mapping: Optional[str] = Form(None), channel: str = Form("default-channel"),
                  currency: str = Form("JPY", pattern=r"^[A-Z]{3}$"), partial: bool = Form(False)):
    """A Rakuten RMS order CSV, an Amazon order report (TSV), a Yahoo!ショッピング order CSV, a
    Shopify, MakeShop or futureshop order export, this API's own CSV columns — recognised by the
    header — or any file through a saved column `mapping`. UTF-8 (with or without BOM) or
    Shift_JIS (CP932), comma or tab. Amounts may carry ¥/円, commas and full-width digits; dates
    may be 2024/04/01, 2024年4月1日, 令和6年4月1日, R6.4.1 or ISO 8601 (times without an offset
    are in the channel's time zone). Orders go to `channel` (the Saleor channel whose accounts
    they join) and keep their sales source (rakuten, amazon …). Mall buyers are keyed by the
    mall's customer identity, never by their masked e-mail. Every bad row is reported with its
    line, field and reason (English and Japanese): by default one bad row refuses the file with
    422 and nothing is stored; with `partial=true` the good orders are stored and every order
    with a bad row is skipped whole. Importing the same file again changes nothing. The
    accounts touched are re-scored once, after the file. At most 50 MiB."""
    principal = need(request, Scope.INGEST)
    too_large = _too_large(file)
    if too_large:
        return too_large
    saved = _mapping(mapping)
    record = csv_import_log.start(principal, file.name, file.size)
    try:
        result = import_file(file.read(), context(channel, currency), format=format, mapping=saved, partial=partial)
    except FileProblem as problem:
        csv_import_log.fail(record, str(problem))
        return _file_refused(problem)
    except MappingProblem as problem:
        csv_import_log.fail(record, problem.en)
        return _mapping_refused(problem)
    except Exception as exc:
        csv_import_log.fail(record, f"{type(exc).__name__}: {exc}")
        raise
    if not result.stored:
        csv_import_log.fail(record, f"{result.rows_rejected} bad row(s); nothing stored", rows_read=result.read.rows)
        return _refused(f"{result.rows_rejected} row(s) cannot be imported; nothing was stored "
                        "(send partial=true to store the other orders)",
                        f"取り込めない行が {result.rows_rejected} 行あります。何も保存していません"
                        "(partial=true で他の注文だけ保存できます)", result.errors)
    csv_import_log.finish(record, rows_read=result.read.rows, orders_written=result.counts.written,
                          rows_rejected=result.rows_rejected)
    read, counts = result.read, result.counts
    return Status(200, {"format": read.format, "encoding": read.encoding, "delimiter": read.delimiter,
                        "rows_read": read.rows, "orders": result.orders, "created": counts.created,
                        "updated": counts.updated, "unchanged": counts.unchanged, "written": counts.written,
                        "accounts_rescored": result.accounts_rescored, "errors": result.errors})


class _Draft:
    """An unsaved mapping for a preview."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


@router.post("imports/preview", response={200: PreviewOut, **ERRORS}, summary="Preview how a file would be read")
@declared_limit(BODY_LIMIT)
def preview(request: HttpRequest, file: UploadedFile = File(...), format: Optional[FormatName] = Form(None),
            mapping: Optional[str] = Form(None), columns: Optional[str] = Form(None, description="A draft mapping: JSON object"),
            date_format: str = Form(""), encoding: str = Form("auto"), delimiter: str = Form("auto"),
            sales_source: str = Form("other"), channel: str = Form("default-channel"), currency: str = Form("JPY")):
    """Reads the file as `imports/orders` would and returns the first orders as they would be
    stored and the problems found, storing nothing. Pass a saved `mapping`, or a draft one
    (`columns` as a JSON object, with its date_format, encoding, delimiter, sales_source) to try
    it before saving it."""
    need(request, Scope.INGEST)
    too_large = _too_large(file)
    if too_large:
        return too_large
    saved = _mapping(mapping)
    if saved is None and columns:
        try:
            draft_columns = json.loads(columns)
        except json.JSONDecodeError:
            return _mapping_refused(MappingProblem("columns", "columns must be a JSON object",
                                                   "columns は JSON オブジェクトで指定してください"))
        saved = _Draft(name="draft", columns=draft_columns, date_format=date_format, encoding=encoding,
                       delimiter=delimiter, sales_source=sales_source, currency=currency)
    try:
        read = read_orders(file.read(), context(channel, currency), format=format, mapping=saved)
    except FileProblem as problem:
        return _file_refused(problem)
    except MappingProblem as problem:
        return _mapping_refused(problem)
    good, errors = validate(read)
    orders = [_plain(order) for order in good[:PREVIEW_ORDERS]]
    return Status(200, {"format": read.format, "encoding": read.encoding, "delimiter": read.delimiter,
                        "header": read.header, "rows_read": read.rows, "orders": orders, "errors": errors[:100]})


def _plain(order) -> dict:
    from ..ingest.facts import to_jsonable

    data = to_jsonable(order)
    data.pop("raw", None)
    return data


def _mapping_out(mapping: ColumnMapping) -> dict:
    return {name: getattr(mapping, name) for name in MappingOut.model_fields}


@router.post("imports/mappings", response={200: MappingOut, **ERRORS}, summary="Save a column mapping (by name)")
def save_mapping(request: HttpRequest, payload: MappingIn):
    """Creates the mapping, or replaces the one of that name. `columns` maps the file's column
    names to fields: external_id, created_at (or created_date + created_time) and total_gross
    are required; the others are number, status, refunded_amount, shipping, currency, email,
    company_name, first_name, last_name, full_name, phone, customer_key, user_id, sales_source,
    shipped_at, tracking_number, carrier (the order's shipment), utm_source, utm_medium, utm_campaign,
    voucher_code (where the buyer came from), sku, product_name, quantity, unit_price, line_amount."""
    principal = need(request, Scope.INGEST)
    try:
        columns = check_columns(payload.columns)
    except MappingProblem as problem:
        return _mapping_refused(problem)
    fields = payload.model_dump(exclude={"name"})
    fields["columns"] = columns
    with db.writer():
        try:
            mapping, _ = ColumnMapping.objects.update_or_create(
                name=payload.name, defaults={**fields, "created_by": (principal.label or principal.kind)[:254]})
        except IntegrityError:  # two callers saved the same new name at once
            mapping = ColumnMapping.objects.get(name=payload.name)
    return Status(200, _mapping_out(mapping))


@router.get("imports/mappings", response={200: list[MappingOut], **ERRORS}, summary="Saved column mappings")
def list_mappings(request: HttpRequest):
    need(request, Scope.INGEST)
    return Status(200, [_mapping_out(m) for m in ColumnMapping.objects.order_by("name")])


@router.get("imports/mappings/{name}", response={200: MappingOut, **ERRORS}, summary="One saved column mapping")
def get_mapping(request: HttpRequest, name: str):
    need(request, Scope.INGEST)
    mapping = _mapping(name)
    return Status(200, _mapping_out(mapping))


@router.delete("imports/mappings/{name}", response={204: None, **ERRORS}, summary="Delete a saved column mapping")
def delete_mapping(request: HttpRequest, name: str):
    need(request, Scope.INGEST)
    mapping = _mapping(name)
    with db.writer():
        mapping.delete()
    return Status(204, None)


class JobOut(Schema):
    id: int
    kind: str = Field("orders", description="orders, customers or products (for a list, the order counts count records).")
    state: Literal[tuple(ImportState.values)]  # type: ignore[valid-type]
    file_name: str
    file_bytes: int
    format: str = Field(..., description="Detected (or given) format; empty until a worker has read the file.")
    encoding: str
    delimiter: str
    rows_read: int
    orders_total: int = Field(..., description="Orders that passed validation.")
    orders_done: int = Field(..., description="Of those, stored so far.")
    progress: float = Field(..., description="0 … 1.")
    created: int
    updated: int
    unchanged: int
    rows_refused: int
    accounts_rescored: int
    error: str = Field(..., description="Why the file was refused or the job failed, as a whole.")
    errors: list[RowErrorOut] = Field(..., description=f"The first {ERRORS_SHOWN} refused rows; all of them in "
                                                       "the error report.")
    error_report_url: str = Field(..., description="CSV of every refused row (line, field, reason ja/en).")
    same_file_as: Optional[int] = Field(None, description="An earlier job with the same bytes (importing again "
                                                          "changes nothing).")
    queued_at: datetime
    started_at: Optional[datetime]
    finished_at: Optional[datetime]


def _job_out(job: ImportJob, request: HttpRequest) -> dict:
    same = (ImportJob.objects.filter(file_sha256=job.file_sha256, pk__lt=job.pk).exclude(file_sha256="")
            .order_by("-pk").values_list("pk", flat=True).first())
    fields = {name: getattr(job, name) for name in JobOut.model_fields
              if name not in ("kind", "progress", "errors", "error_report_url", "same_file_as")}
    report = request.build_absolute_uri(request.path.rstrip("/").rsplit("/imports", 1)[0] + f"/imports/{job.pk}/errors")
    return {**fields, "kind": job.options.get("kind", "orders"), "progress": round(import_jobs.progress(job), 4), "errors": job.errors[:ERRORS_SHOWN],
            "error_report_url": report, "same_file_as": same}


def _job(job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound("id", f"no import job {job_id}")
    return job


@router.post("imports", response={202: JobOut, **ERRORS}, summary="Upload an order file to import (a job)")
@declared_limit(JOB_BODY_LIMIT)
def create_job(request: HttpRequest, file: UploadedFile = File(...), format: Optional[FormatName] = Form(None),
               mapping: Optional[str] = Form(None), channel: str = Form("default-channel", max_length=128),
               currency: str = Form("JPY", pattern=r"^[A-Z]{3}$"), partial: bool = Form(False),
               kind: Literal[JOB_KINDS] = Form("orders", description="orders, customers (a customer list as "  # type: ignore[valid-type]
                                                "`customers/import` reads it) or products (a catalogue)."),
               id_namespace: Literal[tuple(SalesSource.values)] = Form(  # type: ignore[valid-type]
                   "other", description="customers: the prefix of bare 顧客ID values.")):
    """The same files and rules as `imports/orders` (or, with `kind`, `customers/import` and
    `products/import`: all or nothing, counts per record), up to 200 MiB, read by a worker: answers at
    once with the job; `GET imports/{id}` shows its state and progress. All-or-nothing per order;
    by default one bad row refuses the file (nothing stored), `partial=true` stores the other
    orders. A worker lost mid-file is replaced and the job goes on where it stopped. Uploading
    the same file again changes nothing (`same_file_as` names the earlier job)."""
    principal = need(request, Scope.INGEST)
    too_large = _too_large(file, MAX_JOB_FILE_BYTES)
    if too_large:
        return too_large
    _mapping(mapping)  # an unknown mapping is refused now, not by the worker
    options = {"format": format, "mapping": mapping, "channel": channel, "currency": currency, "partial": partial,
               "kind": kind, "id_namespace": id_namespace}
    job = import_jobs.create(file.read(), caller=principal.label or principal.kind, file_name=file.name or "",
                             options=options)
    from ..tasks.ingest import run_import_task

    try:
        run_import_task.delay(job.pk)
    except Exception:  # noqa: BLE001 — the broker is away: the beat's resume_imports queues it later
        logger.exception("ltv import %s: could not queue; resume_imports will", job.pk)
    job.refresh_from_db()
    return Status(202, _job_out(job, request))


@router.get("imports", response={200: list[JobOut], **ERRORS}, summary="Recent import jobs")
def list_jobs(request: HttpRequest, limit: int = 50):
    need(request, Scope.INGEST)
    jobs = ImportJob.objects.order_by("-pk")[:max(1, min(limit, 200))]
    return Status(200, [_job_out(job, request) for job in jobs])


@router.get("imports/{job_id}", response={200: JobOut, **ERRORS}, summary="An import job's state and progress")
def get_job(request: HttpRequest, job_id: int):
    need(request, Scope.INGEST)
    return Status(200, _job_out(_job(job_id), request))


@router.get("imports/{job_id}/errors", response={200: None, **ERRORS},
            summary="An import job's refused rows as CSV (for Excel)")
def job_errors(request: HttpRequest, job_id: int,
               encoding: Literal["utf-8-sig", "shift_jis"] = "utf-8-sig"):  # type: ignore[valid-type]
    """Line, field and reason (Japanese and English) of every refused row; UTF-8 with BOM or Shift_JIS."""
    need(request, Scope.INGEST)
    job = _job(job_id)
    charset = "shift_jis" if encoding == "shift_jis" else "utf-8"
    response = HttpResponse(import_jobs.error_report(job, encoding), content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response
