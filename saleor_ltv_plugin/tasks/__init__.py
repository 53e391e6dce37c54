"""Celery tasks. Saleor autodiscovers `<plugin package>.tasks`: import every task here."""

from .ingest import (
    mark_abandoned_checkouts_task,
    process_inbound_events_task,
    purge_inbound_events_task,
    reconcile_orders_task,
)
from .metrics import recompute_metrics_task

__all__ = [
    "recompute_metrics_task",
    "mark_abandoned_checkouts_task",
    "process_inbound_events_task",
    "purge_inbound_events_task",
    "reconcile_orders_task",
]
