"""Print jobs: a DM step's due letters collect in its open job; staff close it (its list is then
fixed), print or send its files to a mailing house, and mark it posted — its outbox rows become
sent as of the posting day, which is when attribution starts counting. Cancelling skips them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from ... import conf
from ...models import DeliveryKind, MessageStatus, OutboxMessage, PrintJob, PrintJobItem, PrintJobState
from ...queries.errors import InputError
from .. import render
from . import letter

def _open_job(channel: str, scenario: str, step_id: str) -> PrintJob:
    found = PrintJob.objects.filter(channel=channel, scenario=scenario, step_id=step_id,
                                    state=PrintJobState.OPEN).first()
    if found:
        return found
    try:
        with transaction.atomic():  # two workers at once: the partial unique index lets one win
            return PrintJob.objects.create(channel=channel, scenario=scenario, step_id=step_id)
    except IntegrityError:
        return PrintJob.objects.get(channel=channel, scenario=scenario, step_id=step_id, state=PrintJobState.OPEN)


def address_of(contact) -> dict[str, str]:
    """The 宛名 as printed: the address's own company and person, else the contact's."""
    person = contact.address_person or " ".join(p for p in (contact.last_name, contact.first_name) if p)
    return {"postal_code": contact.address_postal_code, "prefecture": contact.address_prefecture,
            "city": contact.address_city, "line1": contact.address_line1, "line2": contact.address_line2,
            "company": contact.address_company or contact.company_name,
            "department": contact.address_department, "person": person}


def add(message: OutboxMessage, config, document) -> PrintJobItem:
    """The row's letter in its step's open job; the letter it already has when it was batched
    before (a resent row, a worker lost before the row was marked)."""
    existing = PrintJobItem.objects.filter(message=message).select_related("job").first()
    if existing:
        return existing
    filled = letter.fill(document, message, config, render.language(message.contact, config))
    for _ in range(3):  # the open job may close between finding it and adding to it
        job = _open_job(message.channel, message.scenario, message.step_id)
        try:
            with transaction.atomic():
                if not PrintJob.objects.select_for_update().filter(pk=job.pk, state=PrintJobState.OPEN).exists():
                    continue
                return PrintJobItem.objects.create(
                    job=job, message=message, account_id=message.account_id, contact=message.contact,
                    language=filled["language"], address=address_of(message.contact), letter=filled)
        except IntegrityError:  # another worker batched this row meanwhile
            return PrintJobItem.objects.select_related("job").get(message=message)
    raise RuntimeError(f"print job for {message.scenario}/{message.step_id} keeps closing")


def _job(job_id: int, channel: str | None = None) -> PrintJob:
    rows = PrintJob.objects.select_for_update()
    job = rows.filter(pk=job_id, **({"channel": channel} if channel else {})).first()
    if job is None:
        raise InputError({"id": f"no print job {job_id}"}, code="not_found")
    return job


def _refuse(job: PrintJob, action: str, allowed: tuple[str, ...]) -> None:
    if job.state not in allowed:
        raise InputError({"id": f"print job {job.pk} is {job.state}; only a {' or '.join(allowed)} job can be {action}"},
                         code="invalid_state")


def close(job_id: int, by: str, channel: str | None = None) -> PrintJob:
    """Fix the job's list: later letters of its step go to a new job."""
    with transaction.atomic():
        job = _job(job_id, channel)
        _refuse(job, "closed", (PrintJobState.OPEN,))
        job.state, job.closed_at, job.closed_by = PrintJobState.CLOSED, timezone.now(), by[:254]
        job.save(update_fields=["state", "closed_at", "closed_by"])
    return job


def shop_day(channel: str, moment: dt.datetime) -> dt.date:
    """The day `moment` falls on in the shop's time zone: a letter is dated as the shop sees it."""
    return moment.astimezone(zoneinfo.ZoneInfo(conf.channel_settings(channel).timezone)).date()


def posted_moment(job: PrintJob, posted_on: dt.date | None, now: dt.datetime) -> dt.datetime:
    """When the letters count as sent: now for today (or no date), else the start of that day in
    the shop's time zone — never before the job closed, never in the future."""
    zone = zoneinfo.ZoneInfo(conf.channel_settings(job.channel).timezone)
    today = now.astimezone(zone).date()
    if posted_on is None or posted_on == today:
        return now
    if posted_on > today:
        raise InputError({"posted_on": "must not be in the future (投函日に未来の日付は指定できません)"}, code="out_of_range")
    moment = dt.datetime.combine(posted_on, dt.time(), zone)
    if job.closed_at and moment < job.closed_at.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0):
        raise InputError({"posted_on": "must not be before the job was closed (締め日より前の投函日は指定できません)"},
                         code="out_of_range")
    return max(moment, job.closed_at or moment)


def mark_posted(job_id: int, by: str, posted_on: dt.date | None = None, channel: str | None = None) -> PrintJob:
    """The job was posted: its letters are sent as of then (one transaction with the job's state)."""
    with transaction.atomic():
        job = _job(job_id, channel)
        _refuse(job, "marked posted", (PrintJobState.CLOSED,))
        job.state, job.posted_by = PrintJobState.POSTED, by[:254]
        job.posted_at = posted_moment(job, posted_on, timezone.now())
        job.save(update_fields=["state", "posted_at", "posted_by"])
        OutboxMessage.objects.filter(print_item__job=job, status=MessageStatus.AWAITING).update(
            status=MessageStatus.SENT, sent_at=job.posted_at)
    return job


def cancel(job_id: int, by: str, channel: str | None = None) -> PrintJob:
    """Not posted after all: its letters are skipped (an open job's step starts a new one)."""
    with transaction.atomic():
        job = _job(job_id, channel)
        _refuse(job, "cancelled", (PrintJobState.OPEN, PrintJobState.CLOSED))
        job.state, job.cancelled_at, job.closed_by = PrintJobState.CANCELLED, timezone.now(), job.closed_by or by[:254]
        job.save(update_fields=["state", "cancelled_at", "closed_by"])
        OutboxMessage.objects.filter(print_item__job=job, status=MessageStatus.AWAITING).update(
            status=MessageStatus.SKIPPED, skip_reason="print_job_cancelled")
    return job


def items(job: PrintJob) -> list[PrintJobItem]:
    """The job's letters in postal-code order (how a mailing house sorts for the postal discount)."""
    return sorted(job.items.all(), key=lambda i: (i.address.get("postal_code", ""), i.pk))


def skipped(channel: str, limit: int = 200):
    """Recent DM rows the send policy skipped, newest first, with the contact to name and fix."""
    return (OutboxMessage.objects.filter(channel=channel, kind=DeliveryKind.POSTAL_DM, status=MessageStatus.SKIPPED)
            .select_related("contact", "account").order_by("-created_at", "-id")[:limit])
