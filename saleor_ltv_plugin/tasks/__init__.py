"""Celery tasks. Saleor autodiscovers `<plugin package>.tasks`: import every task here."""

from .ingest import (
    mark_abandoned_checkouts_task,
    process_inbound_events_task,
    purge_inbound_events_task,
    reconcile_orders_task,
    resume_imports_task,
    run_import_task,
)
from .automation import (
    decide_ab_winners_task,
    dispatch_outbox_task,
    invite_line_follower_task,
    release_outbox_leases_task,
    run_flows_task,
    scan_scenarios_task,
    send_outbox_task,
    sweep_line_invitations_task,
)
from .metrics import recompute_metrics_task

__all__ = [
    "decide_ab_winners_task",
    "dispatch_outbox_task",
    "invite_line_follower_task",
    "release_outbox_leases_task",
    "run_flows_task",
    "scan_scenarios_task",
    "send_outbox_task",
    "sweep_line_invitations_task",
    "recompute_metrics_task",
    "mark_abandoned_checkouts_task",
    "process_inbound_events_task",
    "purge_inbound_events_task",
    "reconcile_orders_task",
    "resume_imports_task",
    "run_import_task",
]
