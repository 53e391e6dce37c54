"""Per-channel overview: one grouped scan of AccountMetrics, plus stored snapshots and insights."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, Sum

from ..engine.cpm import CELL_LABELS_JA, CELLS
from ..engine.lifecycle import STAGE_LABELS_JA, STAGES
from ..engine.rfm import SEGMENT_LABELS_JA, SEGMENTS
from ..metrics.recompute import latest_prediction_model
from ..models import Account, AccountMetrics, ChannelInsight, SegmentSnapshot
from .errors import InputError


@dataclass
class Bucket:
    value: str
    label: str
    accounts: int = 0
    revenue: float = 0.0
    accounts_then: int | None = None

    @property
    def change(self) -> int | None:
        return None if self.accounts_then is None else self.accounts - self.accounts_then


@dataclass
class AcquisitionRow:
    """LTV of the accounts whose first order came from one utm_source ('' : none recorded)."""

    source: str
    accounts: int
    revenue: float
    average_clv: float | None  # predicted, null where no account was scored by the model

    @property
    def average_revenue(self) -> float:
        """Realised LTV: spend so far per account."""
        return self.revenue / self.accounts if self.accounts else 0.0


@dataclass
class Overview:
    channel: str
    currency: str
    accounts: int = 0  # with a purchase; prospects apart
    prospects: int = 0  # registered, never bought (ingest/prospects.py says which channel they count in)
    repeat_accounts: int = 0
    revenue: float = 0.0
    since: dt.date | None = None
    stages: list[Bucket] = field(default_factory=list)
    cpm_cells: list[Bucket] = field(default_factory=list)
    rfm_segments: list[Bucket] = field(default_factory=list)
    rfm_grid: list[dict] = field(default_factory=list)
    revenue_by_month: list[dict] = field(default_factory=list)
    computed_at: dt.datetime | None = None
    prediction_model: dict | None = None  # the latest recompute's report entry (engine/model_choice)

    @functools.cached_property
    def acquisition_sources(self) -> list[AcquisitionRow]:
        """By revenue, largest first. Read when asked for: a second scan of every account, joined
        to Account, that the Dashboard's overview page does not show."""
        return by_acquisition_source(self.channel, self.currency)

    @property
    def f2_conversion_rate(self) -> float | None:
        """Share of buying accounts that came back for a second purchase (F2 転換率)."""
        return self.repeat_accounts / self.accounts if self.accounts else None


def main_currency(channel: str) -> str | None:
    """The currency most of the channel's accounts buy in: from the latest snapshot (a few
    rows), else from the accounts' (channel, currency) index."""
    day = SegmentSnapshot.objects.filter(channel=channel).order_by("-day").values_list("day", flat=True).first()
    source = (SegmentSnapshot.objects.filter(channel=channel, day=day, dimension="stage").values("currency")
              .annotate(n=Sum("accounts")) if day else
              Account.objects.filter(channel=channel).values("currency").annotate(n=Count("id")))
    row = source.order_by("-n", "currency").first()
    return row["currency"] if row else None


def channels() -> list[dict]:
    """Channels with accounts, largest first, each with its currencies (largest first)."""
    rows = Account.objects.values("channel", "currency").annotate(n=Count("id")).order_by("-n", "channel", "currency")
    out: dict[str, dict] = {}
    for row in rows:
        entry = out.setdefault(row["channel"], {"channel": row["channel"], "currencies": [], "accounts": 0})
        entry["currencies"].append(row["currency"])
        entry["accounts"] += row["n"]
    return sorted(out.values(), key=lambda e: (-e["accounts"], e["channel"]))


def accounts_for_user(saleor_user_id: str):
    """Accounts a Saleor user has bought for (a company may have several buyers)."""
    return (Account.objects.filter(accountcontact__contact__saleor_user_id=saleor_user_id)
            .distinct().order_by("channel", "currency", "id"))


