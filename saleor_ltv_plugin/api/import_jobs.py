"""Order files (and customer lists and catalogues, `kind`) imported as jobs: uploaded (bytes kept in the database), then read, validated and
stored by a Celery worker in committed chunks, the touched accounts re-scored once at the end.

A job is claimed under a lease; ``attempts`` is its fencing token. Each chunk commits together
with ``orders_done`` and its touched accounts, so a worker lost mid-file leaves a job the
sweeper hands to the next worker, which skips what is already in — nothing lost, nothing twice
(and storing an order again would change nothing anyway: the upsert compares snapshots).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .. import db, signals
from ..ingest.catalogue import store_products
from ..ingest.customers import store_customers
from ..ingest.formats import FileProblem, MappingProblem, read_orders
from ..ingest.gc_pause import collector_paused
from ..ingest.orders import store_orders_unscored
from ..models import ColumnMapping, ImportFilePart, ImportJob, ImportJobAccount, ImportState, OrderFact
from .file_import import context, validate
from .spreadsheet_encoding import csv_bytes

logger = logging.getLogger(__name__)
PART_BYTES = 8 * 2**20
CHUNK = 2000
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
MAX_ERRORS_KEPT = 10_000


class LostLease(Exception):
    """Another worker holds the job now: stop without writing."""


def create(data: bytes, *, caller: str, file_name: str, options: dict) -> ImportJob:
    """The job and its bytes, in one transaction: a job never exists without its file."""
    with db.writer(), transaction.atomic():
        job = ImportJob.objects.create(caller=caller[:254], file_name=(file_name or "")[:255], file_bytes=len(data),
                                       file_sha256=hashlib.sha256(data).hexdigest(), options=options)
        ImportFilePart.objects.bulk_create([ImportFilePart(job=job, number=i, data=data[start:start + PART_BYTES])
                                            for i, start in enumerate(range(0, len(data), PART_BYTES))])
    return job


def _file(job: ImportJob) -> bytes:
    return b"".join(bytes(part) for part in job.parts.order_by("number").values_list("data", flat=True))


def _claim(job_id: int, now: datetime) -> ImportJob | None:
    claimable = Q(state=ImportState.QUEUED) | Q(state=ImportState.RUNNING, lease_until__lt=now)
    with db.writer():
        claimed = ImportJob.objects.filter(claimable, pk=job_id, attempts__lt=MAX_ATTEMPTS).update(
            state=ImportState.RUNNING, lease_until=now + LEASE, attempts=F("attempts") + 1,
            started_at=now)
    return ImportJob.objects.get(pk=job_id) if claimed else None


def _mine(job: ImportJob):
    return ImportJob.objects.filter(pk=job.pk, state=ImportState.RUNNING, attempts=job.attempts)


def _end(job: ImportJob, state: str, **fields) -> None:
    with db.writer(), transaction.atomic():
        if _mine(job).update(state=state, finished_at=timezone.now(), lease_until=None, **fields) == 1:
            job.parts.all().delete()  # the file is personal data: kept no longer than its import


def run(job_id: int) -> str:
    """Import the job if it is claimable; returns its state afterwards (or "busy")."""
    job = _claim(job_id, timezone.now())
    if job is None:
        return "busy"
    try:
        return _run(job)
    except LostLease:
        logger.warning("ltv import %s: lease lost to another worker", job.pk)
        return "lost"


def _run(job: ImportJob) -> str:
    with collector_paused():
        return _run_paused(job)


def _run_paused(job: ImportJob) -> str:
    options = job.options
    if options.get("kind", "orders") != "orders":
        return _run_list(job, options["kind"])
    mapping = ColumnMapping.objects.filter(name=options["mapping"]).first() if options.get("mapping") else None
    if options.get("mapping") and mapping is None:
        _end(job, ImportState.REFUSED, error=f"no saved column mapping named {options['mapping']!r}")
        return ImportState.REFUSED
    try:
        read = read_orders(_file(job), context(options.get("channel", "default-channel"),
                                               options.get("currency", "JPY")),
                           format=options.get("format"), mapping=mapping)
    except (FileProblem, MappingProblem) as problem:
        en, ja = (str(problem), problem.ja) if isinstance(problem, FileProblem) else (problem.en, problem.ja)
        _end(job, ImportState.REFUSED, error=en,
             errors=[{"row": getattr(problem, "line", 0), "field": getattr(problem, "field", "file"),
                      "message": getattr(problem, "en", en), "message_ja": ja}])
        return ImportState.REFUSED
    good, errors = validate(read)
    refused = len({e["row"] for e in errors})
    header = dict(format=read.format, encoding=read.encoding, delimiter=read.delimiter, rows_read=read.rows,
                  orders_total=len(good), rows_refused=refused, errors=errors[:MAX_ERRORS_KEPT])
    if errors and not options.get("partial"):
        _end(job, ImportState.REFUSED, error=f"{refused} row(s) cannot be imported; nothing was stored", **header)
        return ImportState.REFUSED
    with db.writer():
        if _mine(job).update(**header) != 1:
            raise LostLease
    for start in range(job.orders_done, len(good), CHUNK):
        _store_chunk(job, good[start:start + CHUNK], start)
    touched = list(ImportJobAccount.objects.filter(job=job).values_list("account_id", flat=True))
    if touched:
        with db.writer():
            signals.orders_changed.send(sender=OrderFact, account_ids=set(touched))
    _end(job, ImportState.FINISHED, accounts_rescored=len(touched))
    return ImportState.FINISHED


def _run_list(job: ImportJob, kind: str) -> str:
    """A customer list or a product catalogue: validated whole, then stored in one transaction — they
    are small next to order files, and storing one again changes nothing, so a lost worker's
    successor simply does it again."""
    from . import catalogue, customers  # they import this module's router neighbours

    options = job.options
    channel, currency = options.get("channel", "default-channel"), options.get("currency", "JPY")
    try:
        if kind == "customers":
            records, good, errors = customers.read_list(_file(job), channel, currency,
                                                        options.get("id_namespace") or "other")
        else:
            records, good, errors = catalogue.read_list(_file(job))
    except FileProblem as problem:
        _end(job, ImportState.REFUSED, error=str(problem), errors=[
            {"row": problem.line, "field": "file", "message": problem.en, "message_ja": problem.ja}])
        return ImportState.REFUSED
    refused = len({e["row"] for e in errors})
    header = dict(format=kind, encoding=records.encoding, delimiter=records.delimiter,
                  rows_read=records.rows_read, orders_total=len(good), rows_refused=refused,
                  errors=errors[:MAX_ERRORS_KEPT])
    if errors:
        _end(job, ImportState.REFUSED, error=f"{refused} row(s) cannot be imported; nothing was stored", **header)
        return ImportState.REFUSED
    with db.writer(), transaction.atomic():
        if not _mine(job).select_for_update().exists():
            raise LostLease
        counts = (store_customers(good, channel, currency) if kind == "customers" else store_products(good))
    _end(job, ImportState.FINISHED, orders_done=len(good), created=counts.created, updated=counts.updated,
         unchanged=counts.unchanged, **header)
    return ImportState.FINISHED


def _store_chunk(job: ImportJob, chunk, start: int) -> None:
    with db.writer(), transaction.atomic():
        # Lock our row first: a sweeper cannot hand the job on while this chunk commits.
        if not _mine(job).select_for_update().exists():
            raise LostLease
        counts, touched = store_orders_unscored(chunk)
        ImportJobAccount.objects.bulk_create([ImportJobAccount(job=job, account_id=a) for a in touched],
                                             ignore_conflicts=True)
        _mine(job).update(orders_done=start + len(chunk), created=F("created") + counts.created,
                          updated=F("updated") + counts.updated, unchanged=F("unchanged") + counts.unchanged,
                          lease_until=timezone.now() + LEASE)


def stalled(now: datetime | None = None) -> list[int]:
    """Jobs waiting for a worker, or whose worker was lost (lease run out); gives up after
    MAX_ATTEMPTS claims."""
    now = now or timezone.now()
    lost = Q(state=ImportState.RUNNING, lease_until__lt=now)
    with db.writer():
        for job in ImportJob.objects.filter(lost, attempts__gte=MAX_ATTEMPTS):
            _end(job, ImportState.FAILED, error=f"gave up after {job.attempts} attempts (worker lost each time)")
    return list(ImportJob.objects.filter(Q(state=ImportState.QUEUED) | lost).values_list("pk", flat=True)[:100])


def progress(job: ImportJob) -> float:
    if job.state == ImportState.FINISHED:
        return 1.0
    return job.orders_done / job.orders_total if job.orders_total else 0.0


REPORT_HEADER = {"en": ["line", "field", "reason"], "ja": ["行", "項目", "理由"]}


def error_report(job: ImportJob, encoding: str) -> bytes:
    """The refused rows for a spreadsheet: line, field and the reason in Japanese and English."""
    rows = [["行 / line", "項目 / field", "理由", "reason"]]
    rows += [[str(error.get("row") or ""), error.get("field", ""), error.get("message_ja", ""), error.get("message", "")]
             for error in job.errors]
    return csv_bytes(rows, encoding)
