"""The path for large order batches: rows staged in temporary tables, merged by set-based SQL.

The ORM path (orders._upsert_chunk) builds a model and a quoted VALUES row per order, line and
contact, and reads every stored row back into a model: ~95 % of a 100 k-row file's import. Here
each table's wanted rows go into a temporary table (PostgreSQL: one COPY; SQLite, the demo's and
a standalone shop's database: one executemany) and meet the stored rows in a few
INSERT … ON CONFLICT / UPDATE … FROM statements, which both databases speak. The results are the ORM path's: the same rows,
the same counts and touched accounts (tests/ingest/test_bulk_orders.py runs one batch both ways).

Rules kept: a snapshot older than the stored one (source_updated_at) changes nothing; lines and
shipments are diffed by their reference; stored orders are locked in key order before anything
is written; contacts get only the fields they lacked; erased people stay anonymous.

By table: this module merges the orders; bulk_accounts the contacts, accounts and their links;
bulk_children the lines and shipments (one sync for both); bulk_stage the temporary tables.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from .. import conf
from ..models import OrderFact
from . import bulk_accounts
from .account_keys import AccountKey
from .bulk_children import LINE_COLUMNS, SHIPMENT_COLUMNS, sync_lines, sync_shipments
from .bulk_stage import Stage, table
from .facts import OrderData
from .identity import anonymous_account_key, contact_lookup, identity_hashes

# Below this many orders the ORM path's handful of queries costs less than staging tables.
MIN_ORDERS = 200
ORDER_COLUMNS = (
    "number", "sales_source", "account_id", "contact_id", "channel", "currency", "created_at", "status",
    "total_gross", "total_net", "refunded_amount", "amount", "counts_as_purchase",
    "billing_company_name", "checkout_token", "utm_source", "utm_medium", "utm_campaign", "voucher_code",
    "source_updated_at", "raw",
)
__all__ = ["LINE_COLUMNS", "MIN_ORDERS", "ORDER_COLUMNS", "SHIPMENT_COLUMNS", "applies", "upsert_chunk"]


def applies(count: int) -> bool:
    return connection.vendor in ("postgresql", "sqlite") and count >= MIN_ORDERS


def upsert_chunk(chunk: Sequence[OrderData]) -> tuple[object, set[int]]:
    """One batch, inside the caller's transaction; returns (OrderCounts, accounts touched)."""
    from .orders import OrderCounts, _latest_per_order, account_ident, account_key

    latest = _latest_per_order(chunk)
    orders = list(latest.values())
    erased = _erased_among(orders)
    now = timezone.now()
    with connection.cursor() as cursor:
        stage = Stage(cursor, now)
        live = [d.customer for d in orders if not (erased and erased.intersection(identity_hashes(d.customer)))]
        contacts = bulk_accounts.contacts(stage, live, now)
        settings = {channel: conf.channel_settings(channel) for channel in {d.channel for d in orders}}
        keys, contact_ids = [], []
        for data in orders:
            is_erased = bool(erased) and bool(erased.intersection(identity_hashes(data.customer)))
            contact = None if is_erased else contacts.get(contact_lookup(data.customer))
            key = account_key(data.channel, data.customer.company_name, contact, data.external_id,
                              settings[data.channel])
            if is_erased and key.kind != "company":
                key = AccountKey("email", anonymous_account_key(data.customer), "")
            keys.append((data.channel, data.currency, key, is_erased))
            contact_ids.append(contact.pk if contact is not None else None)
        accounts = bulk_accounts.accounts(stage, {(c, cur, key) for c, cur, key, _ in keys}, now)
        account_ids = [accounts[account_ident(c, cur, key)] for c, cur, key, _ in keys]

        encode = (OrderFact._meta.get_field("raw").encoder or json.JSONEncoder)().encode  # one, not one per order
        stage.create("ltv_stage_order", "idx int, source text, external_id text, number text, sales_source text, "
                     "account_id bigint, contact_id bigint, channel text, currency text, created_at timestamptz, "
                     "status text, total_gross numeric, total_net numeric, refunded_amount numeric, amount numeric, "
                     "counts_as_purchase bool, billing_company_name text, checkout_token text, utm_source text, "
                     "utm_medium text, utm_campaign text, voucher_code text, source_updated_at timestamptz, raw jsonb",
                     key="source, external_id")
        stage.fill("ltv_stage_order", ("idx", "source", "external_id", *ORDER_COLUMNS), (
            (i, d.source, d.external_id, d.number, d.sales_source, account_ids[i], contact_ids[i], d.channel,
             d.currency, d.created_at, d.status, d.total_gross, d.total_net, d.refunded_amount, d.amount,
             d.counts_as_purchase, d.customer.company_name[:256], d.checkout_token, d.acquisition.utm_source[:255],
             d.acquisition.utm_medium[:255], d.acquisition.utm_campaign[:255], d.acquisition.voucher_code[:255],
             d.source_updated_at, "{}" if keys[i][3] or not d.raw else encode(d.raw))
            for i, d in enumerate(orders)))
        index = {(d.source, d.external_id): i for i, d in enumerate(orders)}
        created, changed, touched = _merge_orders(stage, index, now)
        current = dict(stage.rows("SELECT order_id, idx FROM ltv_stage_current"))
        relined = sync_lines(stage, orders, current, created, account_ids)
        reshipped = sync_shipments(stage, orders, current, created)
        bulk_accounts.link_contacts(stage, orders, current, account_ids, contact_ids)
        stage.drop()
    from .acquisition import refresh_acquisition
    from .orders import _complete_checkouts

    _complete_checkouts([orders[idx] for idx in current.values()])
    touched |= {account_ids[idx] for idx in created.values()}
    refresh_acquisition(touched)
    updated = len((changed | relined | reshipped) - set(created))
    return OrderCounts(len(created), updated, len(orders) - len(created) - updated), touched


