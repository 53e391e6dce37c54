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
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .. import conf
from ..models import Account, AccountContact, Contact, OrderFact, OrderLineFact, ShipmentFact
from .account_keys import AccountKey, normalise_email
from .facts import OrderData
from .identity import (
    ADDRESS_FIELDS,
    EXTERNAL,
    anonymous_account_key,
    contact_lookup,
    identity_hashes,
    reach_values,
    upsert_contacts,
)

# Below this many orders the ORM path's handful of queries costs less than staging tables.
MIN_ORDERS = 200
ORDER_COLUMNS = (
    "number", "sales_source", "account_id", "contact_id", "channel", "currency", "created_at", "status",
    "total_gross", "total_net", "refunded_amount", "amount", "counts_as_purchase",
    "billing_company_name", "checkout_token", "utm_source", "utm_medium", "utm_campaign", "voucher_code",
    "source_updated_at", "raw",
)
LINE_COLUMNS = ("variant_id", "product_id", "sku", "product_name", "quantity", "unit_price", "amount",
                "variant_name", "product_slug", "image_url")
SHIPMENT_COLUMNS = ("shipped_at", "tracking_number", "carrier", "lines")


def applies(count: int) -> bool:
    return connection.vendor in ("postgresql", "sqlite") and count >= MIN_ORDERS


def _table(model) -> str:
    return f'"{model._meta.db_table}"'


@dataclass(frozen=True)
class StoredContact:
    """What the account key rule reads of a contact (the ORM path's Contact has the same names)."""

    pk: int
    saleor_user_id: str | None
    email: str
    external_key: str
    first_name: str
    last_name: str
    metadata: dict
    linked_account_kind: str = ""  # the shop linked this buyer to an account (ingest/customer_links.py)
    linked_account_key: str = ""
    linked_account_name: str = ""


class _Stage:
    """Temporary tables filled by COPY (PostgreSQL) or executemany (SQLite), and the two dialects' words."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.names: list[str] = []
        self.times: dict[str, dict[str, bool]] = {}  # table → column → holds a datetime
        self.keys: dict[str, str] = {}  # table → the columns the merge joins on
        self.pg = connection.vendor == "postgresql"
        self.distinct = "IS DISTINCT FROM" if self.pg else "IS NOT"
        self.least, self.greatest = ("LEAST", "GREATEST") if self.pg else ("min", "max")
        # The zone SQLite's naive datetimes are in (UTC unless DATABASES sets one); None: Django's path.
        self.naive_in = connection.timezone if not self.pg and settings.USE_TZ else None

    def create(self, name: str, columns: str = "", select: str = "", key: str = "") -> None:
        """`key`: the columns the merge looks rows up by (SQLite gets an index: its planner has no hash join)."""
        # A caller's transaction may hold several batches: a table of the previous one goes first.
        self.cursor.execute(f"DROP TABLE IF EXISTS {name}")
        drop = " ON COMMIT DROP" if self.pg else ""
        shape = f"{drop} AS {select}" if select else f"({columns}){drop}"
        self.cursor.execute(f"CREATE TEMP TABLE {name}{shape}")
        if key and not self.pg:
            self.cursor.execute(f"CREATE INDEX {name}_key ON {name} ({key})")
        self.names.append(name)
        self.keys[name] = key
        self.times[name] = {part.split()[0]: part.split()[1] == "timestamptz" for part in columns.split(",") if part}

    def drop(self) -> None:
        for name in self.names:
            self.cursor.execute(f"DROP TABLE IF EXISTS {name}")

    def value(self, value):
        """A datetime as Django stores it on SQLite (UTC, no offset); psycopg takes Python values."""
        if not self.pg and isinstance(value, datetime):
            if value.utcoffset() is not None and self.naive_in is not None:
                # adapt_datetimefield_value's own steps without its checks: 2 of every 5 µs per row
                return str(value.astimezone(self.naive_in).replace(tzinfo=None))
            return connection.ops.adapt_datetimefield_value(value)
        return value

    def fill(self, name: str, columns: Sequence[str], rows) -> None:
        if not self.pg:
            marks = ", ".join(["%s"] * len(columns))
            times = [i for i, column in enumerate(columns) if self.times.get(name, {}).get(column)]
            if times:
                rows = [list(row) for row in rows]
                for row in rows:
                    for i in times:
                        row[i] = self.value(row[i])
            self.cursor.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows)
            return
        with self.cursor.cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Autovacuum never analyses temporary tables; the planner needs the row count and the join
        # keys' statistics, not those of every column (raw jsonb, names): a third of the cost.
        key = self.keys.get(name)
        self.cursor.execute(f"ANALYZE {name} ({key})" if key else f"ANALYZE {name}")

    def rows(self, sql: str, params=()) -> list[tuple]:
        self.cursor.execute(sql, params)
        return self.cursor.fetchall()


def upsert_chunk(chunk: Sequence[OrderData]) -> tuple[object, set[int]]:
    """One batch, inside the caller's transaction; returns (OrderCounts, accounts touched)."""
    from .orders import OrderCounts, _latest_per_order, account_ident, account_key

    latest = _latest_per_order(chunk)
    orders = list(latest.values())
    erased = _erased_among(orders)
    now = timezone.now()
    with connection.cursor() as cursor:
        stage = _Stage(cursor)
        live = [d.customer for d in orders if not (erased and erased.intersection(identity_hashes(d.customer)))]
        contacts = _contacts(stage, live, now)
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
        accounts = _accounts(stage, {(c, cur, key) for c, cur, key, _ in keys}, now)
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
        relined = _sync_lines(stage, orders, current)
        reshipped = _sync_shipments(stage, orders, current, now)
        _link_contacts(stage, orders, current, account_ids, contact_ids)
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


