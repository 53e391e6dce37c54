"""Nightly recompute of every account's metrics."""

from celery import shared_task

from .. import db


@shared_task(name="saleor_ltv_plugin.recompute_metrics", ignore_result=True, expires=6 * 3600)
def recompute_metrics_task(channel: str | None = None, run_id: int | None = None) -> dict:
    from ..metrics.recompute import recompute

    with db.writer():
        run = recompute(channel, run_id=run_id)
    return {"run": run.pk, "status": run.status, "accounts": run.accounts}


def queue_recompute(channel: str | None):
    """Start a run and queue it; None while one runs. A run that cannot be queued is marked failed."""
    from ..metrics.recompute import start_run

    with db.writer():
        run = start_run()
    if run is None:
        return None
    try:
        recompute_metrics_task.delay(channel, run_id=run.pk)
    except Exception:
        with db.writer():
            type(run).objects.filter(pk=run.pk, status="running").update(status="failed")
        raise
    return run
