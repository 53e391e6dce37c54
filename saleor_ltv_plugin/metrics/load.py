"""Move purchase rows out of the database fast enough for a million accounts.

Row-by-row ORM iteration is far too slow at 10 M orders. Outside a transaction,
PostgreSQL purchases come through parallel streams (:mod:`.pg_streams`); else
through one binary COPY of fixed-width columns (account id, currency code, day,
amount) that numpy reads in one call, the day computed in SQL in the shop's time
zone. Lines come as CSV into pandas' C parser. Other databases (SQLite,
standalone) use one plain cursor. Days are int64 days since 1970-01-01, shop-local.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.db import connection

from . import pg_streams

ORDERS = "saleor_ltv_plugin_orderfact"
LINES = "saleor_ltv_plugin_orderlinefact"
CATALOGUE = "saleor_ltv_plugin_catalogueproduct"  # names a line that carries only its SKU
EPOCH = np.datetime64("1970-01-01", "D")

_PURCHASES_PG = f"""
    SELECT account_id, coalesce(array_position({{currencies}}::text[], currency::text), 0)::int2,
           ((created_at AT TIME ZONE {{tz}})::date - DATE '1970-01-01')::int4, amount::float8
    FROM {ORDERS} WHERE counts_as_purchase AND channel = {{channel}}"""
# One fixed-width tuple of PostgreSQL's binary COPY: field count, then (length, value) per field.
_PURCHASE_TUPLE = np.dtype([
    ("fields", ">i2"), ("len_account", ">i4"), ("account_id", ">i8"), ("len_currency", ">i4"),
    ("currency", ">i2"), ("len_day", ">i4"), ("day", ">i4"), ("len_amount", ">i4"), ("amount", ">f8"),
])
_BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_LINES_PG = f"""
    SELECT o.account_id, l.sku, ((o.created_at AT TIME ZONE {{tz}})::date - DATE '1970-01-01') AS day, l.quantity,
           l.amount::float8, coalesce(nullif(l.product_name, ''), c.name, '')
    FROM {LINES} l JOIN {ORDERS} o ON o.id = l.order_id LEFT JOIN {CATALOGUE} c ON c.sku = l.sku
    WHERE o.counts_as_purchase AND o.channel = {{channel}} AND l.sku <> ''"""

_ORDER_TIMES_PG = f"""
    SELECT account_id, extract(epoch FROM (created_at AT TIME ZONE {{tz}}))::int8, amount::float8,
           coalesce(array_position({{sources}}::text[], sales_source::text), 0)::int2
    FROM {ORDERS} WHERE counts_as_purchase AND channel = {{channel}} AND currency = {{currency}}"""
METRIC_COLUMNS = ["account_id", "stage", "cpm_cell", "rfm_segment", "r_score", "f_score", "m_score", "frequency",
                  "tenure_days", "monetary"]
_METRICS_PG = """
    SELECT account_id, stage, cpm_cell, rfm_segment, coalesce(r_score, 0), coalesce(f_score, 0),
           coalesce(m_score, 0), frequency, coalesce(tenure_days, 0), monetary::float8
    FROM saleor_ltv_plugin_accountmetrics WHERE channel = {channel} AND currency = {currency}
      AND stage <> 'prospect'"""
_ORDER_TIME_TUPLE = np.dtype([
    ("fields", ">i2"), ("len_account", ">i4"), ("account_id", ">i8"), ("len_seconds", ">i4"), ("seconds", ">i8"),
    ("len_amount", ">i4"), ("amount", ">f8"), ("len_source", ">i4"), ("source", ">i2"),
])


def _copy_frame(query: str, names: list[str], dtypes: dict) -> pd.DataFrame:
    buffer = io.BytesIO()
    raw = connection.connection  # the psycopg connection under Django's wrapper
    with raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    if buffer.getbuffer().nbytes == 0:
        return pd.DataFrame({name: pd.Series(dtype=dtypes.get(name, object)) for name in names})
    return pd.read_csv(buffer, names=names, dtype=dtypes, header=None, keep_default_na=False)


def _postgres(template: str, channel: str, tz: str, **values) -> str:
    from psycopg import sql

    literal = {name: sql.Literal(value).as_string(connection.connection) for name, value in
               {"channel": channel, "tz": tz, **values}.items()}
    return template.format(**literal)


def _binary_rows(query: str, row_type: np.dtype) -> np.ndarray:
    """A binary COPY of fixed-width NOT NULL columns as one structured numpy array (no per-row Python)."""
    buffer = io.BytesIO()
    with connection.connection.cursor() as cursor, cursor.copy(
        f"COPY ({query}) TO STDOUT WITH (FORMAT binary)"
    ) as copy:
        for chunk in copy:
            buffer.write(chunk)
    data = buffer.getbuffer()
    if bytes(data[:11]) != _BINARY_SIGNATURE or int.from_bytes(data[15:19], "big") != 0:
        raise ValueError("unexpected COPY BINARY header")
    return np.frombuffer(data[19:len(data) - 2], dtype=row_type)


def _binary_purchases(channel: str, tz: str) -> pd.DataFrame:
    """Binary COPY of fixed-width columns parsed by numpy in one call: no per-row Python, no text."""
    from ..models import Account

    currencies = sorted(Account.objects.filter(channel=channel).values_list("currency", flat=True).distinct())
    parallel = pg_streams.load(channel, tz, currencies)
    if parallel is not None:
        return parallel
    query = _postgres(_PURCHASES_PG, channel, tz, currencies=currencies or [""])
    rows = _binary_rows(query, _PURCHASE_TUPLE)
    labels = np.array(["", *currencies], dtype=object)
    return pd.DataFrame({
        "account_id": rows["account_id"].astype(np.int64),
        "currency": pd.Categorical.from_codes(rows["currency"].astype(np.int64), categories=labels)
        if len(set(labels)) == len(labels) else labels[rows["currency"]],
        "created_at": EPOCH + rows["day"].astype(np.int64).astype("timedelta64[D]"),
        "amount": rows["amount"].astype(np.float64),
    })


def _with_dates(frame: pd.DataFrame) -> pd.DataFrame:
    frame["created_at"] = EPOCH + frame.pop("day").to_numpy(dtype=np.int64).astype("timedelta64[D]")
    return frame


def load_purchases(channel: str, tz: str) -> pd.DataFrame:
    """Counted orders of a channel: account_id, currency, created_at (datetime64[D], shop-local), amount."""
    names = ["account_id", "currency", "day", "amount"]
    dtypes = {"account_id": np.int64, "currency": "category", "day": np.int64, "amount": np.float64}
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        return _binary_purchases(channel, tz)
    return _with_dates(_fetch_local(
        f"SELECT account_id, currency, created_at, amount FROM {ORDERS} "
        "WHERE counts_as_purchase AND channel = %s", [channel], names, dtypes, tz))


def load_lines(channel: str, tz: str) -> pd.DataFrame:
    """Lines of counted orders with a SKU: account_id, sku, created_at (datetime64[D]), quantity,
    amount (line gross), product (its product name, else the catalogue's)."""
    names = ["account_id", "sku", "day", "quantity", "amount", "product"]
    dtypes = {"account_id": np.int64, "sku": "category", "day": np.int64, "quantity": np.int64,
              "amount": np.float64, "product": "category"}
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        return _with_dates(_copy_frame(_postgres(_LINES_PG, channel, tz), names, dtypes))
    return _with_dates(_fetch_local(
        f"SELECT o.account_id, l.sku, o.created_at, l.quantity, l.amount, coalesce(nullif(l.product_name, ''), c.name, '') "
        f"FROM {LINES} l JOIN {ORDERS} o ON o.id = l.order_id LEFT JOIN {CATALOGUE} c ON c.sku = l.sku WHERE o.counts_as_purchase AND o.channel = %s AND l.sku <> ''",
        [channel], names, dtypes, tz))


def _fetch_local(query: str, params: list, names: list[str], dtypes: dict, tz: str) -> pd.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=names)
    stamps = pd.to_datetime(frame["day"], utc=True, format="ISO8601") if len(frame) else frame["day"]
    local = stamps.dt.tz_convert(tz).dt.tz_localize(None) if len(frame) else stamps
    frame["day"] = (local.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]") - EPOCH).astype(np.int64)
    return frame.astype({k: v for k, v in dtypes.items() if k != "day"})


