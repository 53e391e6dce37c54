"""The Analyses pages' figures (cohorts, buying patterns, products, cross tabulation, RFMi):
parameters validated here, frames loaded from the plugin's tables, the arithmetic in engine/.

Each analysis returns named tables (lists of plain dicts), the same rows for GraphQL, the REST
JSON and its CSV download. One channel and one currency at a time (its main one by default),
as the overview. Orders are the counted purchases; times are the channel's time zone setting.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import conf
from ..engine import buying_patterns, cohorts as cohort_engine, crosstab as crosstab_engine, rfmi as rfmi_engine
from ..metrics import load
from ..models import AccountContact, ChannelInsight, SalesSource
from ..metrics.insights import MIN_TRANSITION_ACCOUNTS, records
from .errors import InputError
from .overview import main_currency

MAX_COHORT_MONTHS = 120
DIMENSIONS = ("stage", "cpm_cell", "rfm_segment", "r_score", "f_score", "m_score", "sales_source", "prefecture")
MEASURES = crosstab_engine.MEASURES
PRODUCT_TABLES = ("product_repeat", "product_repeat_by_product", "transitions", "repurchases", "dropoff")


def _currency(channel: str, currency: str | None) -> str:
    return (currency or main_currency(channel) or "").upper()


def _sales_source(value: str | None, field: str = "salesSource") -> str | None:
    if value in (None, ""):
        return None
    if value not in SalesSource.values:
        raise InputError({field: f"unknown sales source {value!r}; allowed: {', '.join(SalesSource.values)}"})
    return value


def order_frame(channel: str, currency: str) -> pd.DataFrame:
    """Counted orders: account_id, local_time (shop time, naive), day (datetime64[D]), amount, sales_source."""
    return load.load_order_times(channel, currency, conf.channel_settings(channel).timezone)


def account_frame(channel: str, currency: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Scored accounts with their metrics; `extra` may add the acquisition source (the first
    order's) and the prefecture (of the most recently seen contact with an address)."""
    frame = load.load_account_metrics(channel, currency)
    if "sales_source" in extra:
        sources = cohort_engine.acquisition_source(order_frame(channel, currency))
        frame["sales_source"] = frame["account_id"].map(sources).fillna("")
    if "prefecture" in extra:
        frame["prefecture"] = _prefectures(channel, currency, frame["account_id"])
    return frame


def _prefectures(channel: str, currency: str, account_ids: pd.Series) -> list[str]:
    prefectures: dict[int, str] = {}
    for account_id, prefecture in (AccountContact.objects.filter(account__channel=channel, account__currency=currency)
                                   .exclude(contact__address_prefecture="")
                                   .order_by("account_id", "last_seen_at")
                                   .values_list("account_id", "contact__address_prefecture")):
        prefectures[account_id] = prefecture  # the last one seen wins
    return [prefectures.get(a, "") for a in account_ids]


def cohorts(channel: str, currency: str | None = None, sales_source: str | None = None,
            months: int = 24) -> dict:
    if not 1 <= months <= MAX_COHORT_MONTHS:
        raise InputError({"months": f"must be between 1 and {MAX_COHORT_MONTHS}"})
    sales_source = _sales_source(sales_source)
    currency = _currency(channel, currency)
    orders = order_frame(channel, currency)
    table = cohort_engine.cohort_table(orders, acquired_via=sales_source, max_months=months)
    return {"currency": currency, "sales_source": sales_source, "cells": records(table)}


def _clean_bands(bands) -> list[float] | None:
    if bands in (None, []):
        return None
    try:
        values = [float(b) for b in bands]
    except (TypeError, ValueError):
        raise InputError({"bands": "must be a list of numbers (each band's lower bound)"}) from None
    if len(values) > buying_patterns.MAX_BANDS:
        raise InputError({"bands": f"at most {buying_patterns.MAX_BANDS} bands"})
    if any(not np.isfinite(v) or v < 0 for v in values):
        raise InputError({"bands": "bounds must be finite and not negative"})
    if any(b <= a for a, b in zip(values, values[1:])):
        raise InputError({"bands": "bounds must be strictly ascending"})
    return values


def buying(channel: str, currency: str | None = None, bands=None) -> dict:
    bounds = _clean_bands(bands)
    currency = _currency(channel, currency)
    orders = order_frame(channel, currency)
    proposed = buying_patterns.propose_bands(orders["amount"])
    bounds = bounds or proposed
    return {
        "currency": currency, "timezone": conf.channel_settings(channel).timezone,
        "proposed_bands": proposed, "bands": bounds,
        "hour_weekday": records(buying_patterns.hour_weekday(orders)),
        "price_bands": records(buying_patterns.price_bands(orders, bounds)),
        "purchases_per_month": records(buying_patterns.purchases_per_month(orders)),
    }


def _dimension(value: str, field: str) -> str:
    if value not in DIMENSIONS:
        raise InputError({field: f"unknown dimension {value!r}; allowed: {', '.join(DIMENSIONS)}"})
    return value


def crosstab(channel: str, x: str, y: str, measure: str = "accounts", currency: str | None = None) -> dict:
    x, y = _dimension(x, "x"), _dimension(y, "y")
    if x == y:
        raise InputError({"y": "must differ from x"})
    if measure not in crosstab_engine.MEASURES:
        raise InputError({"measure": f"unknown measure {measure!r}; allowed: {', '.join(crosstab_engine.MEASURES)}"})
    currency = _currency(channel, currency)
    table = crosstab_engine.crosstab(account_frame(channel, currency, (x, y)), x, y, measure)
    return {"currency": currency, "x": x, "y": y, "measure": measure, "cells": records(table)}


def rfmi(channel: str, currency: str | None = None) -> dict:
    currency = _currency(channel, currency)
    cells, bounds = rfmi_engine.rfmi(account_frame(channel, currency))
    return {"currency": currency, "cells": records(cells), "interval_scores": records(bounds)}


def products(channel: str, min_accounts: int = MIN_TRANSITION_ACCOUNTS, first: int = 200) -> dict:
    """The product analyses the last recompute stored; transitions with at least ``min_accounts``."""
    if min_accounts < 1:
        raise InputError({"minAccounts": "must be at least 1"})
    if not 0 <= first <= 200:
        raise InputError({"first": "must be between 0 and 200"})
    stored = {i.kind: i for i in ChannelInsight.objects.filter(channel=channel, kind__in=PRODUCT_TABLES)}
    out: dict = {"computed_at": max((i.computed_at for i in stored.values()), default=None)}
    for kind in PRODUCT_TABLES:
        rows = stored[kind].data if kind in stored else []
        if kind in ("transitions", "repurchases"):
            rows = [r for r in rows if r["accounts"] >= min_accounts]
        if kind == "transitions":  # stored before A→A moved to repurchases
            rows = [r for r in rows if r["from_sku"] != r["to_sku"]]
        out[kind] = rows[:first]
    return out
