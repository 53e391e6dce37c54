"""Shop-level analyses stored at each recompute, so the APIs read them instead of
re-scanning every order per request: revenue by month (new vs repeat), product
repeat rates, A→B transitions and the Nth-purchase drop-off; and each saved
segment's size for the day."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
from django.db.models import Count, Sum

from ..engine import paths
from ..models import ChannelInsight, SavedSegment, SavedSegmentCount

TOP_PRODUCTS = 200
TOP_TRANSITIONS = 200
MIN_TRANSITION_ACCOUNTS = 3


def _records(frame: pd.DataFrame) -> list[dict]:
    frame = frame.replace([np.inf, -np.inf], np.nan).astype(object).where(frame.notna(), None)
    out = []
    for row in frame.to_dict("records"):
        out.append({k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    return out


def analyses(orders: pd.DataFrame, lines: pd.DataFrame, summary: pd.DataFrame) -> dict[str, list[dict]]:
    revenue = paths.new_vs_repeat_revenue(orders)
    revenue["month"] = pd.to_datetime(revenue["month"]).dt.strftime("%Y-%m")
    return {
        "revenue_by_month": _records(revenue),
        "product_repeat": _records(paths.product_repeat(lines).head(TOP_PRODUCTS)),
        "transitions": _records(
            paths.next_product_transitions(lines, min_accounts=MIN_TRANSITION_ACCOUNTS).head(TOP_TRANSITIONS)
        ),
        "dropoff": _records(paths.purchase_dropoff(summary)),
    }


def store_insights(channel: str, results: dict[str, list[dict]], computed_at: datetime) -> None:
    for kind, data in results.items():
        ChannelInsight.objects.update_or_create(
            channel=channel, kind=kind, defaults={"data": data, "computed_at": computed_at}
        )


def count_saved_segments(channel: str, day: date) -> int:
    """Today's size of each saved segment of the channel (its 'count over time')."""
    from ..queries.accounts import clean_filter, filter_accounts
    from ..queries.errors import InputError

    written = 0
    for segment in SavedSegment.objects.filter(channel=channel):
        try:
            spec = clean_filter({**segment.filter, "channel": channel})
        except InputError:
            continue  # saved under older rules; the API reports it when the segment is read
        totals = filter_accounts(spec).aggregate(n=Count("pk"), revenue=Sum("monetary"))
        SavedSegmentCount.objects.update_or_create(
            segment=segment, day=day, defaults={"accounts": totals["n"], "revenue": totals["revenue"] or 0}
        )
        written += 1
    return written
