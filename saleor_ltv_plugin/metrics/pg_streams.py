"""A channel's purchases out of PostgreSQL in parallel binary COPY streams (asyncpg).

At 10 M orders the load is the largest part of a recompute, and most of it was
per-row work: psycopg hands a COPY over one row at a time (≈1 µs of Python
each) and the server spent half its time converting created_at to a shop-local
date and numeric to float8. Here the server sends stored values as they are
(account, timestamptz, amount as float8) in binary, split by block ranges over
``streams`` connections that share one exported snapshot (the same rows a single
query would see, as ``pg_dump -j`` does); asyncpg hands over whole network
buffers, numpy parses them in one call each, and the local day is computed
from a table of UTC offsets. Returns None when this path cannot run (asyncpg
not installed, inside a transaction whose rows other connections cannot see,
or a connection that fails), and the caller falls back to one COPY.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from django.db import connection

from .. import tenancy

logger = logging.getLogger(__name__)
ORDERS = "saleor_ltv_plugin_orderfact"
SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
PG_EPOCH_SECONDS = 946_684_800  # 2000-01-01 in Unix seconds: timestamptz counts µs from there
QUARTER_HOUR = 900
STREAMS = 2


# One fixed-width row of the binary COPY: field count, then (length, value) per field.
ROW = np.dtype([
    ("fields", ">i2"), ("len_account", ">i4"), ("account_id", ">i8"), ("len_currency", ">i4"),
    ("currency", ">i2"), ("len_at", ">i4"), ("at", ">i8"), ("len_amount", ">i4"), ("amount", ">f8"),
])


def load(channel: str, tz: str, currencies: list[str], streams: int = STREAMS) -> pd.DataFrame | None:
    """Purchases as :func:`.load.load_purchases` returns them, or None (see the module doc)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        return None
    try:
        with ThreadPoolExecutor(1) as pool:  # its own event loop, whatever runs in this thread
            # (the context goes along: the streams read the schema of the tenant entered, tenancy)
            buffers = pool.submit(contextvars.copy_context().run, _run, _fetch(channel, currencies, streams)).result()
    except Exception:  # noqa: BLE001 - any failure here only costs speed: fall back
        logger.warning("ltv: parallel load unavailable, using one COPY", exc_info=True)
        return None
    parsed = [_parse(buffer, ROW) for buffer in buffers]
    del buffers

    def column(name: str, dtype) -> np.ndarray:
        return np.concatenate([rows[name].astype(dtype) for rows in parsed])

    labels = np.array(["", *currencies], dtype=object)  # code 0: a currency no account has
    codes = column("currency", np.int64)
    return pd.DataFrame({
        "account_id": column("account_id", np.int64),
        "currency": pd.Categorical.from_codes(codes, categories=labels)
        if len(set(labels)) == len(labels) else labels[codes],
        "created_at": local_days(column("at", np.int64), tz).astype("datetime64[D]"),
        "amount": column("amount", np.float64),
    })


def _run(coroutine):
    """A private event loop (asyncio.run's teardown added 8 s after a 10 M-row load here)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def _parse(buffer: bytes, dtype: np.dtype) -> np.ndarray:
    if buffer[:11] != SIGNATURE or int.from_bytes(buffer[15:19], "big") != 0:
        raise ValueError("unexpected COPY BINARY header")
    body = memoryview(buffer)[19 : len(buffer) - 2]
    if len(body) % dtype.itemsize:
        raise ValueError("COPY rows are not of the expected fixed width")
    return np.frombuffer(body, dtype=dtype)


def local_days(micros_since_2000: np.ndarray, tz: str) -> np.ndarray:
    """Shop-local calendar day (days since 1970-01-01) of each timestamptz value.

    UTC offsets come from a quarter-hour table; the few rows in a quarter hour that
    holds a zone transition are converted one by one through pandas.
    """
    seconds = micros_since_2000 // 1_000_000 + PG_EPOCH_SECONDS
    if len(seconds) == 0:
        return seconds
    cell = seconds // QUARTER_HOUR
    low = int(cell.min())
    starts = np.arange(low, int(cell.max()) + 2) * QUARTER_HOUR
    offsets = _offsets(starts, tz)
    exact = offsets[:-1] == _offsets(starts[1:] - 1, tz)  # one offset through the whole cell
    index = cell - low
    days = (seconds + offsets[:-1][index]) // 86_400
    mixed = ~exact[index]
    if mixed.any():
        days[mixed] = (seconds[mixed] + _offsets(seconds[mixed], tz)) // 86_400
    return days


def _offsets(unix_seconds: np.ndarray, tz: str) -> np.ndarray:
    stamps = pd.to_datetime(unix_seconds, unit="s", utc=True).tz_convert(tz).tz_localize(None)
    return stamps.values.astype("datetime64[s]").astype(np.int64) - unix_seconds


async def _fetch(channel: str, currencies: list[str], streams: int) -> list[bytes]:
    import asyncpg

    params = _connect_params()
    leader = await asyncpg.connect(**params)
    try:
        async with leader.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await leader.fetchval("SELECT pg_export_snapshot()")
            pages = await leader.fetchval(
                f"SELECT pg_relation_size('{ORDERS}') / current_setting('block_size')::int")
            bounds = [pages * index // streams for index in range(streams)] + [None]
            followers = [await asyncpg.connect(**params) for _ in range(streams - 1)]
            try:
                jobs = [_stream(leader, None, bounds[0], bounds[1], channel, currencies)]
                jobs += [_stream(conn, snapshot, bounds[i + 1], bounds[i + 2], channel, currencies)
                         for i, conn in enumerate(followers)]
                return list(await asyncio.gather(*jobs))
            finally:
                for conn in followers:
                    await conn.close()
    finally:
        await leader.close()


async def _stream(conn, snapshot, first_page, end_page, channel, currencies) -> bytes:
    where = f"ctid >= '({first_page},0)'::tid"
    if end_page is not None:
        where += f" AND ctid < '({end_page},0)'::tid"
    # A CASE of plain comparisons: array_position cost 2 s per 10 M rows.
    codes = " ".join(f"WHEN ${index + 2} THEN {index + 1}" for index in range(len(currencies)))
    currency = f"(CASE currency {codes} ELSE 0 END)::int2" if currencies else "0::int2"
    query = (f"SELECT account_id, {currency}, created_at, amount::float8 FROM {ORDERS} "
             f"WHERE {where} AND counts_as_purchase AND channel = $1")
    args = [channel, *currencies]
    parts: list[bytes] = []

    async def sink(data: bytes) -> None:
        parts.append(data)

    if snapshot is None:
        await conn.copy_from_query(query, *args, output=sink, format="binary")
    else:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            await conn.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            await conn.copy_from_query(query, *args, output=sink, format="binary")
    return b"".join(parts)


def _connect_params() -> dict:
    """asyncpg's connect() arguments from Django's settings for this database."""
    settings = connection.settings_dict
    options = settings.get("OPTIONS") or {}
    params = {
        "host": settings.get("HOST") or None, "port": int(settings["PORT"]) if settings.get("PORT") else None,
        "user": settings.get("USER") or None, "password": settings.get("PASSWORD") or None,
        "database": settings.get("NAME"),
    }
    if options.get("sslmode"):
        params["ssl"] = options["sslmode"]
    if tenancy.search_path():
        params["server_settings"] = {"search_path": tenancy.search_path()}
    return {key: value for key, value in params.items() if value is not None}