def _erased_among(orders: Sequence[OrderData]) -> set[str]:
    from .identity import erased_among

    return erased_among(d.customer for d in orders)


def _merge_orders(stage: Stage, index, now) -> tuple[dict[int, int], set[int], set[int]]:
    """({created order pk: idx}, changed order pks, accounts the changes moved orders from and to)."""
    stored = table(OrderFact)
    on = "o.source = s.source AND o.external_id = s.external_id"
    if stage.pg:  # SQLite's writer holds the whole database already
        stage.cursor.execute(f"SELECT 1 FROM {stored} o JOIN ltv_stage_order s ON {on} "
                             "ORDER BY o.source, o.external_id FOR UPDATE OF o")
    columns = ", ".join(ORDER_COLUMNS)
    created = {pk: index[(source, external_id)] for pk, source, external_id in stage.rows(
        f"INSERT INTO {stored} (source, external_id, {columns}, ingested_at, updated_at) "
        f"SELECT source, external_id, {columns}, %s, %s FROM ltv_stage_order WHERE true ORDER BY source, external_id "
        "ON CONFLICT (source, external_id) DO NOTHING RETURNING id, source, external_id",
        (stage.value(now), stage.value(now)))}
    newer = "NOT COALESCE(s.source_updated_at < o.source_updated_at, false)"
    differs = (f"({', '.join('o.' + c for c in ORDER_COLUMNS)}) {stage.distinct} "
               f"({', '.join('s.' + c for c in ORDER_COLUMNS)})")
    assign = f"({columns}, updated_at) = ({', '.join('s.' + c for c in ORDER_COLUMNS)}, %s)"
    if stage.pg:  # one pass: the self-joined `was` is the row before this statement (its old account)
        changes = stage.rows(
            f"UPDATE {stored} AS o SET {assign} FROM ltv_stage_order s JOIN {stored} was ON "
            f"was.source = s.source AND was.external_id = s.external_id "
            f"WHERE o.id = was.id AND {newer} AND {differs} RETURNING o.id, was.account_id, s.account_id",
            (now,))
    else:  # SQLite's RETURNING cannot name the FROM tables
        changes = stage.rows(f"SELECT o.id, o.account_id, s.account_id FROM {stored} o JOIN ltv_stage_order s "
                             f"ON {on} WHERE {newer} AND {differs}")
        if changes:
            stage.cursor.execute(f"UPDATE {stored} AS o SET {assign} FROM ltv_stage_order s WHERE {on} AND {newer} "
                                 f"AND {differs}", (stage.value(now),))
    stage.create("ltv_stage_current", select=f"SELECT o.id AS order_id, s.idx FROM {stored} o "
                 f"JOIN ltv_stage_order s ON {on} WHERE {newer}", key="order_id")
    if not stage.pg:
        stage.cursor.execute("CREATE INDEX ltv_stage_current_idx ON ltv_stage_current (idx)")
    if stage.pg:
        stage.cursor.execute("ANALYZE ltv_stage_current")
    touched = {account for _, before, after in changes for account in (before, after)}
    return created, {pk for pk, _, _ in changes}, touched