def load_order_times(channel: str, currency: str, tz: str) -> pd.DataFrame:
    """Counted orders of one currency with their moment: account_id, local_time (datetime64[s],
    shop time, naive), day (datetime64[D]), amount, sales_source. For the analyses by hour."""
    if connection.vendor == "postgresql":
        from ..models import SalesSource

        connection.ensure_connection()
        sources = list(SalesSource.values)
        rows = _binary_rows(_postgres(_ORDER_TIMES_PG, channel, tz, currency=currency, sources=sources),
                            _ORDER_TIME_TUPLE)
        frame = pd.DataFrame({"account_id": rows["account_id"].astype(np.int64),
                              "amount": rows["amount"].astype(np.float64),
                              "sales_source": np.array(["", *sources], dtype=object)[rows["source"].astype(np.int64)]})
        local = pd.Series(rows["seconds"].astype(np.int64).astype("datetime64[s]"))
    else:
        from ..models import OrderFact

        rows = list(OrderFact.objects.filter(counts_as_purchase=True, channel=channel, currency=currency)
                    .values_list("account_id", "created_at", "amount", "sales_source"))
        frame = pd.DataFrame(rows, columns=["account_id", "created_at", "amount", "sales_source"])
        stamps = pd.to_datetime(frame.pop("created_at"), utc=True)
        local = stamps.dt.tz_convert(tz).dt.tz_localize(None) if len(frame) else stamps
        frame["amount"] = frame["amount"].astype(np.float64)
    frame["local_time"] = local.to_numpy().astype("datetime64[s]")
    frame["day"] = frame["local_time"].to_numpy().astype("datetime64[D]")
    frame["sales_source"] = frame["sales_source"].astype(str)
    return frame


