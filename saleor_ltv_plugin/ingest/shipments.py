"""Shipments of stored orders: made to be the ones the source gives, diffed by their reference.

An order snapshot that says nothing about shipments (`shipments is None`: a file without a
shipping-date column, a REST call without one) leaves the stored ones as they are; a source that
lists them (Saleor re-reads the order's fulfilments) replaces them, so a cancelled fulfilment goes.
"""

from __future__ import annotations

from dataclasses import asdict

from django.utils import timezone

from ..models import ShipmentFact
from .bulk_sql import bulk_set
from .facts import OrderData

FIELDS = ("shipped_at", "tracking_number", "carrier", "lines")


def _row_values(shipment) -> dict:
    return {"shipped_at": shipment.shipped_at, "tracking_number": shipment.tracking_number[:255],
            "carrier": shipment.carrier[:128], "lines": [asdict(line) for line in shipment.lines]}


def sync_shipments(current: dict[int, OrderData]) -> set[int]:
    """Store the shipments of orders (order pk → snapshot); returns the orders whose shipments changed."""
    told = {pk: data for pk, data in current.items() if data.shipments is not None}
    if not told:
        return set()
    existing = {(s.order_id, s.shipment_ref): s for s in ShipmentFact.objects.filter(order_id__in=list(told))}
    wanted = {(pk, shipment.ref[:64]): shipment for pk, data in told.items() for shipment in data.shipments}
    stale = [row for ident, row in existing.items() if ident not in wanted]
    if stale:
        ShipmentFact.objects.filter(pk__in=[row.pk for row in stale]).delete()
    new_rows, changed = [], []
    for (order_id, ref), shipment in wanted.items():
        values = _row_values(shipment)
        row = existing.get((order_id, ref))
        if row is None:
            new_rows.append(ShipmentFact(order_id=order_id, shipment_ref=ref, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = timezone.now()
            changed.append(row)
    if new_rows:
        ShipmentFact.objects.bulk_create(new_rows)
    if changed:
        bulk_set(ShipmentFact, changed, [*FIELDS, "updated_at"])
    return {row.order_id for row in (*stale, *new_rows, *changed)}