def _plain(ref) -> bool:
    """A ref without metadata or a company flag (files, the demo): its contact is upserted in SQL."""
    return not ref.metadata and ref.company_confirmed is None


REACH = ("phone", "line_user_id", "birthday", *ADDRESS_FIELDS)


def _contacts(stage: _Stage, refs, now) -> dict:
    wanted = {}
    for ref in refs:
        key = contact_lookup(ref)
        if key is not None:
            wanted.setdefault(key, ref)
    if not wanted:
        return {}
    if not all(_plain(ref) for ref in wanted.values()):
        return upsert_contacts(wanted.values())  # metadata, consent flags, reach fields: the ORM's rules
    table = _table(Contact)
    stage.create("ltv_stage_contact", "kind char(1), k text, saleor_user_id text, external_key text, email text, "
                 "first_name text, last_name text, company_name text, language_code text, has_address bool, "
                 "phone text, line_user_id text, birthday date, " + ", ".join(f"{f} text" for f in ADDRESS_FIELDS),
                 key="kind, k")
    rows = []
    for (user, email), ref in sorted(wanted.items(), key=lambda item: (item[0][0] or "", item[0][1])):
        kind = "e" if not user else ("x" if user.startswith(EXTERNAL) else "u")
        k = email if kind == "e" else (user[len(EXTERNAL):] if kind == "x" else user)
        reach = reach_values(ref)  # what the ref says; "" / NULL where it is silent
        rows.append((kind, k, str(ref.user_id) if ref.user_id else None, "" if ref.user_id else ref.external_key[:128],
                     normalise_email(ref.email), ref.first_name[:256], ref.last_name[:256], ref.company_name[:256],
                     ref.language_code[:35], bool(ref.address), reach.get("phone", ""), reach.get("line_user_id", ""),
                     reach.get("birthday"), *(reach.get(f, "") for f in ADDRESS_FIELDS)))
    columns = ("kind", "k", "saleor_user_id", "external_key", "email", "first_name", "last_name", "company_name",
               "language_code", "has_address", *REACH)
    stage.fill("ltv_stage_contact", columns, rows)
    stage.cursor.execute(
        f"INSERT INTO {table} (saleor_user_id, external_key, email, first_name, last_name, company_name, "
        f"language_code, {', '.join(REACH)}, metadata, company_confirmed, marketing_consent, created_at, updated_at) "
        f"SELECT saleor_user_id, external_key, email, first_name, last_name, company_name, language_code, "
        f"{', '.join(REACH)}, '{{}}', false, 'unknown', %s, %s FROM ltv_stage_contact WHERE true ORDER BY kind, k "
        "ON CONFLICT DO NOTHING", (stage.value(now), stage.value(now)))
    match = {"u": "c.saleor_user_id = s.k",
             "x": "c.saleor_user_id IS NULL AND c.external_key = s.k",
             "e": "c.saleor_user_id IS NULL AND c.external_key = '' AND c.email = s.k"}
    profile = ("email", "first_name", "last_name", "company_name", "language_code")
    # As identity.upsert_contacts: a contact gets what it lacked (an address only whole, when it has none).
    texts = (*profile, "phone", "line_user_id")
    no_address = "s.has_address AND c.address_postal_code = '' AND c.address_line1 = ''"
    fill = ", ".join([*(f"{f} = CASE WHEN c.{f} = '' THEN s.{f} ELSE c.{f} END" for f in texts),
                      "birthday = CASE WHEN c.birthday IS NULL THEN s.birthday ELSE c.birthday END",
                      *(f"{f} = CASE WHEN {no_address} THEN s.{f} ELSE c.{f} END" for f in ADDRESS_FIELDS)])
    lacking = " OR ".join([*(f"(c.{f} = '' AND s.{f} <> '')" for f in texts),
                           "(c.birthday IS NULL AND s.birthday IS NOT NULL)", f"({no_address})"])
    found = {}
    for kind, on in match.items():
        if not any(row[0] == kind for row in rows):
            continue
        # Contacts get the fields they lacked, in pk order (the lock order of the ORM path).
        stage.cursor.execute(
            f"UPDATE {table} AS c SET {fill} FROM ltv_stage_contact s WHERE s.kind = %s AND {on} AND ({lacking})",
            (kind,))
        for pk, k, user_id, email, external_key, first, last, metadata, *linked in stage.rows(
                f"SELECT c.id, s.k, c.saleor_user_id, c.email, c.external_key, c.first_name, c.last_name, c.metadata, "
                f"c.linked_account_kind, c.linked_account_key, c.linked_account_name "
                f"FROM {table} c JOIN ltv_stage_contact s ON s.kind = %s AND {on}", (kind,)):
            key = (None, k) if kind == "e" else ((EXTERNAL + k, "") if kind == "x" else (k, ""))
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            found[key] = StoredContact(pk, user_id, email, external_key, first, last, metadata or {}, *linked)
    return found


