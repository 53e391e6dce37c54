"""Write computed frames into AccountMetrics / AccountSkuRhythm / SegmentSnapshot in bulk, and
each recompute's stage moves into AccountStageChange.

PostgreSQL gets the frame through a binary COPY straight into the table
(:mod:`.pg_bulk`), so a million rows cost seconds, not an ORM loop; other
databases use bulk_create with update_conflicts. Rows a full run did not
produce (accounts with no counted purchase any more) are deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Count, Sum

from ..engine import trends
from ..engine.metric_columns import COLUMNS, FIGURES
from ..models import Account, AccountMetrics, AccountSkuRhythm, AccountStageChange, SegmentSnapshot
from . import pg_binary, pg_bulk

PG_TYPES = {"id": "int8", "code": "text", "label": "text", "date": "date", "count": "int4", "days": "int4",
            "score": "int2", "ratio": "float8", "money": "money", "flag": "bool"}
METRIC_FIELDS = [column.name for column in FIGURES]
MONEY = {column.name for column in COLUMNS if column.kind == "money"}
METRIC_SPEC = {column.name: PG_TYPES[column.kind] for column in COLUMNS}
SKU_SPEC = {"account_id": "int8", "sku": "text", "purchases": "int4", "last_purchase_at": "date",
            "typical_interval_days": "float8", "next_reorder_on": "date"}
SKU_FIELDS = ["purchases", "last_purchase_at", "typical_interval_days", "next_reorder_on"]
SNAPSHOT_DIMENSIONS = ("stage", "cpm_cell", "rfm_segment")


TEXT_FIELDS = {"rfm_segment", "cpm_cell", "stage"}


def _clean(frame: pd.DataFrame, fields: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for name in fields:
        column = out[name]
        if name in TEXT_FIELDS:  # a prospect has no segment or cell: '' as the COPY writer stores it
            out[name] = column.astype(object).where(column.notna(), "")
        elif pd.api.types.is_float_dtype(column):
            values = column.to_numpy(dtype=np.float64, copy=True)
            values[~np.isfinite(values)] = np.nan
            # Rounded floats print short: the CSV shrinks to half and COPY with it.
            out[name] = np.round(values, 3 if name in MONEY else 6)
    return out


def _python_rows(frame: pd.DataFrame, fields: list[str]):
    for record in frame[fields].to_dict("records"):
        for name, value in record.items():
            if isinstance(value, float) and np.isnan(value):
                record[name] = None
            elif isinstance(value, (pd.Timestamp, np.datetime64)):
                record[name] = None if pd.isna(value) else pd.Timestamp(value).date()
            elif value is pd.NaT:
                record[name] = None
            elif isinstance(value, np.generic):
                record[name] = value.item()
        yield record


@transaction.atomic
def write_account_metrics(frame: pd.DataFrame, channel: str, computed_at: datetime, *, full: bool) -> int:
    """Upsert one row per account; with ``full``, delete the channel's rows this run did not write."""
    table = AccountMetrics._meta.db_table
    if connection.vendor == "postgresql":
        # A full run replaces the channel's rows (the lock makes incremental updates
        # wait for its commit); an incremental one upserts.
        written = pg_bulk.write(
            table, frame, METRIC_SPEC, constants={"channel": channel, "computed_at": computed_at},
            conflict=["account_id"], replace=("channel = %s", [channel]) if full else None,
        )
        _note_emptied(AccountMetrics, written.emptied_by)
        return written.rows
    frame = _clean(frame, METRIC_FIELDS)
    columns = ["account_id", "channel", "currency", *METRIC_FIELDS, "computed_at"]
    frame["channel"] = channel
    if len(frame):
        rows = [AccountMetrics(**record, computed_at=computed_at) for record in _python_rows(frame, columns[:-1])]
        AccountMetrics.objects.bulk_create(
            rows, batch_size=500, update_conflicts=True, unique_fields=["account"],
            update_fields=["channel", "currency", *METRIC_FIELDS, "computed_at"],
        )
    if full:
        AccountMetrics.objects.filter(channel=channel, computed_at__lt=computed_at).delete()
    return len(frame)


