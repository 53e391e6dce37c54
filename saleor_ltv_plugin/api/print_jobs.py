"""Postal DM print jobs: list them, download a job's CSV (for a mailing house) and its PDFs
(address labels, letters), close it, mark it posted (its letters count as sent from then), cancel.

Reading needs metrics:read (the files hold customers' addresses, as account details do);
changing a job needs alerts:write, as working the call list does.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from .. import conf
from ..auth import Scope
from ..automation.dm import jobs, layout, pdf
from ..automation.dm.fonts import FontMissing
from ..contact_data import missing_postal_fields
from ..models import Flow, PrintJob, PrintJobState
from .errors import NotFound
from .schemas import ErrorOut, Input, Text
from .security import need
from .spreadsheet_encoding import CHARSET, ENCODINGS, csv_bytes

router = Router(tags=["print jobs"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
FILE_ERRORS = {**ERRORS, 503: ErrorOut}
MAX_LISTED = 200


class PrintJobOut(Schema):
    id: int
    channel: str
    flow_key: str
    flow_name: str
    step_id: str
    state: str
    letters: int
    created_at: dt.datetime
    closed_at: Optional[dt.datetime]
    closed_by: str
    posted_at: Optional[dt.datetime]
    posted_by: str
    cancelled_at: Optional[dt.datetime]


class LetterOut(Schema):
    id: int
    account_id: Optional[int]
    postal_code: str
    address: str
    company: str
    department: str
    person: str
    title: str


class PrintJobDetailOut(PrintJobOut):
    items: list[LetterOut]


class SkippedOut(Schema):
    message_id: int
    flow_key: str
    account_id: Optional[int]
    account_name: str
    company: str
    person: str
    reason: str
    missing: list[str]  # postal_code, prefecture, city, line1, addressee: what to fill in
    created_at: dt.datetime


class ListQuery(Input):
    channel: Text
    state: Optional[Literal[tuple(PrintJobState.values)]] = None  # type: ignore[valid-type]


class CsvQuery(Input):
    encoding: Literal[ENCODINGS] = "utf-8-sig"  # type: ignore[valid-type]


class PostedIn(Input):
    posted_on: Optional[dt.date] = None  # the posting day (shop time); empty: now


def _names(channel_keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    flows = Flow.objects.filter(channel__in={c for c, _ in channel_keys}, key__in={k for _, k in channel_keys})
    return {(f.channel, f.key): f.name for f in flows}


def job_out(job: PrintJob, letters: int, names: dict) -> dict:
    return {"id": job.pk, "channel": job.channel, "flow_key": job.scenario,
            "flow_name": names.get((job.channel, job.scenario), job.scenario), "step_id": job.step_id,
            "state": job.state, "letters": letters, "created_at": job.created_at, "closed_at": job.closed_at,
            "closed_by": job.closed_by, "posted_at": job.posted_at, "posted_by": job.posted_by,
            "cancelled_at": job.cancelled_at}


def _job(job_id: int) -> PrintJob:
    job = PrintJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound("job_id", f"no print job with id {job_id}")
    return job


def _by(request: HttpRequest) -> str:
    principal = request.auth
    return principal.email or principal.label or principal.kind


def _file(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _detail(job: PrintJob) -> dict:
    items = jobs.items(job)
    out = job_out(job, len(items), _names({(job.channel, job.scenario)}))
    out["items"] = [{"id": i.pk, "account_id": i.account_id, "postal_code": i.address.get("postal_code", ""),
                     "address": " ".join(p for p in layout.address_lines(i.address) if p),
                     "company": i.address.get("company", ""), "department": i.address.get("department", ""),
                     "person": i.address.get("person", ""), "title": i.letter.get("title", "")} for i in items]
    return out


@router.get("print-jobs", response={200: list[PrintJobOut], **ERRORS}, summary="A channel's DM print jobs")
def list_jobs(request: HttpRequest, filters: Query[ListQuery]):
    """Newest first (at most 200): open (collecting letters), closed (ready to print), posted, cancelled."""
    need(request, Scope.READ)
    rows = PrintJob.objects.filter(channel=filters.channel)
    if filters.state:
        rows = rows.filter(state=filters.state)
    rows = list(rows.annotate(letters=Count("items")).order_by("-created_at", "-id")[:MAX_LISTED])
    names = _names({(j.channel, j.scenario) for j in rows})
    return Status(200, [job_out(j, j.letters, names) for j in rows])


@router.get("print-jobs/skipped", response={200: list[SkippedOut], **ERRORS},
            summary="DM recipients skipped, with the reason")
def list_skipped(request: HttpRequest, filters: Query[ListQuery]):
    """The latest 200 DM letters not batched: `no_postal_address` names the missing parts of the
    address as it is now (fill them in and the next DM step reaches the buyer); `no_consent`: the
    buyer refused post."""
    need(request, Scope.READ)
    out = []
    for m in jobs.skipped(filters.channel):
        contact = m.contact
        out.append({"message_id": m.pk, "flow_key": m.scenario, "account_id": m.account_id,
                    "account_name": m.account.display_name if m.account else "",
                    "company": (contact.address_company or contact.company_name) if contact else "",
                    "person": " ".join(p for p in (contact.last_name, contact.first_name) if p) if contact else "",
                    "reason": m.skip_reason, "missing": missing_postal_fields(contact) if contact else [],
                    "created_at": m.created_at})
    return Status(200, out)


@router.get("print-jobs/{job_id}", response={200: PrintJobDetailOut, **ERRORS}, summary="One print job, its letters")
def get_job(request: HttpRequest, job_id: int):
    need(request, Scope.READ)
    return Status(200, _detail(_job(job_id)))


@router.get("print-jobs/{job_id}/csv", response={200: None, **ERRORS}, summary="The job as a mailing house's CSV")
def job_csv(request: HttpRequest, job_id: int, query: Query[CsvQuery]):
    """郵便番号, 住所1–3, 会社名, 部署, 氏名, 敬称, then the letter's merge fields (件名, 宛名, 最終注文日,
    クーポンコード, 差出人, 本文) and 管理番号 (job-letter). `encoding`: utf-8-sig (UTF-8 with BOM)
    or shift_jis (CP932); a cell that would start a formula starts with '."""
    need(request, Scope.READ)
    job = _job(job_id)
    data = csv_bytes(layout.rows(jobs.items(job)), query.encoding)
    return _file(data, f"text/csv; charset={CHARSET[query.encoding]}", f"ltv-dm-{job.pk}.csv")