def _accounts(stage: _Stage, wanted, now) -> dict[tuple[str, str, str, str], int]:
    """Account ids by (channel, currency, kind, key), created when missing; the first display name seen wins."""
    names: dict[tuple[str, str, str, str], str] = {}
    for channel, currency, key in sorted(wanted, key=lambda w: (w[0], w[1], w[2].kind, w[2].key, w[2].display_name)):
        names.setdefault((channel, currency, key.kind, key.key), key.display_name[:255])
    table = _table(Account)
    stage.create("ltv_stage_account", "channel text, currency text, key_kind text, key text, display_name text",
                 key="channel, currency, key_kind, key")
    stage.fill("ltv_stage_account", ("channel", "currency", "key_kind", "key", "display_name"),
               (ident + (name,) for ident, name in names.items()))
    stage.cursor.execute(
        f"INSERT INTO {table} (channel, currency, key_kind, key, display_name, erased, created_at, updated_at) "
        "SELECT channel, currency, key_kind, key, display_name, false, %s, %s FROM ltv_stage_account WHERE true "
        "ORDER BY channel, currency, key_kind, key ON CONFLICT DO NOTHING", (stage.value(now), stage.value(now)))
    return {(c, cur, kind, key): pk for pk, c, cur, kind, key in stage.rows(
        f"SELECT a.id, a.channel, a.currency, a.key_kind, a.key FROM {table} a JOIN ltv_stage_account s "
        "USING (channel, currency, key_kind, key)")}


