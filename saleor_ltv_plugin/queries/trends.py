"""Trends (the Analyses page's Trends tab): stage, CPM-cell and RFM-segment counts and each saved
segment's size over the daily snapshots between two days, and the stage movement between them.

The counts are the snapshots each recompute stored (SegmentSnapshot, SavedSegmentCount); the
movement reads each account's stage on both days from the stage history (AccountStageChange),
which starts with the first recompute that kept it: before that the movement starts on the
history's first day and says so (``movement_from``), rather than calling every account new.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..engine import trends as engine
from ..metrics.insights import records
from ..models import AccountStageChange, RecomputeRun, SavedSegmentCount, SegmentSnapshot
from .errors import InputError
from .overview import main_currency

MAX_TREND_DAYS = 731
DEFAULT_DAYS = 90
SERIES = {"stages": "stage", "cpm_cells": "cpm_cell", "rfm_segments": "rfm_segment"}
TABLES = (*SERIES, "saved_segments", "movement")


def _latest(channel: str, currency: str) -> dt.date | None:
    return (SegmentSnapshot.objects.filter(channel=channel, currency=currency).order_by("-day")
            .values_list("day", flat=True).first())


def _last_run_day(channel: str) -> dt.date | None:
    """The day the last full recompute of the channel scored as: the stages the account list shows
    (with re-scores since). Not always the latest snapshot: a replayed earlier day runs last."""
    run = (RecomputeRun.objects.filter(status="done", details__channels__has_key=channel).order_by("-id")
           .values_list("details", flat=True).first())
    return dt.date.fromisoformat(run["channels"][channel]["as_of"]) if run else None


def _range(channel: str, currency: str, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    end = end or _latest(channel, currency) or dt.date.today()
    start = start or end - dt.timedelta(days=min(DEFAULT_DAYS, (end - dt.date.min).days))  # year 1 has no −90
    if start > end:
        raise InputError({"from": "must not be after to"})
    if (end - start).days > MAX_TREND_DAYS:
        raise InputError({"from": f"the range may span at most {MAX_TREND_DAYS} days"})
    return start, end


def _series(channel: str, currency: str, dimension: str, start: dt.date, end: dt.date) -> list[dict]:
    rows = (SegmentSnapshot.objects.filter(channel=channel, currency=currency, dimension=dimension,
                                           day__range=(start, end)).values_list("day", "value", "accounts", "revenue"))
    frame = pd.DataFrame(list(rows), columns=["day", "value", "accounts", "revenue"])
    return records(engine.series(frame))


def _saved_segments(channel: str, start: dt.date, end: dt.date) -> list[dict]:
    rows = (SavedSegmentCount.objects.filter(segment__channel=channel, day__range=(start, end))
            .order_by("segment__name", "segment_id", "day")
            .values_list("segment_id", "segment__name", "day", "accounts", "revenue"))
    return [{"segment_id": s, "name": n, "day": d, "accounts": a, "revenue": float(r)} for s, n, d, a, r in rows]


def _movement(channel: str, currency: str, start: dt.date, end: dt.date) -> tuple[dt.date | None, list[dict]]:
    history = AccountStageChange.objects.filter(account__channel=channel, account__currency=currency)
    since = history.order_by("day").values_list("day", flat=True).first()
    if since is None or since > end:
        return None, []
    start = max(start, since)
    rows = history.filter(day__lte=end).values_list("account_id", "day", "stage")
    changes = pd.DataFrame(list(rows), columns=["account_id", "day", "stage"])
    return start, records(engine.movement(changes, start, end))


def trends(channel: str, currency: str | None = None, start: dt.date | None = None,
           end: dt.date | None = None) -> dict:
    currency = (currency or main_currency(channel) or "").upper()
    start, end = _range(channel, currency, start, end)
    out: dict = {"currency": currency, "from": start, "to": end, "current_day": _last_run_day(channel)}
    for table, dimension in SERIES.items():
        out[table] = _series(channel, currency, dimension, start, end)
    out["days"] = sorted({row["day"] for table in SERIES for row in out[table]})
    out["saved_segments"] = _saved_segments(channel, start, end)
    out["movement_from"], out["movement"] = _movement(channel, currency, start, end)
    # Whether the movement's last day reads the stages the account list shows now.
    read = (SegmentSnapshot.objects.filter(channel=channel, currency=currency, day__lte=end).order_by("-day")
            .values_list("day", flat=True).first())
    out["movement_to_current"] = read is not None and read == out["current_day"]
    return out
