"""Write computed frames into AccountMetrics / AccountSkuRhythm / SegmentSnapshot in bulk.

PostgreSQL gets the frame through COPY into a temporary table and one
INSERT … ON CONFLICT, so a million rows cost seconds, not an ORM loop; other
databases use bulk_create with update_conflicts. Rows a full run did not
produce (accounts with no counted purchase any more) are deleted.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Count, Sum

from ..models import Account, AccountMetrics, AccountSkuRhythm, SegmentSnapshot

METRIC_FIELDS = [
    "first_purchase_at", "last_purchase_at", "frequency", "recency_days", "tenure_days", "monetary",
    "average_order_value", "r_score", "f_score", "m_score", "rfm_segment", "rfm_rank", "cpm_cell", "stage",
    "typical_interval_days", "next_purchase_on", "overdue_ratio", "churn_risk", "p_alive",
    "expected_purchases", "expected_order_value", "clv",
]
MONEY = {"monetary", "average_order_value", "expected_order_value", "clv"}
SKU_FIELDS = ["purchases", "last_purchase_at", "typical_interval_days", "next_reorder_on"]
SNAPSHOT_DIMENSIONS = ("stage", "cpm_cell", "rfm_segment")


def _clean(frame: pd.DataFrame, fields: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for name in fields:
        column = out[name]
        if pd.api.types.is_float_dtype(column):
            values = column.to_numpy(dtype=np.float64, copy=True)
            values[~np.isfinite(values)] = np.nan
            out[name] = np.round(values, 3) if name in MONEY else values
    return out


def _stamp(moment: datetime):
    """computed_at as PostgreSQL reads it from CSV (ISO with offset), or the datetime itself."""
    return moment.isoformat() if connection.vendor == "postgresql" else moment


def _copy_upsert(table: str, frame: pd.DataFrame, columns: list[str], conflict: list[str]) -> None:
    """COPY frame into a temp table, then upsert into table on the conflict columns."""
    buffer = io.StringIO()
    out = frame[columns].copy()
    for name in columns:  # datetime64 columns hold calendar days here; computed_at is a str
        if pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].dt.strftime("%Y-%m-%d")
    out.to_csv(buffer, index=False, header=False, na_rep="")
    quoted = ", ".join(f'"{c}"' for c in columns)
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c not in conflict)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TEMP TABLE "ltv_in" (LIKE "{table}" INCLUDING DEFAULTS) ON COMMIT DROP')
        cursor.execute('ALTER TABLE "ltv_in" DROP COLUMN "id"')
        raw = cursor.cursor  # psycopg cursor under Django's wrapper
        with raw.copy(f'COPY "ltv_in" ({quoted}) FROM STDIN WITH (FORMAT csv)') as copy:
            copy.write(buffer.getvalue())
        cursor.execute(
            f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM "ltv_in" '
            f'ON CONFLICT ({", ".join(conflict)}) DO UPDATE SET {updates}'
        )
        cursor.execute('DROP TABLE "ltv_in"')


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
    frame = _clean(frame, METRIC_FIELDS)
    frame["channel"], frame["computed_at"] = channel, _stamp(computed_at)
    columns = ["account_id", "channel", "currency", *METRIC_FIELDS, "computed_at"]
    if connection.vendor == "postgresql" and len(frame):
        _copy_upsert(AccountMetrics._meta.db_table, frame, columns, ["account_id"])
    elif len(frame):
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
    frame = _clean(frame, SKU_FIELDS)
    frame["computed_at"] = _stamp(computed_at)
    columns = ["account_id", "sku", *SKU_FIELDS, "computed_at"]
    if connection.vendor == "postgresql" and len(frame):
        _copy_upsert(AccountSkuRhythm._meta.db_table, frame, columns, ["account_id", "sku"])
    elif len(frame):
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


@transaction.atomic
def write_snapshot(channel: str, day: date) -> int:
    """Counts and revenue per stage, CPM cell and RFM segment of the channel, as of day."""
    rows = []
    metrics = AccountMetrics.objects.filter(channel=channel)
    for dimension in SNAPSHOT_DIMENSIONS:
        for group in metrics.values("currency", dimension).annotate(n=Count("id"), revenue=Sum("monetary")):
            rows.append(SegmentSnapshot(
                day=day, channel=channel, currency=group["currency"], dimension=dimension,
                value=group[dimension] or "", accounts=group["n"], revenue=group["revenue"] or 0,
            ))
    SegmentSnapshot.objects.filter(day=day, channel=channel).delete()
    SegmentSnapshot.objects.bulk_create(rows)
    return len(rows)