@transaction.atomic
def write_sku_rhythms(frame: pd.DataFrame, channel: str, computed_at: datetime, *, full: bool) -> int:
    if connection.vendor == "postgresql":
        # EXISTS, not IN (subquery): the full write also asks for rows NOT in it, and a NOT IN over
        # 1 M account ids (beyond work_mem) is re-scanned per row — minutes at 8 M rhythms —
        # where NOT EXISTS is one hash anti-join (1.5 s).
        table = AccountSkuRhythm._meta.db_table
        accounts = (f'EXISTS (SELECT 1 FROM "{Account._meta.db_table}" a '
                    f'WHERE a.id = "{table}".account_id AND a.channel = %s)')
        written = pg_bulk.write(
            table, frame, SKU_SPEC, constants={"computed_at": computed_at},
            conflict=["account_id", "sku"], replace=(accounts, [channel]) if full else None,
        )
        _note_emptied(AccountSkuRhythm, written.emptied_by)
        return written.rows
    frame = _clean(frame, SKU_FIELDS)
    columns = ["account_id", "sku", *SKU_FIELDS, "computed_at"]
    if len(frame):
        rows = [AccountSkuRhythm(**record, computed_at=computed_at) for record in _python_rows(frame, columns[:-1])]
        AccountSkuRhythm.objects.bulk_create(
            rows, batch_size=500, update_conflicts=True, unique_fields=["account", "sku"],
            update_fields=[*SKU_FIELDS, "computed_at"],
        )
    if full:
        AccountSkuRhythm.objects.filter(
            account__in=Account.objects.filter(channel=channel), computed_at__lt=computed_at
        ).delete()
    return len(frame)


