"""Nightly recompute of every account's metrics."""

from celery import shared_task

from .. import db


@shared_task(name="saleor_ltv_plugin.recompute_metrics", ignore_result=True, expires=6 * 3600)
def recompute_metrics_task(channel: str | None = None) -> dict:
    from ..metrics.recompute import recompute

    with db.writer():
        run = recompute(channel)
    return {"run": run.pk, "status": run.status, "accounts": run.accounts}
