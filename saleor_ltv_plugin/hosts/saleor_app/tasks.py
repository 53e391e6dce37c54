"""Beat's entries, once per shop: each shop's recompute, scans and sends are tasks of their own,
so more worker processes (or machines) share a night between them."""

from __future__ import annotations

from celery import current_app, shared_task

from ...tenancy.celery import HEADER
from .models import Installation
from .schedule import FAN_OUT


@shared_task(name=FAN_OUT, ignore_result=True)
def for_each_shop(task_name: str) -> int:
    """Send `task_name` once for every installed shop, in that shop's schema."""
    schemas = list(Installation.objects.active().order_by("pk").values_list("schema", flat=True))
    for schema in schemas:
        current_app.send_task(task_name, headers={HEADER: schema})
    return len(schemas)
