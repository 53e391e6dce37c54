"""Who enters a flow now: one finder per trigger kind, each a few set-based queries.

A finder reads its parameters from the flow's trigger (definition.TRIGGERS) and the
occasion (channel, shop, clock, and the delays the flow puts before its messages, which
the ready scenarios' windows are measured in). Trigger references are chosen so that the same situation gives the same reference on
every scan (a checkout's token, the date of the last purchase …) and a new situation a
new one (the account ordered again, then lapsed again).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable

from django.db.models import Exists, Max, OuterRef, Q, QuerySet

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
from ..ingest.orders import account_key
from ..queries.accounts import clean_filter, filter_accounts
from .. import conf, thresholds
from .enroll import Candidate
from .mail_items import product_facts


@dataclass(frozen=True)
class Occasion:
    """What a finder needs besides its trigger."""

    channel: str
    shop: conf.ChannelSettings
    now: datetime
    flow_key: str
    wait_hours: float = 0  # the flow's delays before its first message
    span_hours: float = 0  # the flow's delays up to its last message
    exit_on: tuple[str, ...] = ()
    flow_id: int | None = None
    published_at: datetime | None = None  # of the live version


Finder = Callable[[dict, Occasion], Iterable[Candidate]]
FINDERS: dict[str, Finder] = {}  # by trigger signature: "event:checkout_abandoned", "segment", …
SEND_HOUR = 10  # account-level mails dated by a day go out at 10:00 shop time


def finder(signature: str):
    def register(function: Finder) -> Finder:
        FINDERS[signature] = function
        return function

    return register


def signature(trigger: dict) -> str:
    """The FINDERS key of a trigger: its kind, and for event/metric/insight which one."""
    kind = trigger.get("kind")
    sub = {"event": "event", "metric": "metric", "insight": "insight"}.get(kind)
    return f"{kind}:{trigger.get(sub)}" if sub else str(kind)


def _day_at(day: dt.date, occasion: Occasion, hour: int = SEND_HOUR) -> datetime:
    return datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(occasion.shop.timezone))


def _local_today(occasion: Occasion) -> dt.date:
    return occasion.now.astimezone(zoneinfo.ZoneInfo(occasion.shop.timezone)).date()


def buyers_of(account_ids: Iterable[int] | QuerySet) -> dict[int, list[int]]:
    """Each account's reachable buyers (an e-mail, not erased), in a stable order. A queryset of
    account ids is read as a subquery: one query, however many accounts."""
    links = AccountContact.objects.filter(contact__erased_at__isnull=True).exclude(contact__email="")
    if isinstance(account_ids, QuerySet):
        parts = [links.filter(account_id__in=account_ids)]
    else:
        ids = list(account_ids)
        parts = [links.filter(account_id__in=ids[start:start + 10000]) for start in range(0, len(ids), 10000)]
    out: dict[int, list[int]] = defaultdict(list)
    for part in parts:
        for account_id, contact_id in part.order_by("account_id", "contact_id").values_list("account_id", "contact_id"):
            out[account_id].append(contact_id)
    return out


def _account_candidates(rows, ref: Callable, anchor: Callable, context: Callable, buyers: dict | None = None):
    """Candidates of metric rows (a list, or a values() queryset) whose account has a buyer."""
    if buyers is None and isinstance(rows, QuerySet) and not rows.query.is_sliced:
        buyers = buyers_of(rows.values("account_id"))
    rows = list(rows)
    if buyers is None:
        buyers = buyers_of(r["account_id"] for r in rows)
    for row in rows:
        if buyers.get(row["account_id"]):
            yield Candidate(ref(row), anchor(row), row["account_id"], buyers[row["account_id"]], context(row))


def _metrics(occasion: Occasion):
    return AccountMetrics.objects.filter(channel=occasion.channel)


def _account_of_contacts(contact_ids: Iterable[int], channel: str) -> dict[int, int]:
    rows = (AccountContact.objects.filter(contact_id__in=list(contact_ids), account__channel=channel)
            .order_by("contact_id", "-last_seen_at").values_list("contact_id", "account_id"))
    out: dict[int, int] = {}
    for contact_id, account_id in rows:
        out.setdefault(contact_id, account_id)
    return out


@finder("event:checkout_abandoned")
def abandoned_checkouts(trigger: dict, occasion: Occasion):
    """Idle `idle_hours`; still looked at for the flow's span after that (a day's grace)."""
    now = occasion.now
    first = timedelta(hours=trigger["idle_hours"])
    last = first + timedelta(hours=occasion.span_hours)
    rows = list(CheckoutFact.objects.filter(
        channel=occasion.channel, state__in=[CheckoutState.OPEN, CheckoutState.ABANDONED], line_count__gt=0,
        contact__isnull=False, contact__erased_at__isnull=True, last_change__lte=now - first,
        last_change__gte=now - last - timedelta(hours=24), total_gross__gte=trigger.get("min_total") or 0,
    ).exclude(email="").values("token", "contact_id", "last_change", "lines", "total_gross", "currency"))
    accounts = _account_of_contacts((r["contact_id"] for r in rows), occasion.channel)
    for row in rows:
        yield Candidate(
            f"checkout:{row['token']}", row["last_change"], accounts.get(row["contact_id"]), [row["contact_id"]],
            {"checkout_token": row["token"], "lines": row["lines"][:20], "total": str(row["total_gross"]),
             "currency": row["currency"]}, start_at=row["last_change"] + first,
        )


@finder("event:product_viewed")
def browse_abandonment(trigger: dict, occasion: Occasion):
    now = occasion.now
    idle = timedelta(hours=trigger["idle_hours"])
    since = now - timedelta(hours=trigger.get("lookback_hours") or 48)
    last_views = (ProductView.objects.filter(channel=occasion.channel, contact__isnull=False, viewed_at__gte=since)
                  .values("contact_id").annotate(last=Max("viewed_at")).filter(last__lte=now - idle))
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
    accounts = _account_of_contacts(last_by_contact, occasion.channel)
    zone = zoneinfo.ZoneInfo(occasion.shop.timezone)
    for contact_id, last in last_by_contact.items():
        if contact_id in ordered or contact_id in carted:
            continue
        yield Candidate(f"views:{contact_id}:{last.astimezone(zone).date()}", last, accounts.get(contact_id),
                        [contact_id], {"items": [{"sku": p} for p in products[contact_id]]}, start_at=last + idle)


@finder("event:customer_registered")
def registered(trigger: dict, occasion: Occasion):
    """Registered since the flow's first wait (a day's grace past its span); a flow that stops on
    an order does not start for a contact who has already ordered, nor for one whose company buys
    already in this channel (a new member of a regular customer is no prospect)."""
    now = occasion.now
    rows = (Contact.objects.filter(registered_at__lte=now - timedelta(hours=occasion.wait_hours),
                                   registered_at__gte=now - timedelta(hours=occasion.span_hours + 24),
                                   erased_at__isnull=True)
            .exclude(email="")
            # Contacts have no channel: whichever channel enrolls one first owns it.
            .filter(~Exists(Enrollment.objects.filter(scenario=occasion.flow_key,
                                                      trigger_ref=_registered_ref_expr()))))
    if "ordered" in occasion.exit_on:
        rows = rows.filter(~Exists(OrderFact.objects.filter(contact_id=OuterRef("pk"))))
        rows = [c for c in rows if not _company_buys(c, occasion)]
    for contact in rows:
        yield Candidate(f"registered:{contact.pk}", contact.registered_at, None, [contact.pk], {})


def _company_buys(contact: Contact, occasion: Occasion) -> bool:
    """Whether the account this contact would buy for (the channel's key rule) has a purchase, or
    an account they already buy for has."""
    key = account_key(occasion.channel, contact.company_name, contact, f"contact:{contact.pk}", occasion.shop)
    purchases = OrderFact.objects.filter(channel=occasion.channel, counts_as_purchase=True)
    return (purchases.filter(account__key_kind=key.kind, account__key=key.key).exists()
            or purchases.filter(account__contacts=contact).exists())


def _registered_ref_expr():
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    return Concat(Value("registered:"), Cast(OuterRef("pk"), CharField()))


@finder("metric:reorder_due")
def reorder_reminder(trigger: dict, occasion: Occasion):
    now = occasion.now
    today = _local_today(occasion)
    horizon = today + timedelta(days=trigger["lead_days"])
    due = (AccountSkuRhythm.objects.filter(account__channel=occasion.channel,
                                          next_reorder_on__gte=today - timedelta(days=7), next_reorder_on__lte=horizon)
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


_AS_IS = frozenset({int, float, bool, str, type(None)})  # exact types kept (a str's str() is itself)


def _metric_context(row: dict) -> dict:
    """Dates as ISO text, numbers and None as they are, anything else (Decimal) as text. Run once
    per candidate (100 k for a broadcast): the common exact types are looked up, not isinstance-tested."""
    out = {}
    for key, value in row.items():
        if key == "account_id":
            continue
        if type(value) in _AS_IS:
            out[key] = value
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = value if isinstance(value, (int, float, bool)) else str(value)
    return out


METRIC_FIELDS = ("account_id", "last_purchase_at", "first_purchase_at", "overdue_ratio", "typical_interval_days",
                 "rfm_rank", "clv", "stage", "monetary")


def metric_entries(rows, prefix: str, occasion: Occasion, anchor: Callable | None = None, context=_metric_context):
    """Accounts (metric rows) with buyers, once per `prefix`, account and last purchase."""
    yield from _account_candidates(rows, lambda r: f"{prefix}:{r['account_id']}:{r['last_purchase_at']}",
                                   anchor or (lambda r: occasion.now), context)


@finder("metric:churn_risk")
def churn_risk(trigger: dict, occasion: Occasion):
    rows = _metrics(occasion).filter(churn_risk=True).exclude(stage__in=["lost", "prospect"]).values(*METRIC_FIELDS)
    yield from metric_entries(rows, "churn", occasion)


@finder("insight:high_intent")
def high_intent(trigger: dict, occasion: Occasion):
    since = occasion.now - timedelta(hours=trigger["window_hours"])
    active = AccountContact.objects.filter(account_id=OuterRef("account_id")).filter(
        Exists(CheckoutFact.objects.filter(contact_id=OuterRef("contact_id"), last_change__gte=since))
        | Exists(ProductView.objects.filter(contact_id=OuterRef("contact_id"), viewed_at__gte=since)))
    rows = (_metrics(occasion).filter(Q(stage__in=["dormant", "lost"]) | Q(rfm_rank__lte=trigger["top_rfm_rank"]))
            .filter(Exists(active)).values(*METRIC_FIELDS))
    day = _local_today(occasion)
    for row in rows:
        yield Candidate(f"intent:{row['account_id']}:{day}", occasion.now, row["account_id"], [],
                        _metric_context(row))


def winback(trigger: dict, occasion: Occasion):
    """Turned dormant lately (within a month of the dormant bound): metric stage → dormant."""
    dormant_after = thresholds.in_force(occasion.channel)["dormant_after_days"]  # the bound the stages used
    rows = _metrics(occasion).filter(stage="dormant", recency_days__lte=dormant_after + 30)
    yield from metric_entries(rows.values(*METRIC_FIELDS), "winback", occasion)


def first_order(trigger: dict, occasion: Occasion):
    """A new account's first purchase, found once the flow's first wait has passed since it."""
    today = _local_today(occasion)
    wait_days = occasion.wait_hours / 24
    rows = _metrics(occasion).filter(frequency=1, stage="new",
                                     first_purchase_at__lte=today - timedelta(days=wait_days),
                                     first_purchase_at__gte=today - timedelta(days=wait_days + 2)).values(*METRIC_FIELDS)
    yield from _account_candidates(rows, lambda r: f"f2:{r['account_id']}:{r['first_purchase_at']}",
                                   lambda r: _day_at(r["first_purchase_at"], occasion), _metric_context)


@finder("insight:cross_sell")
def cross_sell(trigger: dict, occasion: Occasion):
    insight = ChannelInsight.objects.filter(channel=occasion.channel, kind="transitions").first()
    pairs: dict[str, list[str]] = defaultdict(list)
    for t in (insight.data if insight else []):
        if t["lift"] >= trigger["min_lift"]:
            pairs[t["from_sku"]].append(t["to_sku"])
    if not pairs:
        return
    today = _local_today(occasion)
    delay_days = trigger["after_days"]
    recent = {r["account_id"]: r for r in _metrics(occasion).filter(
        last_purchase_at__lte=today - timedelta(days=delay_days),
        last_purchase_at__gte=today - timedelta(days=delay_days + 2)).values(*METRIC_FIELDS)}
    bought: dict[int, set[str]] = defaultdict(set)
    last_skus: dict[int, set[str]] = defaultdict(set)
    zone = zoneinfo.ZoneInfo(occasion.shop.timezone)
    for account_id, sku, created in (OrderLineFact.objects.filter(order__account_id__in=list(recent),
                                                                  order__counts_as_purchase=True)
                                     .values_list("order__account_id", "sku", "order__created_at")):
        bought[account_id].add(sku)
        if created.astimezone(zone).date() == recent[account_id]["last_purchase_at"]:
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
    for c in metric_entries(rows, "xsell", occasion, lambda r: _day_at(r["last_purchase_at"], occasion),
                            lambda r: {**_metric_context(r), **offers[r["account_id"]]}):
        c.start_at = c.anchor_at + timedelta(days=delay_days)
        yield c


def segment_members(segment_id: int | None, channel: str):
    """The metric rows of a saved segment's accounts now, or None if the segment is gone."""
    segment = SavedSegment.objects.filter(pk=segment_id, channel=channel).first()
    if segment is None:
        return None
    return filter_accounts({**clean_filter(segment.filter), "channel": channel})


def segment_entries(segment_id: int | None, occasion: Occasion):
    """Accounts in a saved segment (a ready scenario's `segment_id`); once per segment, account
    and last purchase."""
    members = segment_members(segment_id, occasion.channel)
    if members is None:
        return
    yield from metric_entries(members.values(*METRIC_FIELDS), f"segment:{segment_id}", occasion)
