"""Who enters which scenario now: one finder per trigger, each a few set-based queries.

Trigger references are chosen so that the same situation gives the same reference on
every scan (a checkout's token, the date of the last purchase …) and a new situation a
new one (the account ordered again, then lapsed again).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Callable, Iterable

from django.db.models import Exists, Max, OuterRef, Q

from ..models import (
    AccountContact,
    AccountMetrics,
    AccountSkuRhythm,
    ChannelInsight,
    CheckoutFact,
    CheckoutState,
    Contact,
    Enrollment,
    OrderFact,
    OrderLineFact,
    ProductView,
    SavedSegment,
)
from ..queries.accounts import clean_filter, filter_accounts
from .enroll import Candidate
from .mail_items import product_facts
from .settings import ScenarioConfig

Finder = Callable[[ScenarioConfig, datetime], Iterable[Candidate]]
FINDERS: dict[str, Finder] = {}
SEND_HOUR = 10  # account-level mails dated by a day go out at 10:00 shop time


def finder(key: str):
    def register(function: Finder) -> Finder:
        FINDERS[key] = function
        return function

    return register


def _hours(config: ScenarioConfig, index: int) -> timedelta:
    return timedelta(hours=config.params["delays_hours"][index])


def _day_at(day: dt.date, config: ScenarioConfig) -> datetime:
    return datetime.combine(day, dt.time(SEND_HOUR), tzinfo=zoneinfo.ZoneInfo(config.shop.timezone))


def _local_today(config: ScenarioConfig, now: datetime) -> dt.date:
    return now.astimezone(zoneinfo.ZoneInfo(config.shop.timezone)).date()


def buyers_of(account_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each account's reachable buyers (an e-mail, not erased), in a stable order."""
    ids = list(account_ids)
    out: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(ids), 10000):
        rows = (AccountContact.objects.filter(account_id__in=ids[start:start + 10000], contact__erased_at__isnull=True)
                .exclude(contact__email="").order_by("account_id", "contact_id").values_list("account_id", "contact_id"))
        for account_id, contact_id in rows:
            out[account_id].append(contact_id)
    return out


def _account_candidates(config: ScenarioConfig, rows, ref: Callable, anchor: Callable, context: Callable):
    rows = list(rows)
    buyers = buyers_of(r["account_id"] for r in rows)
    for row in rows:
        if buyers.get(row["account_id"]):
            yield Candidate(ref(row), anchor(row), row["account_id"], buyers[row["account_id"]], context(row))


def _metrics(config: ScenarioConfig):
    return AccountMetrics.objects.filter(channel=config.channel)


def _account_of_contacts(contact_ids: Iterable[int], channel: str) -> dict[int, int]:
    rows = (AccountContact.objects.filter(contact_id__in=list(contact_ids), account__channel=channel)
            .order_by("contact_id", "-last_seen_at").values_list("contact_id", "account_id"))
    out: dict[int, int] = {}
    for contact_id, account_id in rows:
        out.setdefault(contact_id, account_id)
    return out


@finder("abandoned_checkout")
def abandoned_checkouts(config: ScenarioConfig, now: datetime):
    first, last = _hours(config, 0), _hours(config, -1)
    rows = list(CheckoutFact.objects.filter(
        channel=config.channel, state__in=[CheckoutState.OPEN, CheckoutState.ABANDONED], line_count__gt=0,
        contact__isnull=False, contact__erased_at__isnull=True, last_change__lte=now - first,
        last_change__gte=now - last - timedelta(hours=24), total_gross__gte=config.params["min_total"],
    ).exclude(email="").values("token", "contact_id", "last_change", "lines", "total_gross", "currency"))
    accounts = _account_of_contacts((r["contact_id"] for r in rows), config.channel)
    for row in rows:
        yield Candidate(
            f"checkout:{row['token']}", row["last_change"], accounts.get(row["contact_id"]), [row["contact_id"]],
            {"checkout_token": row["token"], "lines": row["lines"][:20], "total": str(row["total_gross"]),
             "currency": row["currency"]},
        )


