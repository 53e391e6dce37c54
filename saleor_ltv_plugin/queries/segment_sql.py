"""The filter language compiled to one Q over AccountMetrics (SQL through the ORM).

Metric fields compare columns of the row itself; everything about orders, lines, views, tags
and contacts is an EXISTS correlated on the account id (indexed: orders by account and date,
purchase lines by SKU or product and date — a line carries its order's account, date and purchase
flag —, contacts by account, views by contact and date, tags by account), and
"at least N purchases" an IN over orders grouped by account. NOT is the complement: an account
whose metric is NULL is in `not: {p_alive: {gte: 0.5}}`.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import zoneinfo

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from .. import conf
from ..models import (AccountContact, AccountStageChange, AccountTag, ContactConsent, OrderFact, OrderLineFact,
                      ProductView)
from .regions import spellings
from .segment_spec import CHOICES, NOT_SCORED, RANGES, parse

EMAIL = "email"  # e-mail consent lives on the contact itself (marketing_consent, unsubscribed_at)


class _Clock:
    """`now` for "the last N days", and the channel's midnight for a date bound."""

    def __init__(self, now: dt.datetime | None, channel: str | None):
        self.now = now or timezone.now()
        self.tz = zoneinfo.ZoneInfo(conf.channel_settings(channel).timezone)

    def start_of(self, day: str) -> dt.datetime:
        return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), self.tz)

    def days_ago(self, days: int) -> dt.datetime:
        return self.now - dt.timedelta(days=days)


def compile_filter(spec: dict, now: dt.datetime | None = None) -> Q:
    """A filter already passed through clean_filter, as one condition on AccountMetrics."""
    return _node(spec, _Clock(now, spec.get("channel")))


def _node(spec: dict, clock: _Clock) -> Q:
    return _and(_leaf(name, value, clock) for name, value in spec.items())


def _leaf(name: str, value, clock: _Clock) -> Q:  # noqa: C901 — one branch per field of the language
    if name == "all":
        return _and(_node(child, clock) for child in value)
    if name == "any":
        return _or(_node(child, clock) for child in value)
    if name == "not":
        return ~_node(value, clock) if value else Q(pk__in=[])  # not {} (everything) is nothing
    if name == "channel":
        return Q(channel=value)
    if name == "currency":
        return Q(currency=value.upper())
    if name in CHOICES:
        return Q(**{f"{CHOICES[name][0]}__in": value})
    if name in RANGES:
        field, kind = RANGES[name]
        return Q(**{f"{field}__{side}": parse(kind, bound) for side, bound in value.items()})
    if name == "churn_risk":
        return Q(churn_risk=value)
    if name == "search":
        return (Q(account__display_name__icontains=value) | Q(account__key__icontains=value.lower())
                | Exists(AccountContact.objects.filter(account_id=OuterRef("account_id"),
                                                      contact__email__icontains=value)))
    if name == "acquisition_source":  # the first order's utm_source (ingest/acquisition.py)
        return Q(account__acquisition_source=value)
    if name == "sku":
        return _bought({"sku": value}, clock)
    if name == "bought":
        return _bought(value, clock)
    if name == "viewed":
        return _viewed(value, clock)
    if name == "tags":
        return Q(Exists(AccountTag.objects.filter(account_id=OuterRef("account_id"), tag__in=value)))
    if name == "sales_sources":
        return Q(Exists(_purchases().filter(account_id=OuterRef("account_id"), sales_source__in=value)))
    if name == "languages":
        codes = Q()
        for code in value:
            codes |= Q(contact__language_code__iexact=code) | Q(contact__language_code__istartswith=f"{code}-")
        return Q(Exists(_contacts().filter(codes)))
    if name == "prefectures":
        return Q(Exists(_contacts().filter(contact__address_prefecture__in=value)))
    if name == "regions":
        names = [spelling for region in value for spelling in spellings(region)]
        return Q(Exists(_contacts().filter(contact__address_prefecture__in=names)))
    if name == "consent":
        return Q(Exists(_contacts().filter(_consent(value["medium"], value["states"]))))
    if name == "stage_on":
        return _stage_on(dt.date.fromisoformat(value["day"]), value["stages"])
    raise ValueError(f"not a cleaned filter field: {name}")  # clean_filter lets none through


def _and(parts) -> Q:
    return functools.reduce(operator.and_, parts, Q())


