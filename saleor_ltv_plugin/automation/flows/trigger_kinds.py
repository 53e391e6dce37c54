"""The trigger kinds beyond the ready scenarios' own finders (automation/triggers.py).

Each registers in the same FINDERS by trigger signature and yields Candidates; references
name the situation (`stage:loyal:12:2026-05-01`, `date:contact.birthday:c7:2026-06-01`), so two
scans of one moment find the same ones and a new situation a new one.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ...models import AccountContact, AccountMetrics, Contact, FlowSegmentMember, OrderLineFact, ShipmentFact
from ..triggers import (
    METRIC_FIELDS,
    Occasion,
    _account_candidates,
    _account_of_contacts,
    _day_at,
    _local_today,
    _metric_context,
    _metrics,
    buyers_of,
    finder,
    first_order,
    metric_entries,
    segment_members,
    winback,
)
from ..enroll import Candidate
from . import bulk

# Triggers the data cannot answer yet: publishing refuses them with this reason.
UNAVAILABLE: dict[str, str] = {}
# A parcel captured later than this after its wait gets no 発送完了 mail; two days, because a file's
# shipping date without a time reads as 00:00 of its day and is often imported the next day.
SHIPMENT_GRACE = timedelta(days=2)
ACTIVE_STAGES = ("new", "first_repeat", "repeat", "loyal")
ANNUAL_BY_DEFAULT = ("contact.birthday", "contact.registered_at", "account.first_purchase_at")


@finder("event:order_placed")
def order_placed(trigger: dict, occasion: Occasion):
    """An account's purchase (its `nth`, if given), found once the flow's first wait has passed;
    dated by the purchase day (the metrics keep days)."""
    if trigger.get("nth") == 1:
        yield from first_order(trigger, occasion)  # the f2 follow-up's finder: also stage "new"
        return
    nth = trigger.get("nth")
    today = _local_today(occasion)
    wait_days = occasion.wait_hours / 24
    rows = _metrics(occasion).filter(last_purchase_at__lte=today - timedelta(days=wait_days),
                                     last_purchase_at__gte=today - timedelta(days=wait_days + 2))
    if nth:
        rows = rows.filter(frequency=nth)
    yield from metric_entries(rows.values(*METRIC_FIELDS), f"order{nth or ''}", occasion,
                              lambda r: _day_at(r["last_purchase_at"], occasion))


@finder("event:order_fulfilled")
def order_fulfilled(trigger: dict, occasion: Occasion):
    """A parcel sent (ShipmentFact), once per shipment, to the buyer who placed the order, once the
    flow's first wait has passed (SHIPMENT_GRACE: a shipment imported days late is not mailed about).
    The context carries the order number, tracking number, carrier and the lines it carried."""
    latest = occasion.now - timedelta(hours=occasion.wait_hours)
    rows = list(ShipmentFact.objects.filter(
        order__channel=occasion.channel, order__counts_as_purchase=True, order__contact__isnull=False,
        order__contact__erased_at__isnull=True, shipped_at__lte=latest, shipped_at__gte=latest - SHIPMENT_GRACE,
    ).exclude(order__contact__email="").values(
        "order_id", "shipment_ref", "shipped_at", "tracking_number", "carrier", "lines", "order__number",
        "order__external_id", "order__account_id", "order__contact_id", "order__currency"))
    lines = _order_lines({row["order_id"] for row in rows})
    for row in rows:
        yield Candidate(
            f"shipment:{row['order_id']}:{row['shipment_ref']}", row["shipped_at"], row["order__account_id"],
            [row["order__contact_id"]],
            {"order_number": row["order__number"] or row["order__external_id"], "shipped_at": row["shipped_at"].isoformat(),
             "tracking_number": row["tracking_number"], "carrier": row["carrier"], "currency": row["order__currency"],
             "lines": _shipped_lines(lines.get(row["order_id"], []), row["lines"])})


def _order_lines(order_ids: set[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for line in (OrderLineFact.objects.filter(order_id__in=list(order_ids)).order_by("order_id", "id")
                 .values("order_id", "line_ref", "sku", "product_name", "variant_name", "product_slug", "image_url",
                         "quantity", "unit_price", "amount")):
        out.setdefault(line.pop("order_id"), []).append(
            {**line, "unit_price": str(line["unit_price"]), "amount": str(line["amount"])})
    return out


def _shipped_lines(order_lines: list[dict], shipped: list[dict]) -> list[dict]:
    """The order lines a parcel carried, at the quantity it carried (all of them when it names none)."""
    if not shipped:
        return order_lines[:20]
    by_ref = {line["line_ref"]: line for line in order_lines}
    by_sku = {line["sku"]: line for line in order_lines if line["sku"]}
    out = []
    for item in shipped[:20]:
        line = by_ref.get(item.get("line_ref") or "") or by_sku.get(item.get("sku") or "")
        quantity = item.get("quantity") or (line or {}).get("quantity")
        if line is None:
            out.append({"sku": item.get("sku") or "", "quantity": quantity})
        else:
            out.append({**line, "quantity": quantity, "amount": ""})  # the line's total was for all of it
    return out


@finder("metric:stage")
def stage(trigger: dict, occasion: Occasion):
    """In the stage now: once per account, stage and last purchase (a new purchase and a new
    lapse is a new situation). Dormant keeps the win-back scenario's window and references."""
    to = trigger["to"]
    if to == "dormant":
        yield from winback(trigger, occasion)
        return
    rows = _metrics(occasion)
    if to == "at_risk":
        rows = rows.filter(churn_risk=True).exclude(stage__in=["lost", "prospect"])
    else:
        rows = rows.filter(stage__in=ACTIVE_STAGES if to == "active" else [to])
    yield from metric_entries(rows.values(*METRIC_FIELDS), f"stage:{to}", occasion)