SCORED_COLUMNS = ["account_id", "currency", "frequency", "recency_days", "tenure_days", "monetary",
                  "typical_interval_days", "overdue_ratio", "scored_on"]
# One CSV text built by the server and fetched as one value: a COPY hands rows to Python one by one
# (10 µs each here, most of the preview's time).
_SCORED_PG = """
    SELECT coalesce(string_agg(concat_ws(',', account_id, currency, frequency, coalesce(recency_days, 0),
               coalesce(tenure_days, 0), monetary::float8, coalesce(typical_interval_days::text, ''),
               coalesce(overdue_ratio::text, ''), (computed_at AT TIME ZONE {tz})::date - DATE '1970-01-01'),
             E'\\n' ORDER BY account_id), '')
    FROM saleor_ltv_plugin_accountmetrics WHERE channel = {channel} AND stage <> 'prospect'"""


def load_scored(channel: str, tz: str) -> pd.DataFrame:
    """Every scored account of the channel with the inputs of its classes (SCORED_COLUMNS), by account:
    what the thresholds preview re-classifies. ``scored_on`` = the shop-local day it was scored, as
    days since 1970-01-01; a missing interval or ratio is NaN. Prospects are left out: no threshold
    moves an account without a purchase out of stage prospect."""
    dtypes = {"account_id": np.int64, "currency": str, "frequency": np.int64, "recency_days": np.int64,
              "tenure_days": np.int64, "monetary": np.float64, "typical_interval_days": np.float64,
              "overdue_ratio": np.float64, "scored_on": np.int64}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_postgres(_SCORED_PG, channel, tz))
            text = cursor.fetchone()[0]
        if not text:
            return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in dtypes.items()})
        return pd.read_csv(io.StringIO(text), names=SCORED_COLUMNS, dtype=dtypes, header=None,
                           keep_default_na=False, na_values={"typical_interval_days": [""], "overdue_ratio": [""]})
    from ..models import AccountMetrics

    rows = AccountMetrics.objects.filter(channel=channel).exclude(stage="prospect").order_by("account_id").values_list(
        *SCORED_COLUMNS[:-1], "computed_at")
    frame = pd.DataFrame(list(rows), columns=[*SCORED_COLUMNS[:-1], "computed_at"])
    local = pd.to_datetime(frame["computed_at"], utc=True).dt.tz_convert(tz).dt.tz_localize(None)
    frame["scored_on"] = (local.dt.normalize() - pd.Timestamp("1970-01-01")).dt.days
    frame = frame.drop(columns="computed_at").fillna({"recency_days": 0, "tenure_days": 0})
    frame["monetary"] = frame["monetary"].astype(float)
    return frame.astype(dtypes)


def load_account_metrics(channel: str, currency: str) -> pd.DataFrame:
    """Scored accounts of one currency, the columns the analyses group by (METRIC_COLUMNS);
    a missing score or tenure reads 0. Prospects are left out: the analyses (crosstab, RFMi,
    threshold previews) are of purchases, and a prospect has none."""
    dtypes = {"account_id": np.int64, "stage": str, "cpm_cell": str, "rfm_segment": str, "r_score": np.int64,
              "f_score": np.int64, "m_score": np.int64, "frequency": np.int64, "tenure_days": np.int64,
              "monetary": np.float64}
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        return _copy_frame(_postgres(_METRICS_PG, channel, "", currency=currency), METRIC_COLUMNS, dtypes)
    from ..models import AccountMetrics

    rows = (AccountMetrics.objects.filter(channel=channel, currency=currency).exclude(stage="prospect")
            .values_list(*METRIC_COLUMNS))
    frame = pd.DataFrame(list(rows), columns=METRIC_COLUMNS)
    return frame.fillna({"r_score": 0, "f_score": 0, "m_score": 0, "tenure_days": 0}).astype(dtypes)