def _merge_orders(stage: _Stage, index, now) -> tuple[dict[int, int], set[int], set[int]]:
    """({created order pk: idx}, changed order pks, accounts the changes moved orders from and to)."""
    table = _table(OrderFact)
    on = "o.source = s.source AND o.external_id = s.external_id"
    if stage.pg:  # SQLite's writer holds the whole database already
        stage.cursor.execute(f"SELECT 1 FROM {table} o JOIN ltv_stage_order s ON {on} "
                             "ORDER BY o.source, o.external_id FOR UPDATE OF o")
    columns = ", ".join(ORDER_COLUMNS)
    created = {pk: index[(source, external_id)] for pk, source, external_id in stage.rows(
        f"INSERT INTO {table} (source, external_id, {columns}, ingested_at, updated_at) "
        f"SELECT source, external_id, {columns}, %s, %s FROM ltv_stage_order WHERE true ORDER BY source, external_id "
        "ON CONFLICT (source, external_id) DO NOTHING RETURNING id, source, external_id",
        (stage.value(now), stage.value(now)))}
    newer = "NOT COALESCE(s.source_updated_at < o.source_updated_at, false)"
    differs = (f"({', '.join('o.' + c for c in ORDER_COLUMNS)}) {stage.distinct} "
               f"({', '.join('s.' + c for c in ORDER_COLUMNS)})")
    assign = f"({columns}, updated_at) = ({', '.join('s.' + c for c in ORDER_COLUMNS)}, %s)"
    if stage.pg:  # one pass: the self-joined `was` is the row before this statement (its old account)
        changes = stage.rows(
            f"UPDATE {table} AS o SET {assign} FROM ltv_stage_order s JOIN {table} was ON "
            f"was.source = s.source AND was.external_id = s.external_id "
            f"WHERE o.id = was.id AND {newer} AND {differs} RETURNING o.id, was.account_id, s.account_id",
            (now,))
    else:  # SQLite's RETURNING cannot name the FROM tables
        changes = stage.rows(f"SELECT o.id, o.account_id, s.account_id FROM {table} o JOIN ltv_stage_order s "
                             f"ON {on} WHERE {newer} AND {differs}")
        if changes:
            stage.cursor.execute(f"UPDATE {table} AS o SET {assign} FROM ltv_stage_order s WHERE {on} AND {newer} "
                                 f"AND {differs}", (stage.value(now),))
    stage.create("ltv_stage_current", select=f"SELECT o.id AS order_id, s.idx FROM {table} o "
                 f"JOIN ltv_stage_order s ON {on} WHERE {newer}", key="order_id")
    if not stage.pg:
        stage.cursor.execute("CREATE INDEX ltv_stage_current_idx ON ltv_stage_current (idx)")
    if stage.pg:
        stage.cursor.execute("ANALYZE ltv_stage_current")
    touched = {account for _, before, after in changes for account in (before, after)}
    return created, {pk for pk, _, _ in changes}, touched


def _sync_lines(stage: _Stage, orders: Sequence[OrderData], current: dict[int, int]) -> set[int]:
    """Make each current order's lines the ones given; returns the orders whose lines changed."""
    if not current:
        return set()
    table = _table(OrderLineFact)
    stage.create("ltv_stage_line", "idx int, line_ref text, variant_id text, product_id text, sku text, "
                 "product_name text, quantity int, unit_price numeric, amount numeric, variant_name text, "
                 "product_slug text, image_url text", key="idx, line_ref")

    def rows():
        for idx in current.values():
            wanted = {line.line_ref: line for line in orders[idx].lines}  # a repeated ref: the last one
            for ref, line in wanted.items():
                yield (idx, ref, line.variant_id, line.product_id, line.sku, line.product_name, line.quantity,
                       line.unit_price, line.amount, line.variant_name, line.product_slug, line.image_url)

    stage.fill("ltv_stage_line", ("idx", "line_ref", *LINE_COLUMNS), rows())
    changed = {pk for (pk,) in stage.rows(
        f"DELETE FROM {table} AS l WHERE EXISTS (SELECT 1 FROM ltv_stage_current c WHERE c.order_id = l.order_id "
        "AND NOT EXISTS (SELECT 1 FROM ltv_stage_line w WHERE w.idx = c.idx AND w.line_ref = l.line_ref)) "
        "RETURNING order_id")}
    columns = ", ".join(LINE_COLUMNS)
    changed |= {pk for (pk,) in stage.rows(
        f"INSERT INTO {table} AS l (order_id, line_ref, {columns}) "
        f"SELECT c.order_id, w.line_ref, {', '.join('w.' + c for c in LINE_COLUMNS)} "
        "FROM ltv_stage_line w JOIN ltv_stage_current c ON c.idx = w.idx WHERE true ORDER BY c.order_id, w.line_ref "
        f"ON CONFLICT (order_id, line_ref) DO UPDATE SET ({columns}) = "
        f"({', '.join('EXCLUDED.' + c for c in LINE_COLUMNS)}) "
        f"WHERE ({', '.join('l.' + c for c in LINE_COLUMNS)}) {stage.distinct} "
        f"({', '.join('EXCLUDED.' + c for c in LINE_COLUMNS)}) RETURNING order_id")}
    return changed