@finder("metric:p_alive_below")
def p_alive_below(trigger: dict, occasion: Occasion):
    rows = _metrics(occasion).filter(p_alive__lt=trigger["value"]).values(*METRIC_FIELDS)
    yield from metric_entries(rows, "palive", occasion)


@finder("segment")
def segment(trigger: dict, occasion: Occasion):
    """Entering or leaving a saved segment: today's members against the ones this flow saw at its
    last scan (FlowSegmentMember, rewritten here). The first scan's members all enter; nobody
    has left yet. Runs inside the entry's transaction, which holds the flow's row."""
    members = segment_members(trigger["segment_id"], occasion.channel)
    if members is None:
        return
    # Set-based: the differences are anti-joins (NOT EXISTS; a NOT IN over 100 k ids can fall out of
    # work_mem into a per-row subplan), so the members never travel as id lists.
    seen = FlowSegmentMember.objects.filter(flow_id=occasion.flow_id)
    was_seen = Exists(seen.filter(account_id=OuterRef("account_id")))
    is_member = Exists(members.filter(account_id=OuterRef("account_id")))
    entered = members.filter(~was_seen).order_by("account_id")
    if trigger["on"] == "enter":
        buyers = buyers_of(entered.values("account_id"))  # before the snapshot below changes `entered`
        chosen = list(entered.values(*METRIC_FIELDS))
        entered_ids = [r["account_id"] for r in chosen]
    else:
        buyers = None
        entered_ids = list(entered.values_list("account_id", flat=True))
        chosen = list(AccountMetrics.objects.filter(was_seen).filter(~is_member).order_by("account_id")
                      .values(*METRIC_FIELDS))
    seen.filter(~is_member).delete()
    bulk.insert_new(FlowSegmentMember, ["flow_id", "account_id", "since"],
                    [(occasion.flow_id, a, occasion.now) for a in entered_ids])
    day = _local_today(occasion)
    ref = f"segment_{trigger['on']}:{trigger['segment_id']}"
    yield from _account_candidates(chosen, lambda r: f"{ref}:{r['account_id']}:{day}",
                                   lambda r: occasion.now, _metric_context, buyers)


def _segment_at(trigger: dict, occasion: Occasion, ref, at: datetime):
    members = segment_members(trigger["segment_id"], occasion.channel)
    if members is None:
        return
    yield from _account_candidates(members.values(*METRIC_FIELDS), ref, lambda r: at, _metric_context)


@finder("schedule")
def schedule(trigger: dict, occasion: Occasion):
    """The segment's members on day N of each month, the first step at `hour` shop time."""
    today = _local_today(occasion)
    if today.day != trigger["day_of_month"]:
        return
    at = _day_at(today, occasion, trigger.get("hour") or 0)
    yield from _segment_at(trigger, occasion, lambda r: f"schedule:{r['account_id']}:{today:%Y-%m}", at)


def send_time(trigger: dict, occasion: Occasion) -> datetime | None:
    raw = trigger.get("send_at")
    if not raw:
        return occasion.published_at
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=zoneinfo.ZoneInfo(occasion.shop.timezone))


