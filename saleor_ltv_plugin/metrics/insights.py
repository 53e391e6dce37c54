"""Shop-level analyses stored at each recompute, so the APIs read them instead of
re-scanning every order per request: revenue by month (new vs repeat), product
repeat rates (by SKU and by product), A→B transitions (A→A apart, as repurchase) and the
Nth-purchase drop-off; and each saved
segment's size for the day."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
from django.db.models import Count, Sum

from ..engine import paths
from ..models import ChannelInsight, SavedSegment, SavedSegmentCount

TOP_PRODUCTS = 200
TOP_TRANSITIONS = 1000  # the best-supported pairs; the APIs filter them by a minimum support
MIN_TRANSITION_ACCOUNTS = 3  # the APIs' default minimum support


def records(frame: pd.DataFrame) -> list[dict]:
    frame = frame.replace([np.inf, -np.inf], np.nan).astype(object).where(frame.notna(), None)
    out = []
    for row in frame.to_dict("records"):
        out.append({k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    return out


def _by_product(lines: pd.DataFrame) -> pd.DataFrame:
    """The lines keyed by product name instead of SKU (variants of one product together)."""
    if "product" not in lines:
        return lines.iloc[0:0]
    named = lines[lines["product"].astype(str) != ""]
    return named.assign(sku=named["product"].astype(str))


def _best_supported(pairs: pd.DataFrame) -> pd.DataFrame:
    """The TOP_TRANSITIONS pairs most accounts made, kept in the lift order they came in."""
    keep = pairs.sort_values("accounts", ascending=False, kind="stable").head(TOP_TRANSITIONS).index
    return pairs.loc[pairs.index.isin(keep)]


def analyses(orders: pd.DataFrame, lines: pd.DataFrame, summary: pd.DataFrame) -> dict[str, list[dict]]:
    revenue = paths.new_vs_repeat_revenue(orders)
    revenue["month"] = pd.to_datetime(revenue["month"]).dt.strftime("%Y-%m")
    return {
        "revenue_by_month": records(revenue),
        "product_repeat": records(paths.product_repeat(lines).head(TOP_PRODUCTS)),
        "product_repeat_by_product": records(
            paths.product_repeat(_by_product(lines)).head(TOP_PRODUCTS).rename(columns={"sku": "product"})),
        "transitions": records(_best_supported(paths.next_product_transitions(lines))),
        "repurchases": records(_best_supported(paths.repurchase_transitions(lines))),
        "dropoff": records(paths.purchase_dropoff(summary)),
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