def _sync_shipments(stage: _Stage, orders: Sequence[OrderData], current: dict[int, int], now) -> set[int]:
    """As shipments.sync_shipments: only orders whose snapshot lists shipments (None leaves them)."""
    told = {pk: idx for pk, idx in current.items() if orders[idx].shipments is not None}
    if not told:
        return set()
    table = _table(ShipmentFact)
    stage.create("ltv_stage_told", "order_id bigint", key="order_id")
    stage.fill("ltv_stage_told", ("order_id",), ((pk,) for pk in told))
    stage.create("ltv_stage_shipment", "order_id bigint, shipment_ref text, shipped_at timestamptz, "
                 "tracking_number text, carrier text, lines jsonb", key="order_id, shipment_ref")

    def rows():
        for pk, idx in told.items():
            wanted = {s.ref[:64]: s for s in orders[idx].shipments}
            for ref, s in wanted.items():
                lines = json.dumps([asdict(line) for line in s.lines])
                yield (pk, ref, s.shipped_at, s.tracking_number[:255], s.carrier[:128], lines)

    stage.fill("ltv_stage_shipment", ("order_id", "shipment_ref", *SHIPMENT_COLUMNS), rows())
    changed = {pk for (pk,) in stage.rows(
        f"DELETE FROM {table} AS f WHERE EXISTS (SELECT 1 FROM ltv_stage_told t WHERE t.order_id = f.order_id) "
        "AND NOT EXISTS (SELECT 1 FROM ltv_stage_shipment w WHERE w.order_id = f.order_id "
        "AND w.shipment_ref = f.shipment_ref) RETURNING order_id")}
    columns = ", ".join(SHIPMENT_COLUMNS)
    changed |= {pk for (pk,) in stage.rows(
        f"INSERT INTO {table} AS f (order_id, shipment_ref, {columns}, created_at, updated_at) "
        f"SELECT order_id, shipment_ref, {columns}, %s, %s FROM ltv_stage_shipment WHERE true "
        f"ORDER BY order_id, shipment_ref ON CONFLICT (order_id, shipment_ref) DO UPDATE SET ({columns}, updated_at) = "
        f"({', '.join('EXCLUDED.' + c for c in SHIPMENT_COLUMNS)}, EXCLUDED.updated_at) "
        f"WHERE ({', '.join('f.' + c for c in SHIPMENT_COLUMNS)}) {stage.distinct} "
        f"({', '.join('EXCLUDED.' + c for c in SHIPMENT_COLUMNS)}) RETURNING order_id",
        (stage.value(now), stage.value(now)))}
    return changed


def _link_contacts(stage: _Stage, orders, current, account_ids, contact_ids) -> None:
    """Each (account, contact) pair's first and last order time, widened where already stored."""
    spans: dict[tuple[int, int], list] = {}
    for idx in current.values():
        if contact_ids[idx] is None:
            continue
        at = orders[idx].created_at
        span = spans.setdefault((account_ids[idx], contact_ids[idx]), [at, at])
        span[0], span[1] = min(span[0], at), max(span[1], at)
    if not spans:
        return
    stage.create("ltv_stage_link", "account_id bigint, contact_id bigint, first_seen_at timestamptz, "
                 "last_seen_at timestamptz")
    stage.fill("ltv_stage_link", ("account_id", "contact_id", "first_seen_at", "last_seen_at"),
               ((a, c, first, last) for (a, c), (first, last) in sorted(spans.items())))
    stage.cursor.execute(
        f"INSERT INTO {_table(AccountContact)} AS l (account_id, contact_id, first_seen_at, last_seen_at, "
        "confirmed_by) SELECT account_id, contact_id, first_seen_at, last_seen_at, '' FROM ltv_stage_link WHERE true "
        "ORDER BY account_id, contact_id ON CONFLICT (account_id, contact_id) DO UPDATE SET "
        f"first_seen_at = {stage.least}(l.first_seen_at, EXCLUDED.first_seen_at), "
        f"last_seen_at = {stage.greatest}(l.last_seen_at, EXCLUDED.last_seen_at) "
        "WHERE EXCLUDED.first_seen_at < l.first_seen_at OR EXCLUDED.last_seen_at > l.last_seen_at")
