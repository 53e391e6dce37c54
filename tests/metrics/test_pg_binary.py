"""The binary COPY encoder against PostgreSQL's own parsing of the same values as text."""

from datetime import datetime, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from saleor_ltv_plugin.metrics import pg_binary

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="binary COPY is PostgreSQL-only"),
]
SPEC = {"i8": "int8", "i4": "int4", "i2": "int2", "f": "float8", "m": "money", "d": "date",
        "b": "bool", "t": "text"}
TYPES = {"int8": "int8", "int4": "int4", "int2": "int2", "float8": "float8", "money": "numeric(20, 3)",
         "date": "date", "bool": "bool", "text": "text"}
STAMP = datetime(2026, 11, 23, 4, 5, 6, 789012, tzinfo=timezone.utc)


def _load(frame: pd.DataFrame, constants=None) -> list[tuple]:
    constants = constants or {}
    columns = {**{name: TYPES[kind] for name, kind in SPEC.items()}, "c": "text", "at": "timestamptz"}
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE enc (n serial, " + ", ".join(f"{k} {v}" for k, v in columns.items()) + ")")
        names = ", ".join([*SPEC, *constants])
        with cursor.cursor.copy(f"COPY enc ({names}) FROM STDIN WITH (FORMAT binary)") as copy:
            for chunk in pg_binary.copy_chunks(frame, SPEC, constants):
                copy.write(chunk)
        cursor.execute(f"SELECT {', '.join(columns)} FROM enc ORDER BY n")
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE enc")
    return rows


def _frame(n: int, rng) -> pd.DataFrame:
    labels = np.array(["初回_現役", "loyal", "", "at-risk ✓", "x" * 40], dtype=object)
    money = np.round(rng.normal(0, 1e6, n), 3)
    floats = rng.normal(0, 100, n)
    floats[rng.random(n) < 0.2] = np.nan
    if n >= 6:
        money[:6] = [0.0, -0.71, 9999.999, -123456789012.345, 0.001, 999999999999.9]
        floats[:3] = [np.inf, -np.inf, 5e-324]
    days = np.datetime64("1999-12-30") + rng.integers(0, 20000, n).astype("timedelta64[D]")
    days[rng.random(n) < 0.1] = np.datetime64("NaT", "D")
    small = rng.integers(1, 6, n).astype(float)
    small[rng.random(n) < 0.3] = np.nan
    return pd.DataFrame({
        "i8": rng.integers(-2**62, 2**62, n), "i4": rng.integers(-2**31, 2**31, n, dtype=np.int64),
        "i2": small, "f": floats, "m": np.where(rng.random(n) < 0.1, np.nan, money), "d": days,
        "b": rng.random(n) < 0.5, "t": labels[rng.integers(0, len(labels), n)],
    })


def test_every_kind_round_trips_across_chunks():
    rng = np.random.default_rng(3)
    frame = _frame(pg_binary.CHUNK_ROWS + 517, rng)  # two chunks, the second partial
    rows = _load(frame, {"c": "チャンネル-1", "at": STAMP})
    assert len(rows) == len(frame)
    for row, (_, expected) in zip(rows, frame.iterrows()):
        i8, i4, i2, f, m, d, b, t, c, at = row
        assert (i8, i4, b, t, c, at) == (expected.i8, expected.i4, expected.b, expected.t, "チャンネル-1", STAMP)
        assert i2 == (None if np.isnan(expected.i2) else int(expected.i2))
        assert f == (expected.f if np.isfinite(expected.f) else None)
        assert m == (None if np.isnan(expected.m) else Decimal(f"{expected.m:.3f}"))
        assert d == (None if pd.isna(expected.d) else expected.d.date())


def test_money_rounds_to_three_decimals_like_postgresql():
    values = np.random.default_rng(5).uniform(-1e9, 1e9, 2000)
    rows = _load(pd.DataFrame({
        "i8": 0, "i4": 0, "i2": 0, "f": values, "m": values, "d": np.datetime64("2026-01-01"), "b": True, "t": "",
    }))
    with connection.cursor() as cursor:
        cursor.execute("SELECT round(v::numeric, 3) FROM unnest(%s::float8[]) v", [values.tolist()])
        by_postgres = [r[0] for r in cursor.fetchall()]
    assert [r[4] for r in rows] == by_postgres


def test_money_too_large_for_the_column_is_named():
    frame = _frame(3, np.random.default_rng(1)).assign(m=[1.0, 2e15, 3.0])
    with pytest.raises(ValueError, match="^m: 1 value"):
        list(pg_binary.copy_chunks(frame, SPEC))


def test_empty_frame_is_a_valid_stream():
    assert _load(_frame(0, np.random.default_rng(1))) == []
