"""An order's lines and shipments, merged set-based (bulk_orders): one sync for both tables.

Each is diffed by its reference within the order: stored rows the snapshot no longer lists go, new
ones come, changed ones are updated, equal ones are not written. Shipments are synced only for
orders whose snapshot lists them (None leaves what is stored, as shipments.sync_shipments).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict

from ..models import OrderLineFact, ShipmentFact
from .bulk_stage import Stage, table
from .facts import OrderData

LINE_COLUMNS = ("variant_id", "product_id", "sku", "product_name", "quantity", "unit_price", "amount",
                "variant_name", "product_slug", "image_url")
# The order's account, date and purchase flag (line_copies): staged with each line, so a line whose
# order changed is a changed line.
COPY_COLUMNS = ("account_id", "ordered_at", "counts_as_purchase")
SHIPMENT_COLUMNS = ("shipped_at", "tracking_number", "carrier", "lines")


def sync_lines(stage: Stage, orders: Sequence[OrderData], current: dict[int, int], created,
               account_ids: Sequence[int]) -> set[int]:
    """Make each current order's lines the ones given (`account_ids`: each order's account, by
    position, as stored); returns the orders whose lines changed."""

    def rows():
        for pk, idx in current.items():
            data = orders[idx]  # current: the stored order is this snapshot (bulk_orders._merge_orders)
            wanted = {line.line_ref: line for line in data.lines}  # a repeated ref: the last one
            for ref, line in wanted.items():
                yield (pk, ref, line.variant_id, line.product_id, line.sku, line.product_name, line.quantity,
                       line.unit_price, line.amount, line.variant_name, line.product_slug, line.image_url,
                       account_ids[idx], data.created_at, data.counts_as_purchase)

    return _sync(stage, "line", table(OrderLineFact), "line_ref", LINE_COLUMNS + COPY_COLUMNS,
                 "variant_id text, product_id text, sku text, product_name text, quantity int, unit_price numeric, "
                 "amount numeric, variant_name text, product_slug text, image_url text, "
                 "account_id bigint, ordered_at timestamptz, counts_as_purchase bool",
                 [pk for pk in current if pk not in created], rows(), stamped=False)


def sync_shipments(stage: Stage, orders: Sequence[OrderData], current: dict[int, int], created) -> set[int]:
    told = {pk: idx for pk, idx in current.items() if orders[idx].shipments is not None}

    def rows():
        for pk, idx in told.items():
            wanted = {s.ref[:64]: s for s in orders[idx].shipments}
            for ref, s in wanted.items():
                lines = json.dumps([asdict(line) for line in s.lines])
                yield (pk, ref, s.shipped_at, s.tracking_number[:255], s.carrier[:128], lines)

    if not told:
        return set()
    return _sync(stage, "shipment", table(ShipmentFact), "shipment_ref", SHIPMENT_COLUMNS,
                 "shipped_at timestamptz, tracking_number text, carrier text, lines jsonb",
                 [pk for pk in told if pk not in created], rows(), stamped=True)


def _sync(stage: Stage, name: str, target: str, ref: str, columns: Sequence[str], types: str,
          stored_for: Sequence[int], rows: Iterable[tuple], stamped: bool) -> set[int]:
    """Rows (order_id, ref, *columns) become the children of their orders in `target`; `stored_for`:
    the orders that may hold children already (an order created by this batch holds none, so its
    children need no diff). Returns the orders whose children changed."""
    wanted, told = f"ltv_stage_{name}", f"ltv_stage_{name}_told"
    stage.create(wanted, f"order_id bigint, {ref} text, {types}", key=f"order_id, {ref}")
    stage.fill(wanted, ("order_id", ref, *columns), rows)
    changed: set[int] = set()
    if stored_for:
        stage.create(told, "order_id bigint", key="order_id")
        stage.fill(told, ("order_id",), ((pk,) for pk in stored_for))
        changed |= {pk for (pk,) in stage.rows(
            f"DELETE FROM {target} AS t WHERE EXISTS (SELECT 1 FROM {told} o WHERE o.order_id = t.order_id) "
            f"AND NOT EXISTS (SELECT 1 FROM {wanted} w WHERE w.order_id = t.order_id AND w.{ref} = t.{ref}) "
            "RETURNING order_id")}
    names = ", ".join(columns)
    stamp, stamp_values, stamp_set, params = "", "", "", ()
    if stamped:
        stamp, stamp_values, stamp_set = ", created_at, updated_at", ", %s, %s", ", updated_at"
        params = (stage.value(stage.now), stage.value(stage.now))
    changed |= {pk for (pk,) in stage.rows(
        f"INSERT INTO {target} AS t (order_id, {ref}, {names}{stamp}) "
        f"SELECT order_id, {ref}, {names}{stamp_values} FROM {wanted} WHERE true ORDER BY order_id, {ref} "
        f"ON CONFLICT (order_id, {ref}) DO UPDATE SET ({names}{stamp_set}) = "
        f"({', '.join('EXCLUDED.' + c for c in columns)}{', EXCLUDED.updated_at' if stamped else ''}) "
        f"WHERE ({', '.join('t.' + c for c in columns)}) {stage.distinct} "
        f"({', '.join('EXCLUDED.' + c for c in columns)}) RETURNING order_id", params)}
    return changed