def snapshot_rows(frame: pd.DataFrame, channel: str, day: date) -> list[SegmentSnapshot]:
    """The snapshot of a full run's frame, with money summed as the PostgreSQL writer
    stores it (whole thousandths, summed as integers), so it equals a SUM over the rows."""
    values = frame["monetary"].to_numpy(dtype=np.float64)
    money = np.where(values < 0, -1, 1) * pg_binary.thousandths(values)
    currency_codes, currencies = pd.factorize(frame["currency"], sort=True)
    rows = []
    for dimension in SNAPSHOT_DIMENSIONS:
        codes, labels = pd.factorize(frame[dimension], sort=True)
        has = codes >= 0  # prospects have no CPM cell or RFM segment
        key = (currency_codes.astype(np.int64) * len(labels) + codes)[has]
        accounts = np.bincount(key, minlength=len(currencies) * len(labels))
        revenue = np.zeros(len(accounts), dtype=np.int64)
        np.add.at(revenue, key, money[has])
        for cell in np.flatnonzero(accounts):
            rows.append(SegmentSnapshot(
                day=day, channel=channel, currency=str(currencies[cell // len(labels)]), dimension=dimension,
                value=str(labels[cell % len(labels)]), accounts=int(accounts[cell]),
                revenue=Decimal(int(revenue[cell])).scaleb(-3),
            ))
    return rows


@transaction.atomic
def write_snapshot(channel: str, day: date, rows: list[SegmentSnapshot] | None = None) -> int:
    """Counts and revenue per stage, CPM cell and RFM segment of the channel, as of day.

    ``rows`` from :func:`snapshot_rows` when the frame was written by the PostgreSQL
    writer; otherwise they are aggregated from the stored metrics.
    """
    if rows is None:
        rows = []
        metrics = AccountMetrics.objects.filter(channel=channel)
        for dimension in SNAPSHOT_DIMENSIONS:
            for group in metrics.values("currency", dimension).annotate(n=Count("pk"), revenue=Sum("monetary")):
                if not group[dimension]:  # prospects have no CPM cell or RFM segment
                    continue
                rows.append(SegmentSnapshot(
                    day=day, channel=channel, currency=group["currency"], dimension=dimension,
                    value=group[dimension] or "", accounts=group["n"], revenue=group["revenue"] or 0,
                ))
    SegmentSnapshot.objects.filter(day=day, channel=channel).delete()
    SegmentSnapshot.objects.bulk_create(rows)
    return len(rows)


STAGE_SPEC = {"account_id": "int8", "day": "date", "stage": "text"}


def _latest_stages(channel: str, before: date) -> pd.Series:
    """Each account's stage read just before ``before`` (its latest row on an earlier day)."""
    table, accounts = AccountStageChange._meta.db_table, Account._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT c.account_id, c.stage FROM "{table}" c JOIN (SELECT s.account_id, MAX(s.day) AS day '
            f'FROM "{table}" s JOIN "{accounts}" a ON a.id = s.account_id WHERE a.channel = %s AND s.day < %s '
            f'GROUP BY s.account_id) m ON m.account_id = c.account_id AND m.day = c.day', [channel, before])
        rows = cursor.fetchall()
    return pd.Series([r[1] for r in rows], index=pd.Index([r[0] for r in rows], dtype=np.int64), dtype=object)


@transaction.atomic
def write_stage_changes(channel: str, day: date) -> int:
    """Add the stored metrics' stage moves of ``day`` to the history (rewriting that day's rows).

    Runs after the full write and the snapshot; a day earlier than a stored snapshot (a replay)
    also pins the old stage on the next snapshot day (engine.trends.stage_changes)."""
    of_channel = AccountStageChange.objects.filter(account__channel=channel)
    of_channel.filter(day=day).delete()
    previous = _latest_stages(channel, day)
    rows = AccountMetrics.objects.filter(channel=channel).values_list("account_id", "stage")
    current = pd.Series({a: s for a, s in rows}, dtype=object)
    current.index = current.index.astype(np.int64)
    next_day = (SegmentSnapshot.objects.filter(channel=channel, day__gt=day).order_by("day")
                .values_list("day", flat=True).first())
    pinned = (pd.Index(list(of_channel.filter(day=next_day).values_list("account_id", flat=True)), dtype=np.int64)
              if next_day else None)
    at_day, at_next = trends.stage_changes(previous, current, pinned)
    frame = pd.concat([at_day.assign(day=day), at_next.assign(day=next_day)], ignore_index=True)
    if connection.vendor == "postgresql" and len(frame):
        frame["day"] = pd.to_datetime(frame["day"])
        pg_bulk.write(AccountStageChange._meta.db_table, frame[list(STAGE_SPEC)], STAGE_SPEC,
                      conflict=["account_id", "day"])
    elif len(frame):
        AccountStageChange.objects.bulk_create(
            [AccountStageChange(account_id=int(r.account_id), day=r.day, stage=r.stage)
             for r in frame.itertuples(index=False)], batch_size=2000)
    return len(frame)


_EMPTIED: dict[type, str] = {}  # model → how this process's last full write emptied its rows


def _note_emptied(model, how: str) -> None:
    if how:
        _EMPTIED[model] = how


def vacuum_after_full_write(models=(AccountMetrics, AccountSkuRhythm)) -> None:
    """VACUUM (ANALYZE) the rewritten tables where a full write's DELETE left dead rows.

    A full write that had to DELETE (other channels share the table) leaves a million
    dead rows; without a vacuum the next run's inserts and index builds walk them
    (measured: write 10.8 s → 18 s on the third run at 1 M accounts). A TRUNCATE
    leaves none (and an ANALYZE here cost 0.6 s at 1 M rows: autovacuum does it).
    VACUUM cannot run inside a transaction block, so it is skipped there (tests).
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            if _EMPTIED.pop(model, "delete") != "truncate":
                cursor.execute(f'VACUUM (ANALYZE) "{table}"')
            elif not _has_statistics(cursor, table):
                # The first full write: no statistics yet, and autovacuum may be late or off
                # (then the overview at 1 M accounts sorted on disk, planned for 10 rows).
                cursor.execute(f'ANALYZE "{table}"')
            # After a TRUNCATE no row is dead, and the statistics TRUNCATE keeps describe
            # yesterday's rows, which today's resemble; autovacuum's ANALYZE follows.


def _has_statistics(cursor, table: str) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s)",
                   [table])
    return cursor.fetchone()[0]
