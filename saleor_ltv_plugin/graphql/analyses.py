"""The Analyses pages' queries: cohorts, buying patterns, products, cross tabulation, RFMi, trends.

Read permission as ltvOverview. Each is bounded by its arguments, not by paging: a cohort grid
has at most months × months cells, the hour grid 168, price bands 20, a cross tabulation the
product of two small dimensions, RFMi 5⁴ + 5³ cells, product lists 200 rows (stored at recompute),
trends at most 731 days of snapshots.
"""

from __future__ import annotations

import graphene

from ..auth import Scope
from ..queries import analyses, trends
from .permissions import require

F, I, S = graphene.Float, graphene.Int, graphene.String


def _row_type(type_name: str, description: str, /, **fields):
    """A row type whose fields are read from the analysis's dict rows by name."""
    def resolver(field):
        return lambda root, info: root.get(field)

    attrs = {"__doc__": description}
    for field, kind in fields.items():
        attrs[field] = kind
        attrs[f"resolve_{field}"] = staticmethod(resolver(field))
    return type(type_name, (graphene.ObjectType,), attrs)


def _list(row_type):
    return graphene.List(graphene.NonNull(row_type), required=True)


LtvCohortCell = _row_type(
    "LtvCohortCell", "A first-purchase month's accounts and revenue N months later.",
    cohort=S(required=True, description="YYYY-MM of the accounts' first purchase."),
    months_since=I(required=True, description="0 = the cohort's own month."),
    cohort_accounts=I(required=True), active_accounts=I(required=True, description="Bought in that month."),
    retention=F(required=True, description="activeAccounts ÷ cohortAccounts."),
    revenue=F(required=True), revenue_per_account=F(required=True, description="revenue ÷ cohortAccounts."),
    cumulative_ltv=F(required=True, description="revenuePerAccount summed from month 0."))


class LtvCohorts(graphene.ObjectType):
    currency = S(required=True)
    sales_source = S(description="Accounts whose first order came from this sales source; null: all.")
    cells = _list(LtvCohortCell)


LtvHourCell = _row_type("LtvHourCell", "Orders placed in one weekday × hour of shop time.",
                        weekday=I(required=True, description="0 Monday … 6 Sunday."),
                        hour=I(required=True, description="0–23."), orders=I(required=True), revenue=F(required=True))
LtvPriceBand = _row_type("LtvPriceBand", "Orders whose value lies in [low, high).",
                         band=I(required=True), low=F(required=True), high=F(description="null: open-ended."),
                         orders=I(required=True), accounts=I(required=True), revenue=F(required=True),
                         order_share=F(required=True))
LtvPurchasesPerMonth = _row_type(
    "LtvPurchasesPerMonth", "How many (account, month) pairs had this many purchase days.",
    purchases=I(required=True, description="Purchase days in the month; the last value means that many or more."),
    account_months=I(required=True), accounts=I(required=True), share=F(required=True))


class LtvBuyingPatterns(graphene.ObjectType):
    currency = S(required=True)
    timezone = S(required=True, description="The shop time the hours are in.")
    proposed_bands = graphene.List(graphene.NonNull(F), required=True,
                                   description="Lower bounds proposed from the shop's own order values.")
    bands = graphene.List(graphene.NonNull(F), required=True, description="The lower bounds used.")
    hour_weekday = _list(LtvHourCell)
    price_bands = _list(LtvPriceBand)
    purchases_per_month = _list(LtvPurchasesPerMonth)


LtvCrosstabCell = _row_type(
    "LtvCrosstabCell", "Accounts with dimension x = x and y = y.",
    x=S(required=True), y=S(required=True), accounts=I(required=True), revenue=F(required=True),
    orders=I(required=True, description="Purchase occasions."), aov=F(description="revenue ÷ orders."),
    orders_per_account=F(required=True), value=F(description="The chosen measure."))


class LtvCrosstab(graphene.ObjectType):
    currency = S(required=True)
    x = S(required=True)
    y = S(required=True)
    measure = S(required=True)
    cells = _list(LtvCrosstabCell)


LtvRfmiCell = _row_type(
    "LtvRfmiCell", "Accounts with these R, F, M and I scores (I 0: one purchase, no interval).",
    r_score=I(required=True), f_score=I(required=True), m_score=I(required=True), i_score=I(required=True),
    accounts=I(required=True), revenue=F(required=True), mean_interval_days=F())
LtvIntervalScore = _row_type("LtvIntervalScore", "The range of mean purchase intervals (days) an I score holds.",
                             i_score=I(required=True), accounts=I(required=True),
                             min_interval_days=F(), max_interval_days=F())


class LtvRfmi(graphene.ObjectType):
    currency = S(required=True)
    cells = _list(LtvRfmiCell)
    interval_scores = _list(LtvIntervalScore)


