"""Tasks that turn the inbound-event log into facts and repair what was missed."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from .. import conf, db, hosts
from ..ingest import checkouts, inbox


@shared_task(name="saleor_ltv_plugin.process_inbound_events", ignore_result=True, expires=60)
def process_inbound_events_task() -> dict:
    from django.utils import timezone

    from ..models import TaskHeartbeat

    with db.writer():
        counts = inbox.drain(max_batches=20)
        # The setup checklist's "last inbound-event apply": proof the worker drains the inbox.
        TaskHeartbeat.objects.update_or_create(task="apply_inbox", defaults={"beat_at": timezone.now()})
    return counts


@shared_task(name="saleor_ltv_plugin.mark_abandoned_checkouts", ignore_result=True, expires=300)
def mark_abandoned_checkouts_task() -> int:
    with db.writer():
        return checkouts.mark_abandoned_checkouts()


@shared_task(name="saleor_ltv_plugin.reconcile_orders", ignore_result=True, expires=3600)
def reconcile_orders_task(window_days: int | None = None) -> dict:
    """Compare the host's orders with ours and repair differences (where the host can)."""
    host = hosts.current()
    if host is None or host.reconcile_orders is None:
        return {"skipped": "this host has nothing to reconcile with"}
    days = window_days if window_days is not None else conf.get_settings().base.reconcile_window_days
    with db.writer():
        return host.reconcile_orders(timedelta(days=days))


@shared_task(name="saleor_ltv_plugin.purge_inbound_events", ignore_result=True)
def purge_inbound_events_task() -> int:
    with db.writer():
        return inbox.purge_done()


@shared_task(name="saleor_ltv_plugin.run_import", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_import_task(job_id: int) -> str:
    """One uploaded file. A lost worker's job is resumed by `resume_imports` once its lease runs out."""
    from ..api import import_jobs

    return import_jobs.run(job_id)


@shared_task(name="saleor_ltv_plugin.resume_imports", ignore_result=True, expires=60)
def resume_imports_task() -> int:
    """Queue the jobs that wait for a worker or whose worker was lost."""
    from ..api import import_jobs

    jobs = import_jobs.stalled()
    for job_id in jobs:
        run_import_task.delay(job_id)
    return len(jobs)