def _pdf(job: PrintJob, part: str):
    items = jobs.items(job)
    shop = conf.channel_settings(job.channel)
    try:
        if part == "labels":
            data = pdf.labels(items, f"宛名ラベル #{job.pk}")
        else:
            dated = jobs.shop_day(job.channel, job.posted_at or job.closed_at or job.created_at)
            data = pdf.letters(items, f"DM #{job.pk}", shop.sender_name, shop.sender_postal_address,
                               pdf.date_line(dated))
    except FontMissing as exc:  # the machine lacks a Japanese font: say which and how to get it
        return Status(503, {"detail": str(exc), "errors": [{"field": "font", "message": str(exc),
                                                            "code": "font_missing"}]})
    return _file(data, "application/pdf", f"ltv-dm-{job.pk}-{part}.pdf")


@router.get("print-jobs/{job_id}/labels.pdf", response={200: None, **FILE_ERRORS},
            summary="Address labels: A4, 12 per sheet (86.4 × 42.3 mm)")
def job_labels(request: HttpRequest, job_id: int):
    need(request, Scope.READ)
    return _pdf(_job(job_id), "labels")


@router.get("print-jobs/{job_id}/letters.pdf", response={200: None, **FILE_ERRORS},
            summary="The letters, one A4 page each")
def job_letters(request: HttpRequest, job_id: int):
    need(request, Scope.READ)
    return _pdf(_job(job_id), "letters")


def _change(request: HttpRequest, job_id: int, change, **options):
    """alerts:write: the job exists (else 404), then the change (a refused state is a 422)."""
    need(request, Scope.ALERTS)
    _job(job_id)
    return Status(200, _detail(change(job_id, _by(request), **options)))


@router.post("print-jobs/{job_id}/close", response={200: PrintJobDetailOut, **ERRORS},
             summary="Fix an open job's list (later letters start a new job)")
def close_job(request: HttpRequest, job_id: int):
    return _change(request, job_id, jobs.close)


@router.post("print-jobs/{job_id}/posted", response={200: PrintJobDetailOut, **ERRORS},
             summary="Staff posted a closed job: its letters are sent as of then")
def post_job(request: HttpRequest, job_id: int, payload: PostedIn):
    """`posted_on` (a shop day, not in the future, not before the job was closed): its letters count
    as sent from the start of that day — attribution counts orders from then; today or empty: now."""
    return _change(request, job_id, jobs.mark_posted, posted_on=payload.posted_on)


@router.post("print-jobs/{job_id}/cancel", response={200: PrintJobDetailOut, **ERRORS},
             summary="Not posted after all: its letters are skipped")
def cancel_job(request: HttpRequest, job_id: int):
    return _change(request, job_id, jobs.cancel)