def _purchases():
    return OrderFact.objects.filter(counts_as_purchase=True)


def _contacts():
    """The account's contacts, erased people left out."""
    return AccountContact.objects.filter(account_id=OuterRef("account_id"), contact__erased_at__isnull=True)


def _item(condition: dict, prefix: str) -> dict:
    if condition.get("sku"):
        return {f"{prefix}sku": condition["sku"]}
    if condition.get("product"):
        return {f"{prefix}product_id": condition["product"]}
    return {}


def _bought(condition: dict, clock: _Clock) -> Q:
    item = _item(condition, "")
    # Of an item: its purchase lines, which carry their order's account, date and flag (one range of
    # the SKU or product index); of anything: the purchases themselves (an order may have no lines).
    rows, date, order = ((OrderLineFact.objects.filter(counts_as_purchase=True, **item), "ordered_at", "order_id")
                         if item else (_purchases(), "created_at", "id"))
    if condition.get("since"):
        rows = rows.filter(**{f"{date}__gte": clock.start_of(condition["since"])})
    if condition.get("until"):  # inclusive: before the next day's midnight
        rows = rows.filter(**{f"{date}__lt": clock.start_of(condition["until"]) + dt.timedelta(days=1)})
    if condition.get("within_days"):
        rows = rows.filter(**{f"{date}__gte": clock.days_ago(condition["within_days"])})
    times = condition.get("min_times", 1)
    if times > 1:
        counted = (rows.values("account_id").annotate(purchases=Count(order, distinct=True))
                   .filter(purchases__gte=times).values("account_id"))
        q = Q(account_id__in=counted)
    else:
        q = Q(Exists(rows.filter(account_id=OuterRef("account_id"))))
    return ~q if condition.get("never") else q


def _viewed(condition: dict, clock: _Clock) -> Q:
    since = clock.days_ago(condition["within_days"])
    views = ProductView.objects.filter(contact_id=OuterRef("contact_id"), viewed_at__gte=since,
                                       **_item(condition, ""))
    if condition.get("not_bought"):
        # Lines of the account's purchases since then of the viewed item: OuterRef ×2 is the
        # AccountContact row's account, OuterRef the view.
        key = "sku" if condition.get("sku") else "product_id"
        bought = OrderLineFact.objects.filter(
            account_id=OuterRef(OuterRef("account_id")), counts_as_purchase=True,
            ordered_at__gte=since, **{key: OuterRef(key)})
        views = views.filter(~Exists(bought))
    return Q(Exists(_contacts().filter(Exists(views))))


def _consent(medium: str, states: list[str]) -> Q:
    """On AccountContact rows: the contact's consent for `medium` is one of `states`."""
    if medium == EMAIL:
        unsubscribed = Q(contact__unsubscribed_at__isnull=False)
        by_state = {"revoked": unsubscribed | Q(contact__marketing_consent="revoked"),
                    "granted": ~unsubscribed & Q(contact__marketing_consent="granted"),
                    "unknown": ~unsubscribed & Q(contact__marketing_consent="unknown")}
        return _or(by_state[s] for s in states)
    records = ContactConsent.objects.filter(contact_id=OuterRef("contact_id"), medium=medium)
    by_state = {"granted": Exists(records.filter(state="granted")), "revoked": Exists(records.filter(state="revoked")),
                "unknown": ~Exists(records.exclude(state="unknown"))}
    return _or(Q(by_state[s]) for s in states)


def _stage_on(day: dt.date, stages: list[str]) -> Q:
    """The account's latest stage-history row on or before `day` holds one of `stages` (none: it
    has no such row, or its row says '' — not scored then). Served by the (account, day) index."""
    rows = AccountStageChange.objects.filter(account_id=OuterRef("account_id"), day__lte=day)
    latest = rows.filter(~Exists(AccountStageChange.objects.filter(
        account_id=OuterRef("account_id"), day__gt=OuterRef("day"), day__lte=day)))
    named = [stage for stage in stages if stage != NOT_SCORED]
    if NOT_SCORED in stages:
        named.append("")
        return Q(Exists(latest.filter(stage__in=named))) | ~Q(Exists(rows))
    return Q(Exists(latest.filter(stage__in=named)))


def _or(parts) -> Q:
    return functools.reduce(operator.or_, parts)
