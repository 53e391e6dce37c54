"""Staff queries: overview, the account list and detail, trends, product insights, segments."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

import graphene
from graphene import relay

from ..auth import Scope
from ..conf import url_prefix
from ..hosts.saleor.ids import pk_from_global_id
from ..models import SavedSegment, SegmentSnapshot
from ..queries import overview as overview_query
from ..queries.analyses import products as product_analyses
from ..queries.accounts import clean_filter, clean_sort, filter_accounts
from ..queries.errors import InputError
from ..queries.segment_spec import FLAT_FIELDS
from .core import resolve_connection
from .enums import LtvSegmentDimension
from .inputs import LtvAccountFilterInput, LtvAccountSortingInput, filter_dict
from .permissions import require
from .types import LtvAccount, LtvAccountCountableConnection, LtvSavedSegmentCountableConnection

MAX_HISTORY_DAYS = 731


class LtvBucket(graphene.ObjectType):
    value = graphene.String(required=True)
    label = graphene.String(required=True, description="Japanese label from the seed documents.")
    accounts = graphene.Int(required=True)
    revenue = graphene.Float(required=True)
    accounts_then = graphene.Int(description="On the last snapshot at or before `since`.")
    change = graphene.Int(description="accounts − accountsThen.")


class LtvRfmGridCell(graphene.ObjectType):
    recency = graphene.Int(required=True, description="R score 1–5.")
    frequency = graphene.Int(required=True, description="F score 1–5.")
    accounts = graphene.Int(required=True)
    revenue = graphene.Float(required=True)


class LtvMonthRevenue(graphene.ObjectType):
    month = graphene.String(required=True, description="YYYY-MM, shop time zone.")
    new_revenue = graphene.Float(required=True)
    repeat_revenue = graphene.Float(required=True)
    new_accounts = graphene.Int(required=True)
    repeat_accounts = graphene.Int(required=True)
    repeat_share = graphene.Float()

    @classmethod
    def of(cls, row: dict):
        return cls(**{k: row.get(k) for k in ("month", "new_revenue", "repeat_revenue", "new_accounts",
                                               "repeat_accounts", "repeat_share")})


class LtvModelScore(graphene.ObjectType):
    name = graphene.String(required=True, description="bgnbd | mbgnbd | pareto_nbd")
    label = graphene.String(required=True, description="BG/NBD, MBG/NBD or Pareto/NBD.")
    status = graphene.String(required=True, description="Its calibration fit: ok | boundary | "
                             "insufficient_data | failed.")
    mean_absolute_error = graphene.Float(
        description="Of holdout purchases per account; null when it did not fit.")
    predicted_purchases = graphene.Float(description="Its holdout prediction, all accounts together.")


class LtvPredictionModel(graphene.ObjectType):
    """The purchase-count model behind P(alive), expected purchases and CLV, and why it is in use."""

    name = graphene.String(required=True, description="bgnbd | mbgnbd | pareto_nbd")
    label = graphene.String(required=True, description="BG/NBD, MBG/NBD or Pareto/NBD.")
    reason = graphene.String(required=True, description="Why this model (English).")
    reason_ja = graphene.String(required=True, description="Why this model (Japanese).")
    criterion = graphene.String(required=True, description="mae: mean absolute error of holdout purchases.")
    status = graphene.String(required=True, description="Its fit on the full history: ok | boundary | "
                             "insufficient_data | failed (then P(alive) and CLV are empty).")
    holdout_days = graphene.Int(description="Length of the holdout; null when there was none.")
    holdout_accounts = graphene.Int()
    holdout_purchases = graphene.Int(description="Repeat purchases the accounts really made in the holdout.")
    scores = graphene.List(graphene.NonNull(LtvModelScore), required=True)
    computed_at = graphene.DateTime(description="When the recompute that chose it finished.")

    @classmethod
    def of(cls, entry: dict | None):
        if not entry:
            return None
        holdout = entry.get("holdout") or {}
        scores = [LtvModelScore(name=name, label=score.get("label", name), status=score.get("status", ""),
                                mean_absolute_error=score.get("mae"),
                                predicted_purchases=score.get("predicted_total"))
                  for name, score in (entry.get("scores") or {}).items()]
        return cls(name=entry["name"], label=entry["label"], reason=entry["reason"],
                   reason_ja=entry.get("reason_ja") or entry["reason"], criterion=entry.get("criterion", ""),
                   status=entry.get("status", ""), holdout_days=holdout.get("days"),
                   holdout_accounts=holdout.get("accounts"), holdout_purchases=holdout.get("actual_total"),
                   scores=scores, computed_at=entry.get("computed_at"))


class LtvAcquisitionSource(graphene.ObjectType):
    source = graphene.String(required=True, description="The first order's utm_source; empty: none recorded.")
    accounts = graphene.Int(required=True)
    revenue = graphene.Float(required=True, description="Their spend so far, net of refunds.")
    average_revenue = graphene.Float(required=True, description="Realised LTV: revenue per account.")
    average_clv = graphene.Float(description="Predicted CLV per scored account; null before the model scores them.")


class LtvOverview(graphene.ObjectType):
    channel = graphene.String(required=True)
    currency = graphene.String(required=True)
    accounts = graphene.Int(required=True, description="Accounts with at least one purchase.")
    prospects = graphene.Int(required=True, description=(
        "Prospects (見込み客): accounts of registered contacts that never bought; also the stage bucket "
        "'prospect'. A Saleor user without orders counts in the shop's prospect_channel setting (default: the "
        "channel with the most accounts)."))
    revenue = graphene.Float(required=True)
    f2_conversion_rate = graphene.Float(description="Share of buying accounts with a second purchase.")
    since = graphene.Date()
    stages = graphene.List(graphene.NonNull(LtvBucket), required=True)
    cpm_cells = graphene.List(graphene.NonNull(LtvBucket), required=True)
    rfm_segments = graphene.List(graphene.NonNull(LtvBucket), required=True)
    rfm_grid = graphene.List(graphene.NonNull(LtvRfmGridCell), required=True)
    revenue_by_month = graphene.List(graphene.NonNull(LtvMonthRevenue), required=True)
    computed_at = graphene.DateTime(description="When the monthly figures were last recomputed.")
    prediction_model = graphene.Field(
        LtvPredictionModel, description="The model behind P(alive) and CLV; null before the first recompute.")
    acquisition_sources = graphene.List(
        graphene.NonNull(LtvAcquisitionSource), required=True,
        description="LTV by where accounts came from (their first order's utm_source), largest revenue first.")

    @staticmethod
    def resolve_acquisition_sources(root, info):
        return [LtvAcquisitionSource(source=r.source, accounts=r.accounts, revenue=r.revenue,
                                     average_revenue=r.average_revenue, average_clv=r.average_clv)
                for r in root.acquisition_sources]

    @staticmethod
    def resolve_prediction_model(root, info):
        return LtvPredictionModel.of(root.prediction_model)

    @staticmethod
    def resolve_stages(root, info):
        return [_bucket(b) for b in root.stages]

    @staticmethod
    def resolve_cpm_cells(root, info):
        return [_bucket(b) for b in root.cpm_cells]

    @staticmethod
    def resolve_rfm_segments(root, info):
        return [_bucket(b) for b in root.rfm_segments]

    @staticmethod
    def resolve_rfm_grid(root, info):
        return [LtvRfmGridCell(**cell) for cell in root.rfm_grid]

    @staticmethod
    def resolve_revenue_by_month(root, info):
        return [LtvMonthRevenue.of(m) for m in root.revenue_by_month]


def _bucket(b):
    return LtvBucket(value=b.value, label=b.label, accounts=b.accounts, revenue=b.revenue,
                     accounts_then=b.accounts_then, change=b.change)


class LtvSnapshotPoint(graphene.ObjectType):
    day = graphene.Date(required=True)
    currency = graphene.String(required=True)
    value = graphene.String(required=True)
    accounts = graphene.Int(required=True)
    revenue = graphene.Float(required=True)


class _RepeatFields:
    buyers = graphene.Int(required=True)
    repeat_buyers = graphene.Int(required=True)
    repeat_rate = graphene.Float(required=True)
    days_to_repurchase = graphene.Float(description="Median days from a buyer's first to second day with it.")
    revenue = graphene.Float(description="Line revenue (gross).")
    repeat_revenue = graphene.Float(description="Revenue after each buyer's first day with it.")
    first_buyers = graphene.Int(required=True)
    first_buyers_returned = graphene.Int(required=True)
    return_rate = graphene.Float(description="Of accounts whose first purchase had it, share that came back.")


class LtvProductRepeat(_RepeatFields, graphene.ObjectType):
    sku = graphene.String(required=True)


class LtvProductRepeatByProduct(_RepeatFields, graphene.ObjectType):
    product = graphene.String(required=True, description="Product name (its variants' SKUs together).")


class LtvProductTransition(graphene.ObjectType):
    from_sku = graphene.String(required=True)
    to_sku = graphene.String(required=True)
    accounts = graphene.Int(required=True)
    from_accounts = graphene.Int(required=True)
    confidence = graphene.Float(required=True)
    base_rate = graphene.Float()
    lift = graphene.Float(description="> 1: A leads to B more than B's usual pull.")


class LtvDropoff(graphene.ObjectType):
    occasion = graphene.Int(required=True)
    accounts = graphene.Int(required=True)
    continued = graphene.Int(required=True)
    continue_rate = graphene.Float()
    dropoff_rate = graphene.Float()


class LtvProductInsights(graphene.ObjectType):
    channel = graphene.String(required=True)
    computed_at = graphene.DateTime()
    product_repeat = graphene.List(graphene.NonNull(LtvProductRepeat), required=True)
    product_repeat_by_product = graphene.List(graphene.NonNull(LtvProductRepeatByProduct), required=True)
    transitions = graphene.List(graphene.NonNull(LtvProductTransition), required=True,
                                description="A→B with B ≠ A, by lift; A→A is in repurchases.")
    repurchases = graphene.List(graphene.NonNull(LtvProductTransition), required=True,
                                description="A→A: the same SKU on the next purchase occasion.")
    dropoff = graphene.List(graphene.NonNull(LtvDropoff), required=True)


class LtvExport(graphene.ObjectType):
    row_count = graphene.Int(required=True)
    csv_url = graphene.String(required=True, description="Streamed CSV from the REST API (same token).")
    json_url = graphene.String(required=True)


class LtvChannel(graphene.ObjectType):
    channel = graphene.String(required=True)
    currencies = graphene.List(graphene.NonNull(graphene.String), required=True)
    accounts = graphene.Int(required=True, description="Scored accounts (all currencies).")


def _fields_of(cls, row: dict) -> dict:
    return {name: row.get(name) for name in cls._meta.fields}


def _saleor_pk(value: str, type_name: str, field: str) -> str:
    try:
        return pk_from_global_id(value, type_name)
    except ValueError as exc:
        raise InputError({field: str(exc)}) from None


def _clean(filter) -> dict:
    return clean_filter(filter_dict(filter))


class StaffQueries(graphene.ObjectType):
    ltv_overview = graphene.Field(
        LtvOverview, channel=graphene.String(required=True), currency=graphene.String(),
        since=graphene.Date(description="Stage movement since this day (from daily snapshots)."),
        months=graphene.Int(default_value=12, description="Months of revenue history, 1–120."),
    )
    ltv_accounts = relay.ConnectionField(
        LtvAccountCountableConnection, filter=LtvAccountFilterInput(), sort_by=LtvAccountSortingInput(),
        description="Scored accounts; default sort: spend, descending. At most 100 per page.",
    )
    ltv_account_count = graphene.Int(
        required=True, filter=LtvAccountFilterInput(),
        description="How many accounts a filter holds now (the segment builder's live count).")
    ltv_account = graphene.Field(LtvAccount, id=graphene.ID(required=True))
    ltv_segment_history = graphene.List(
        graphene.NonNull(LtvSnapshotPoint), required=True,
        channel=graphene.String(required=True), dimension=LtvSegmentDimension(required=True),
        currency=graphene.String(), since=graphene.Date(), until=graphene.Date(),
    )
    ltv_product_insights = graphene.Field(
        LtvProductInsights, channel=graphene.String(required=True),
        first=graphene.Int(default_value=50, description="Rows per list, at most 200."),
        min_accounts=graphene.Int(default_value=3, description="Minimum support of a transition (accounts), ≥ 1."),
    )
    ltv_saved_segments = relay.ConnectionField(LtvSavedSegmentCountableConnection, channel=graphene.String())
    ltv_segment_export = graphene.Field(
        LtvExport, filter=LtvAccountFilterInput(), saved_segment=graphene.ID(),
        description="Row count and streaming download links (CSV/JSON) for a filter or a saved segment.",
    )

    ltv_channels = graphene.List(
        graphene.NonNull(LtvChannel), required=True,
        description="Channels with scored accounts, largest first: what the Dashboard offers to pick.",
    )
    ltv_accounts_for = graphene.List(
        graphene.NonNull(LtvAccount), required=True,
        customer_id=graphene.ID(description="A Saleor user: its global ID (User:…) or its pk."),
        order_id=graphene.ID(description="A Saleor order: its global ID (Order:…) or its id."),
        description="The accounts behind a Saleor customer or order (the Dashboard's widgets).",
    )

    @staticmethod
    def resolve_ltv_channels(root, info):
        require(info, Scope.READ)
        return [LtvChannel(**row) for row in overview_query.channels()]

    @staticmethod
    def resolve_ltv_accounts_for(root, info, customer_id=None, order_id=None):
        require(info, Scope.READ)
        if bool(customer_id) == bool(order_id):
            raise InputError({"customerId": "give exactly one of customerId and orderId"})
        if customer_id:
            return list(overview_query.accounts_for_user(_saleor_pk(customer_id, "User", "customerId")))
        return list(overview_query.accounts_for_order(_saleor_pk(order_id, "Order", "orderId")))

    @staticmethod
    def resolve_ltv_overview(root, info, channel, currency=None, since=None, months=12):
        require(info, Scope.READ)
        return overview_query.overview(channel, currency, since, months)

    @staticmethod
    def resolve_ltv_accounts(root, info, filter=None, sort_by=None, **kwargs):
        require(info, Scope.READ)
        spec = _clean(filter)
        keys = clean_sort(sort_by.field if sort_by else None, sort_by.direction if sort_by else None)
        qs = filter_accounts(spec).select_related("account")
        return resolve_connection(info.return_type.graphene_type, qs, keys, kwargs, info, node=lambda m: m.account)

    @staticmethod
    def resolve_ltv_account_count(root, info, filter=None):
        require(info, Scope.READ)
        return filter_accounts(_clean(filter)).count()

    @staticmethod
    def resolve_ltv_account(root, info, id):
        require(info, Scope.READ)
        return relay.Node.get_node_from_global_id(info, id, only_type=LtvAccount)

    @staticmethod
    def resolve_ltv_segment_history(root, info, channel, dimension, currency=None, since=None, until=None):
        require(info, Scope.READ)
        until = until or dt.date.today()
        since = since or until - dt.timedelta(days=90)
        if since > until:
            raise InputError({"since": "must not be after until"})
        if (until - since).days > MAX_HISTORY_DAYS:
            raise InputError({"since": f"the range may span at most {MAX_HISTORY_DAYS} days"})
        rows = SegmentSnapshot.objects.filter(channel=channel, dimension=dimension, day__range=(since, until))
        if currency:
            rows = rows.filter(currency=currency.upper())
        return [
            LtvSnapshotPoint(day=r.day, currency=r.currency, value=r.value, accounts=r.accounts, revenue=float(r.revenue))
            for r in rows.order_by("day", "currency", "value")
        ]

    @staticmethod
    def resolve_ltv_product_insights(root, info, channel, first=50, min_accounts=3):
        require(info, Scope.READ)
        tables = product_analyses(channel, min_accounts=min_accounts, first=first)
        types = {"product_repeat": LtvProductRepeat, "product_repeat_by_product": LtvProductRepeatByProduct,
                 "transitions": LtvProductTransition, "repurchases": LtvProductTransition, "dropoff": LtvDropoff}
        return LtvProductInsights(channel=channel, computed_at=tables["computed_at"], **{
            kind: [cls(**_fields_of(cls, row)) for row in tables[kind]] for kind, cls in types.items()})

    @staticmethod
    def resolve_ltv_saved_segments(root, info, channel=None, **kwargs):
        require(info, Scope.READ)
        qs = SavedSegment.objects.all()
        if channel:
            qs = qs.filter(channel=channel)
        return resolve_connection(info.return_type.graphene_type, qs, [("name", False), ("id", False)], kwargs, info)

    @staticmethod
    def resolve_ltv_segment_export(root, info, filter=None, saved_segment=None):
        require(info, Scope.READ)
        if saved_segment:
            segment = relay.Node.get_node_from_global_id(info, saved_segment, only_type=None)
            if not isinstance(segment, SavedSegment):
                raise InputError({"saved_segment": "no saved segment with this id"}, code="not_found")
            spec = clean_filter({**segment.filter, "channel": segment.channel})
            base = f"segments/{segment.pk}/export"
            query: dict = {}
        else:
            spec = _clean(filter)
            base = "segments/export"
            query = export_query(spec)
        prefix = url_prefix() + "api/v1/"
        return LtvExport(
            row_count=filter_accounts(spec).count(),
            csv_url=prefix + base + "?" + urlencode({**query, "format": "csv"}, doseq=True),
            json_url=prefix + base + "?" + urlencode({**query, "format": "json"}, doseq=True),
        )


def export_query(spec: dict) -> dict:
    """The REST export's query parameters for a filter spec (ranges as <name>_gte / <name>_lte;
    groups and the other conditions of the filter language as JSON in `filter`)."""
    query: dict = {}
    extra: dict = {}
    for name, value in spec.items():
        if name not in FLAT_FIELDS:
            extra[name] = value
        elif isinstance(value, dict):
            for side, bound in value.items():
                query[f"{name}_{side}"] = bound
        elif isinstance(value, bool):
            query[name] = "true" if value else "false"
        else:
            query[name] = value
    if extra:
        query["filter"] = json.dumps(extra, ensure_ascii=False, separators=(",", ":"))
    return query
