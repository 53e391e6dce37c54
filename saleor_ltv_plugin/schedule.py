"""Celery beat entries, merged into CELERY_BEAT_SCHEDULE by the app config."""

from datetime import timedelta

BEAT_SCHEDULE = {
    "ltv-process-inbound-events": {
        "task": "saleor_ltv_plugin.process_inbound_events",
        "schedule": timedelta(seconds=10),
        "options": {"expires": 60},
    },
    "ltv-mark-abandoned-checkouts": {
        "task": "saleor_ltv_plugin.mark_abandoned_checkouts",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 300},
    },
    "ltv-resume-imports": {
        "task": "saleor_ltv_plugin.resume_imports",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 60},
    },
    "ltv-reconcile-orders": {
        "task": "saleor_ltv_plugin.reconcile_orders",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3600},
    },
    "ltv-recompute-metrics": {
        "task": "saleor_ltv_plugin.recompute_metrics",
        "schedule": timedelta(hours=24),
        "options": {"expires": 6 * 3600},
    },
    "ltv-scan-scenarios": {
        "task": "saleor_ltv_plugin.scan_scenarios",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 120},
    },
    "ltv-run-flows": {
        "task": "saleor_ltv_plugin.run_flows",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 120},
    },
    "ltv-decide-ab-winners": {
        "task": "saleor_ltv_plugin.decide_ab_winners",
        "schedule": timedelta(minutes=15),
        "options": {"expires": 600},
    },
    "ltv-dispatch-outbox": {
        "task": "saleor_ltv_plugin.dispatch_outbox",
        "schedule": timedelta(seconds=15),
        "options": {"expires": 60},
    },
    "ltv-release-outbox-leases": {
        "task": "saleor_ltv_plugin.release_outbox_leases",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 60},
    },
    "ltv-sweep-line-invitations": {
        "task": "saleor_ltv_plugin.sweep_line_invitations",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 120},
    },
    "ltv-purge-inbound-events": {
        "task": "saleor_ltv_plugin.purge_inbound_events",
        "schedule": timedelta(days=1),
    },
}