BROADCAST_GRACE = timedelta(hours=24)  # a broadcast not entered by then (scans stopped) is not sent late


@finder("broadcast")
def broadcast(trigger: dict, occasion: Occasion):
    """The segment's members as they are at `send_at` (or at publishing), once: a later scan
    finds entries already made and adds nobody who joined the segment since."""
    at = send_time(trigger, occasion)
    if at is None or not at <= occasion.now <= at + BROADCAST_GRACE:
        return
    from ...models import Enrollment

    if Enrollment.objects.filter(flow_id=occasion.flow_id).exists():
        return
    yield from _segment_at(trigger, occasion, lambda r: f"broadcast:{r['account_id']}", at)


# ---- dates on the contact or account --------------------------------------------------------------------

def _occurrence_days(trigger: dict, occasion: Occasion) -> tuple[dt.date, dt.date]:
    """(the date that fires today, today): a date `offset_days` before today fires today."""
    today = _local_today(occasion)
    return today - timedelta(days=trigger.get("offset_days") or 0), today


def _matches(value: dt.date | None, day: dt.date, annual: bool) -> bool:
    if value is None:
        return False
    if not annual:
        return value == day
    if value.year >= day.year:
        return False  # the date itself is no anniversary
    if (value.month, value.day) == (2, 29) and not _is_leap(day.year):
        return (day.month, day.day) == (2, 28)
    return (value.month, value.day) == (day.month, day.day)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _day_filter(name: str, day: dt.date, annual: bool) -> Q:
    """A database pre-filter for `_matches` (which has the last word)."""
    if not annual:
        return Q(**{name: day})
    q = Q(**{f"{name}__month": day.month, f"{name}__day": day.day})
    if (day.month, day.day) == (2, 28) and not _is_leap(day.year):
        q |= Q(**{f"{name}__month": 2, f"{name}__day": 29})
    return q


@finder("date")
def date_trigger(trigger: dict, occasion: Occasion):
    """A date on the contact (birthday, registration, a metadata key holding an ISO date) or the
    account (first / last purchase), `offset_days` later, yearly when `annual`; the first step
    runs at `hour` shop time (10:00 when not given)."""
    field = trigger["field"]
    annual = trigger.get("annual", field in ANNUAL_BY_DEFAULT)
    day, today = _occurrence_days(trigger, occasion)
    at = _day_at(today, occasion, trigger.get("hour") if trigger.get("hour") is not None else 10)
    if field.startswith("account."):
        name = field.split(".", 1)[1]
        rows = [r for r in _metrics(occasion).filter(_day_filter(name, day, annual)).values(*METRIC_FIELDS)
                if _matches(r[name], day, annual)]
        yield from _account_candidates(rows, lambda r: f"date:{field}:a{r['account_id']}:{today}",
                                       lambda r: at, _metric_context)
        return
    contact_ids = _contacts_with_date(field, day, annual, occasion)
    accounts = _account_of_contacts(contact_ids, occasion.channel)
    for contact_id in contact_ids:
        yield Candidate(f"date:{field}:c{contact_id}:{today}", at, accounts.get(contact_id), [contact_id],
                        {"date": day.isoformat()})


def _contacts_with_date(field: str, day: dt.date, annual: bool, occasion: Occasion):
    """Contacts of this channel's accounts, or of none yet (a member who never bought)."""
    contacts = Contact.objects.filter(erased_at__isnull=True).exclude(email="").filter(
        Exists(AccountContact.objects.filter(contact_id=OuterRef("pk"), account__channel=occasion.channel))
        | ~Exists(AccountContact.objects.filter(contact_id=OuterRef("pk"))))
    if field == "contact.birthday":
        found = [(c, v) for c, v in contacts.filter(_day_filter("birthday", day, annual))
                 .values_list("id", "birthday")]
    elif field == "contact.registered_at":
        zone = zoneinfo.ZoneInfo(occasion.shop.timezone)
        with timezone.override(zone):
            rows = contacts.filter(_day_filter("registered_at__date", day, annual)).values_list("id", "registered_at")
            found = [(c, v.astimezone(zone).date()) for c, v in rows]
    else:
        key = field.split(":", 1)[1]
        found = [(c, _iso_day((meta or {}).get(key)))
                 for c, meta in contacts.filter(metadata__has_key=key).values_list("id", "metadata")]
    return [c for c, value in found if _matches(value, day, annual)]


def _iso_day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