def accounts_for_order(saleor_order_id: str):
    return Account.objects.filter(orders__source="saleor", orders__external_id=saleor_order_id).distinct()


def overview(channel: str, currency: str | None = None, since: dt.date | None = None, months: int = 12) -> Overview:
    if not (1 <= months <= 120):
        raise InputError({"months": "must be between 1 and 120"})
    currency = (currency or main_currency(channel) or "").upper()
    out = Overview(channel=channel, currency=currency, since=since)
    stages = {s: Bucket(s, STAGE_LABELS_JA[s]) for s in STAGES}
    cells = {c: Bucket(c, CELL_LABELS_JA[c]) for c in CELLS}
    segments = {s: Bucket(s, SEGMENT_LABELS_JA[s]) for s in SEGMENTS}
    grid: dict[tuple[int, int], list] = defaultdict(lambda: [0, 0.0])
    rows = (
        AccountMetrics.objects.filter(channel=channel, currency=currency)
        .values("stage", "cpm_cell", "rfm_segment", "r_score", "f_score")
        .annotate(n=Count("pk"), repeat=Count("pk", filter=Q(frequency__gte=2)), revenue=Sum("monetary"))
        .order_by()
    )
    for row in rows:
        n, revenue = row["n"], float(row["revenue"] or 0)
        if row["stage"] == "prospect":
            out.prospects += n
        else:
            out.accounts += n
        out.repeat_accounts += row["repeat"]
        out.revenue += revenue
        for table, key in ((stages, row["stage"]), (cells, row["cpm_cell"]), (segments, row["rfm_segment"])):
            if key in table:
                table[key].accounts += n
                table[key].revenue += revenue
        if row["r_score"] and row["f_score"]:
            cell = grid[(row["r_score"], row["f_score"])]
            cell[0] += n
            cell[1] += revenue
    if since is not None:
        _add_then(channel, currency, since, {"stage": stages, "cpm_cell": cells, "rfm_segment": segments})
    out.stages, out.cpm_cells, out.rfm_segments = list(stages.values()), list(cells.values()), list(segments.values())
    out.rfm_grid = [
        {"recency": r, "frequency": f, "accounts": grid[(r, f)][0], "revenue": grid[(r, f)][1]}
        for r in range(1, 6) for f in range(1, 6)
    ]
    insight = ChannelInsight.objects.filter(channel=channel, kind="revenue_by_month").first()
    if insight is not None:
        months_rows = [m for m in insight.data if (m.get("currency") or currency) == currency]
        out.revenue_by_month = months_rows[-months:]
        out.computed_at = insight.computed_at
    out.prediction_model = latest_prediction_model(channel)
    return out


def by_acquisition_source(channel: str, currency: str) -> list[AcquisitionRow]:
    rows = (AccountMetrics.objects.filter(channel=channel, currency=currency)
            .values("account__acquisition_source")
            .annotate(n=Count("pk"), revenue=Sum("monetary"), clv=Avg("clv")).order_by())
    out = [AcquisitionRow(r["account__acquisition_source"], r["n"], float(r["revenue"] or 0),
                          float(r["clv"]) if r["clv"] is not None else None) for r in rows]
    return sorted(out, key=lambda r: (-r.revenue, r.source))


def _add_then(channel: str, currency: str, since: dt.date, tables: dict) -> None:
    """Counts on the last snapshot at or before `since`: the base of each bucket's change."""
    day = (SegmentSnapshot.objects.filter(channel=channel, currency=currency, day__lte=since)
           .order_by("-day").values_list("day", flat=True).first())
    if day is None:
        return
    for table in tables.values():
        for bucket in table.values():
            bucket.accounts_then = 0
    for dimension, value, accounts in SegmentSnapshot.objects.filter(
        channel=channel, currency=currency, day=day
    ).values_list("dimension", "value", "accounts"):
        bucket = tables.get(dimension, {}).get(value)
        if bucket is not None:
            bucket.accounts_then = accounts
