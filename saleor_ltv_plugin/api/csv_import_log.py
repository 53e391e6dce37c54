"""Each CSV upload is recorded before its orders are stored, in its own committed row, so an
import that dies (killed worker, timeout, crash) is visible as `running` with no finish time."""

from __future__ import annotations

from django.utils import timezone

from .. import db
from ..auth import Principal
from ..models import CsvImport, CsvImportStatus


def start(principal: Principal, file_name: str, file_bytes: int) -> CsvImport:
    with db.writer():
        return CsvImport.objects.create(started_at=timezone.now(), caller=(principal.label or principal.kind)[:254],
                                        file_name=(file_name or "")[:255], file_bytes=file_bytes or 0)


def finish(record: CsvImport, *, rows_read: int, orders_written: int, rows_rejected: int) -> None:
    _close(record, CsvImportStatus.FINISHED, rows_read=rows_read, orders_written=orders_written,
           rows_rejected=rows_rejected)


def fail(record: CsvImport, error: str, rows_read: int = 0) -> None:
    _close(record, CsvImportStatus.FAILED, error=error[:2000], rows_read=rows_read)


def _close(record: CsvImport, status: str, **fields) -> None:
    with db.writer():
        CsvImport.objects.filter(pk=record.pk).update(status=status, finished_at=timezone.now(), **fields)