@finder("browse_abandonment")
def browse_abandonment(config: ScenarioConfig, now: datetime):
    since = now - timedelta(hours=config.params["lookback_hours"])
    last_views = (ProductView.objects.filter(channel=config.channel, contact__isnull=False, viewed_at__gte=since)
                  .values("contact_id").annotate(last=Max("viewed_at")).filter(last__lte=now - _hours(config, 0)))
    last_by_contact = {r["contact_id"]: r["last"] for r in last_views}
    if not last_by_contact:
        return
    ordered = set(OrderFact.objects.filter(contact_id__in=list(last_by_contact), created_at__gte=since)
                  .values_list("contact_id", flat=True))
    carted = set(CheckoutFact.objects.filter(contact_id__in=list(last_by_contact), created_at__gte=since)
                 .values_list("contact_id", flat=True))
    products: dict[int, list[str]] = defaultdict(list)
    for contact_id, sku, product_id in (ProductView.objects.filter(contact_id__in=list(last_by_contact),
                                                                   viewed_at__gte=since)
                                        .order_by("contact_id", "-viewed_at").values_list("contact_id", "sku", "product_id")):
        label = sku or product_id
        if label not in products[contact_id] and len(products[contact_id]) < 5:
            products[contact_id].append(label)
    accounts = _account_of_contacts(last_by_contact, config.channel)
    zone = zoneinfo.ZoneInfo(config.shop.timezone)
    for contact_id, last in last_by_contact.items():
        if contact_id in ordered or contact_id in carted:
            continue
        yield Candidate(f"views:{contact_id}:{last.astimezone(zone).date()}", last, accounts.get(contact_id),
                        [contact_id], {"items": [{"sku": p} for p in products[contact_id]]})


@finder("registered_no_purchase")
def registered_no_purchase(config: ScenarioConfig, now: datetime):
    rows = (Contact.objects.filter(registered_at__lte=now - _hours(config, 0),
                                   registered_at__gte=now - _hours(config, -1) - timedelta(hours=24),
                                   erased_at__isnull=True)
            .exclude(email="").filter(~Exists(OrderFact.objects.filter(contact_id=OuterRef("pk"))))
            # Contacts have no channel: whichever channel enrolls one first owns it.
            .filter(~Exists(Enrollment.objects.filter(scenario="registered_no_purchase",
                                                      trigger_ref=_registered_ref_expr())))
            .values_list("id", "registered_at"))
    for contact_id, registered_at in rows:
        yield Candidate(f"registered:{contact_id}", registered_at, None, [contact_id], {})


def _registered_ref_expr():
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    return Concat(Value("registered:"), Cast(OuterRef("pk"), CharField()))


@finder("reorder_reminder")
def reorder_reminder(config: ScenarioConfig, now: datetime):
    today = _local_today(config, now)
    horizon = today + timedelta(days=config.params["lead_days"])
    due = (AccountSkuRhythm.objects.filter(account__channel=config.channel, next_reorder_on__gte=today - timedelta(days=7),
                                          next_reorder_on__lte=horizon)
           .order_by("account_id", "next_reorder_on").values_list("account_id", "sku", "next_reorder_on"))
    items: dict[int, list[dict]] = defaultdict(list)
    for account_id, sku, on in due:
        items[account_id].append({"sku": sku, "due_on": on.isoformat()})
    if not items:
        return
    names = _product_names({i["sku"] for rows in items.values() for i in rows})
    for rows in items.values():
        for item in rows:
            item["name"] = names.get(item["sku"], item["sku"])
    buyers = buyers_of(items)
    for account_id, rows in items.items():
        if buyers.get(account_id):
            yield Candidate(f"reorder:{account_id}:{rows[0]['due_on']}", now, account_id, buyers[account_id],
                            {"items": rows[:20]})


def _product_names(skus: set[str]) -> dict[str, str]:
    return {sku: fact["name"] for sku, fact in product_facts(skus).items()}


def _metric_context(row: dict) -> dict:
    return {key: (value.isoformat() if isinstance(value, dt.date) else
                  str(value) if value is not None and not isinstance(value, (int, float, bool)) else value)
            for key, value in row.items() if key != "account_id"}


METRIC_FIELDS = ("account_id", "last_purchase_at", "first_purchase_at", "overdue_ratio", "typical_interval_days",
                 "rfm_rank", "clv", "stage", "monetary")


@finder("churn_risk")
def churn_risk(config: ScenarioConfig, now: datetime):
    rows = list(_metrics(config).filter(churn_risk=True).exclude(stage__in=["lost", "prospect"]).values(*METRIC_FIELDS))
    top = config.params["call_top_rfm_rank"]
    for c in _account_candidates(config, rows, lambda r: f"churn:{r['account_id']}:{r['last_purchase_at']}",
                                 lambda r: now, _metric_context):
        c.call_eligible = c.context.get("rfm_rank") is not None and c.context["rfm_rank"] <= top
        yield c