LtvTrendPoint = _row_type(
    "LtvTrendPoint", "One value's accounts on one snapshot day (0 where it held none that day).",
    day=graphene.Date(required=True), value=S(required=True), accounts=I(required=True), revenue=F(required=True),
    share=F(description="accounts ÷ the day's accounts in the dimension."))
LtvSavedSegmentPoint = _row_type(
    "LtvSavedSegmentPoint", "A saved segment's size on a day, as that day's recompute counted it.",
    segment_id=I(required=True), name=S(required=True), day=graphene.Date(required=True),
    accounts=I(required=True), revenue=F(required=True))
LtvStageMove = _row_type(
    "LtvStageMove", "Accounts in stage fromStage on movementFrom and toStage on to ('': not scored that day).",
    from_stage=S(required=True), to_stage=S(required=True), accounts=I(required=True))


class LtvTrends(graphene.ObjectType):
    currency = S(required=True)
    date_from = graphene.Date(required=True, name="from")
    to = graphene.Date(required=True)
    days = graphene.List(graphene.NonNull(graphene.Date), required=True, description="The snapshot days in range.")
    current_day = graphene.Date(description="The day the last recompute scored as: the stages the account list "
                                            "shows now (with re-scores since).")
    movement_to_current = graphene.Boolean(required=True, description="The movement's last day reads the last "
                                           "recompute's stages, so a to-stage can open the account list.")
    stages = _list(LtvTrendPoint)
    cpm_cells = _list(LtvTrendPoint)
    rfm_segments = _list(LtvTrendPoint)
    saved_segments = _list(LtvSavedSegmentPoint)
    movement_from = graphene.Date(description="The day the movement starts: `from`, or the stage history's first "
                                              "day when it began later; null: no stage history up to `to`.")
    movement = _list(LtvStageMove)


class AnalysisQueries(graphene.ObjectType):
    ltv_cohorts = graphene.Field(
        LtvCohorts, channel=S(required=True, description="The Saleor channel (sales channel)."), currency=S(),
        sales_source=S(description="Acquisition source: own_shop, rakuten, amazon, … (OrderFact.salesSource)."),
        months=I(default_value=24, description="Months since the first purchase shown, 1–120."),
        description="Monthly first-purchase cohorts × months since: retention, revenue per account, cumulative LTV.")
    ltv_buying_patterns = graphene.Field(
        LtvBuyingPatterns, channel=S(required=True), currency=S(),
        bands=graphene.List(graphene.NonNull(F), description="Price bands' lower bounds, ascending; default: "
                            "proposedBands."),
        description="Orders by weekday × hour (shop time), by price band, and purchases per month per account.")
    ltv_crosstab = graphene.Field(
        LtvCrosstab, channel=S(required=True), currency=S(),
        x=S(required=True, description="One of " + ", ".join(analyses.DIMENSIONS) + "."),
        y=S(required=True, description="Another of them."),
        measure=S(default_value="accounts", description="accounts | revenue | aov | orders_per_account"),
        description="Two account dimensions × a measure.")
    ltv_rfmi = graphene.Field(LtvRfmi, channel=S(required=True), currency=S(),
                              description="R, F, M and the purchase interval I (LTV-Lab's RFMi).")
    ltv_trends = graphene.Field(
        LtvTrends, channel=S(required=True), currency=S(),
        date_from=graphene.Date(name="from", description="Default: `to` − 90 days."),
        to=graphene.Date(description="Default: the latest snapshot day."),
        description="Stage, CPM-cell, RFM-segment and saved-segment counts per snapshot day, and the stage "
                    f"movement between the two days (at most {trends.MAX_TREND_DAYS} days apart).")

    @staticmethod
    def resolve_ltv_cohorts(root, info, channel, currency=None, sales_source=None, months=24):
        require(info, Scope.READ)
        return LtvCohorts(**analyses.cohorts(channel, currency, sales_source, months))

    @staticmethod
    def resolve_ltv_buying_patterns(root, info, channel, currency=None, bands=None):
        require(info, Scope.READ)
        return LtvBuyingPatterns(**analyses.buying(channel, currency, bands))

    @staticmethod
    def resolve_ltv_crosstab(root, info, channel, x, y, measure="accounts", currency=None):
        require(info, Scope.READ)
        return LtvCrosstab(**analyses.crosstab(channel, x, y, measure, currency))

    @staticmethod
    def resolve_ltv_rfmi(root, info, channel, currency=None):
        require(info, Scope.READ)
        return LtvRfmi(**analyses.rfmi(channel, currency))

    @staticmethod
    def resolve_ltv_trends(root, info, channel, currency=None, date_from=None, to=None):
        require(info, Scope.READ)
        result = trends.trends(channel, currency, date_from, to)
        return LtvTrends(**{k: v for k, v in result.items() if k != "from"}, date_from=result["from"])
