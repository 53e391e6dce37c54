"""Encode a frame as PostgreSQL's binary COPY stream, with numpy and no per-row Python.

Text or CSV formatting of a million rows costs more than computing them, and a
staging table decoded by ``INSERT … SELECT`` costs a second pass; this writes
the target column types directly: integers, float8, date, timestamptz, bool,
text and numeric (money). Every field is laid out at its widest in one
``rows × width`` byte matrix and a mask keeps each row's real bytes (a NULL has
no payload, a text its own length), so variable-width rows cost one boolean
index per chunk. Numeric values use a fixed six-digit base-10000 form
(weight 4, scale 3) that PostgreSQL normalises on receipt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
PG_EPOCH_DAY = np.datetime64("2000-01-01", "D")
PG_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
CHUNK_ROWS = 65_536
MONEY_LIMIT = 1e15  # thousandths of it still fit an int64 exactly enough; numeric(20, 3) allows 1e17
INTEGER_WIDTHS = {"int8": 8, "int4": 4, "int2": 2}


def copy_chunks(frame: pd.DataFrame, spec: dict[str, str], constants: dict | None = None) -> Iterator[bytes]:
    """The COPY … FROM STDIN (FORMAT binary) stream of ``spec``'s columns then ``constants``.

    ``spec`` maps a frame column to its kind: int8, int4, int2, float8, money
    (numeric, 3 decimals), date, bool or text. Non-finite floats and NaT become
    NULL; a missing text becomes ''. ``constants`` (column → value) repeat one
    value on every row: str (text), bool, or an aware datetime (timestamptz).
    """
    constants = constants or {}
    encoders = [_column_encoder(frame[name], kind, name) for name, kind in spec.items()]
    encoders += [_constant_encoder(value, name) for name, value in constants.items()]
    count = np.frombuffer(len(encoders).to_bytes(2, "big"), np.uint8)
    width = 2 + sum(4 + encoder.width for encoder in encoders)
    yield SIGNATURE
    for start in range(0, len(frame), CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, len(frame))
        matrix = np.empty((stop - start, width), dtype=np.uint8)
        matrix[:, :2] = count
        keep, offset = None, 2
        for encoder in encoders:
            payload, lengths = encoder.encode(start, stop)
            matrix[:, offset : offset + 4] = lengths.astype(">i4").view(np.uint8).reshape(-1, 4)
            offset += 4
            matrix[:, offset : offset + encoder.width] = payload
            if encoder.variable and not (lengths == encoder.width).all():
                if keep is None:
                    keep = np.ones(matrix.shape, dtype=bool)
                keep[:, offset : offset + encoder.width] = (
                    np.arange(encoder.width) < np.maximum(lengths, 0)[:, None])
            offset += encoder.width
        yield matrix.tobytes() if keep is None else matrix[keep].tobytes()
    yield TRAILER


@dataclass(frozen=True)
class _Encoder:
    width: int  # widest payload in bytes
    encode: Callable[[int, int], tuple[np.ndarray, np.ndarray]]  # rows a:b → (payload, lengths; -1 = NULL)
    variable: bool = True  # rows can be narrower than width (NULL, shorter text)


def _fixed(values: np.ndarray, null: np.ndarray | None, dtype: str):
    """(payload rows × width, lengths with -1 for NULL) of fixed-width big-endian values."""
    width = np.dtype(dtype).itemsize
    payload = np.ascontiguousarray(values.astype(dtype)).view(np.uint8).reshape(-1, width)
    lengths = np.full(len(values), width, dtype=np.int32)
    if null is not None:
        lengths[null] = -1
    return payload, lengths


def _column_encoder(column: pd.Series, kind: str, name: str):
    if kind == "text":
        return _text_encoder(column)
    if kind == "date":
        days = column.to_numpy(dtype="datetime64[D]")
        null = np.isnat(days)
        values = np.where(null, 0, (days - PG_EPOCH_DAY).astype(np.int64))
        return _Encoder(4, lambda a, b: _fixed(values[a:b], null[a:b], ">i4"), bool(null.any()))
    if kind == "bool":
        values = column.fillna(False).to_numpy(dtype=bool)
        return _Encoder(1, lambda a, b: _fixed(values[a:b], None, "?"), False)
    if kind in INTEGER_WIDTHS:
        raw = column.to_numpy()
        if raw.dtype.kind in "iub":
            values, null = raw, None
        else:
            floats = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            null = ~np.isfinite(floats)
            values = np.where(null, 0, floats).astype(np.int64)
        return _Encoder(INTEGER_WIDTHS[kind], lambda a, b: _fixed(
            values[a:b], None if null is None else null[a:b], f">i{INTEGER_WIDTHS[kind]}"),
            null is not None and bool(null.any()))
    floats = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    null = ~np.isfinite(floats)
    if kind == "float8":
        return _Encoder(8, lambda a, b: _fixed(floats[a:b], null[a:b], ">f8"), bool(null.any()))
    if kind == "money":
        too_large = ~null & (np.abs(floats) >= MONEY_LIMIT)
        if too_large.any():
            raise ValueError(f"{name}: {int(too_large.sum())} value(s) of 1e15 or more do not fit the column")
        return _Encoder(20, lambda a, b: _numeric(floats[a:b], null[a:b]), bool(null.any()))
    raise ValueError(f"{name}: unknown column kind {kind!r}")


def thousandths(values: np.ndarray) -> np.ndarray:
    """|value| in thousandths as stored (int64; NaN → 0); the sign is kept apart."""
    return np.rint(np.abs(np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)) * 1000.0).astype(np.int64)


def _numeric(values: np.ndarray, null: np.ndarray):
    """numeric_send layout: ndigits, weight, sign, dscale, then base-10000 digits."""
    thousandths_ = thousandths(values)
    units, fraction = np.divmod(thousandths_, 1000)
    rows = np.zeros((len(values), 10), dtype=">i2")
    rows[:, 0], rows[:, 1], rows[:, 3] = 6, 4, 3  # six digits, the first worth 10000^4, scale 3
    rows[:, 2] = np.where(values < 0, 0x4000, 0)
    for position in range(4, -1, -1):  # 10000^0 … 10000^4
        units, rows[:, 4 + position] = np.divmod(units, 10000)
    rows[:, 9] = fraction * 10
    lengths = np.where(null, -1, 20).astype(np.int32)
    return rows.view(np.uint8).reshape(-1, 20), lengths


def _text_encoder(column: pd.Series):
    if isinstance(column.dtype, pd.CategoricalDtype):  # codes as they are; -1 (missing) → ''
        labels = [str(label) for label in column.cat.categories] + [""]
        codes = column.cat.codes.to_numpy().astype(np.int64)
        codes[codes < 0] = len(labels) - 1
    else:
        codes, labels = pd.factorize(column.fillna("").astype(str), sort=False)
    encoded = [label.encode() for label in labels] or [b""]
    width = max(1, max(len(item) for item in encoded))
    table = np.zeros((len(encoded), width), dtype=np.uint8)
    for index, item in enumerate(encoded):
        table[index, : len(item)] = np.frombuffer(item, np.uint8)
    sizes = np.array([len(item) for item in encoded], dtype=np.int32)
    codes = np.maximum(codes, 0)
    return _Encoder(width, lambda a, b: (table[codes[a:b]], sizes[codes[a:b]]), bool((sizes != width).any()))


def _constant_encoder(value, name: str):
    if isinstance(value, bool):
        data = b"\x01" if value else b"\x00"
    elif isinstance(value, str):
        data = value.encode()
    elif isinstance(value, datetime) and value.tzinfo is not None:
        delta = value - PG_EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        data = micros.to_bytes(8, "big", signed=True)
    else:
        raise ValueError(f"{name}: constants are str, bool or an aware datetime, not {type(value).__name__}")
    row = np.frombuffer(data, np.uint8) if data else np.zeros(0, np.uint8)

    def encode(a, b):
        return row, np.full(b - a, len(row), dtype=np.int32)

    return _Encoder(len(row), encode, False)