@finder("high_intent")
def high_intent(config: ScenarioConfig, now: datetime):
    since = now - timedelta(hours=config.params["window_hours"])
    active = AccountContact.objects.filter(account_id=OuterRef("account_id")).filter(
        Exists(CheckoutFact.objects.filter(contact_id=OuterRef("contact_id"), last_change__gte=since))
        | Exists(ProductView.objects.filter(contact_id=OuterRef("contact_id"), viewed_at__gte=since)))
    rows = (_metrics(config).filter(Q(stage__in=["dormant", "lost"]) | Q(rfm_rank__lte=config.params["top_rfm_rank"]))
            .filter(Exists(active)).values(*METRIC_FIELDS))
    day = _local_today(config, now)
    for row in rows:
        yield Candidate(f"intent:{row['account_id']}:{day}", now, row["account_id"], [], _metric_context(row))


@finder("winback")
def winback(config: ScenarioConfig, now: datetime):
    shop = config.shop
    rows = _metrics(config).filter(stage="dormant", recency_days__lte=shop.dormant_after_days + 30).values(*METRIC_FIELDS)
    yield from _account_candidates(config, rows, lambda r: f"winback:{r['account_id']}:{r['last_purchase_at']}",
                                   lambda r: now, _metric_context)


@finder("f2_followup")
def f2_followup(config: ScenarioConfig, now: datetime):
    today = _local_today(config, now)
    delay_days = config.params["delays_hours"][0] / 24
    rows = _metrics(config).filter(frequency=1, stage="new",
                                   first_purchase_at__lte=today - timedelta(days=delay_days),
                                   first_purchase_at__gte=today - timedelta(days=delay_days + 2)).values(*METRIC_FIELDS)
    yield from _account_candidates(config, rows, lambda r: f"f2:{r['account_id']}:{r['first_purchase_at']}",
                                   lambda r: _day_at(r["first_purchase_at"], config), _metric_context)


@finder("cross_sell")
def cross_sell(config: ScenarioConfig, now: datetime):
    insight = ChannelInsight.objects.filter(channel=config.channel, kind="transitions").first()
    pairs: dict[str, list[str]] = defaultdict(list)
    for t in (insight.data if insight else []):
        if t["lift"] >= config.params["min_lift"]:
            pairs[t["from_sku"]].append(t["to_sku"])
    if not pairs:
        return
    today = _local_today(config, now)
    delay_days = config.params["delays_hours"][0] / 24
    recent = {r["account_id"]: r for r in _metrics(config).filter(
        last_purchase_at__lte=today - timedelta(days=delay_days),
        last_purchase_at__gte=today - timedelta(days=delay_days + 2)).values(*METRIC_FIELDS)}
    bought: dict[int, set[str]] = defaultdict(set)
    last_skus: dict[int, set[str]] = defaultdict(set)
    for account_id, sku, created in (OrderLineFact.objects.filter(order__account_id__in=list(recent),
                                                                  order__counts_as_purchase=True)
                                     .values_list("order__account_id", "sku", "order__created_at")):
        bought[account_id].add(sku)
        if created.astimezone(zoneinfo.ZoneInfo(config.shop.timezone)).date() == recent[account_id]["last_purchase_at"]:
            last_skus[account_id].add(sku)
    offers = {}
    for account_id, skus in last_skus.items():
        for sku in sorted(skus):
            target = next((b for b in pairs.get(sku, []) if b not in bought[account_id]), None)
            if target:
                offers[account_id] = {"from_sku": sku, "items": [{"sku": target}]}
                break
    names = _product_names({o["items"][0]["sku"] for o in offers.values()})
    for offer in offers.values():
        offer["items"][0]["name"] = names.get(offer["items"][0]["sku"], offer["items"][0]["sku"])
    rows = [recent[a] for a in offers]
    yield from _account_candidates(
        config, rows, lambda r: f"xsell:{r['account_id']}:{r['last_purchase_at']}",
        lambda r: _day_at(r["last_purchase_at"], config), lambda r: {**_metric_context(r), **offers[r["account_id"]]})


def segment_entries(config: ScenarioConfig, now: datetime):
    """Accounts in the scenario's saved segment; once per segment, account and last purchase."""
    segment = SavedSegment.objects.filter(pk=config.params.get("segment_id"), channel=config.channel).first()
    if segment is None:
        return
    spec = {**clean_filter(segment.filter), "channel": config.channel}
    rows = filter_accounts(spec).values(*METRIC_FIELDS)
    yield from _account_candidates(
        config, rows, lambda r: f"segment:{segment.pk}:{r['account_id']}:{r['last_purchase_at']}",
        lambda r: now, _metric_context)
