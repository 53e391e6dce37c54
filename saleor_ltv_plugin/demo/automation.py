"""Play the ready scenarios forward over the weeks after the demo shop's last day.

The real scan, outbox and send-time checks run day by day on a simulated clock (mail goes
to Django's in-memory backend). The buyers are simulated, and said to be: each enrolled
account, mailed or held out, may reorder at its own rhythm (the baseline), and a mailed
one a little more often, more so when it clicked (the effect the report should find).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from decimal import Decimal

import numpy as np
from django.core import mail
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from ..automation.catalog import SCENARIOS
from ..automation.outbox import send_due
from ..automation.scan import scan
from ..ingest.facts import CustomerRef, OrderData, OrderLineData
from ..ingest.orders import upsert_orders
from ..metrics.recompute import recompute
from ..models import (
    AccountContact,
    AccountMetrics,
    Contact,
    Enrollment,
    OrderLineFact,
    OutboxMessage,
    ScenarioSetting,
)

OPEN_RATE, CLICK_RATE = 0.45, 0.12
EXTRA_ORDER, EXTRA_IF_CLICKED = 0.05, 0.20  # the simulated effect of a mail


def simulate(end: dt.date, channel: str = "default-channel", days: int = 28, seed: int = 42,
             progress=lambda day: None) -> dict:
    rng = np.random.default_rng(seed)
    zone = zoneinfo.ZoneInfo("Asia/Tokyo")
    for key in SCENARIOS:
        ScenarioSetting.objects.update_or_create(channel=channel, scenario=key, defaults={"enabled": True})
    _escalation(channel)
    _consent(rng)
    pending: dict[dt.date, list[OrderData]] = defaultdict(list)
    counter = 0
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for offset in range(1, days + 1):
            day = end + dt.timedelta(days=offset)
            now = dt.datetime.combine(day, dt.time(10), tzinfo=zone)
            if pending.get(day):
                upsert_orders(pending.pop(day))
            if offset % 7 == 1:
                recompute(now=now)
            last_enrollment = Enrollment.objects.aggregate(last=Max("id"))["last"] or 0
            scan(now=now)
            send_due(now=now, budget_seconds=600)
            mail.outbox = []
            counter = _respond(rng, channel, now, pending, counter, last_enrollment)
            progress(offset)
    recompute(now=dt.datetime.combine(end + dt.timedelta(days=days), dt.time(23), tzinfo=zone))
    sent = OutboxMessage.objects.filter(channel=channel, status="sent")
    return {"sent": sent.filter(kind="email").count(), "alerts": sent.exclude(kind="email").count(),
            "simulated_orders": counter}


def _escalation(channel: str) -> None:
    """The shop's own churn escalation (mail ×3 → DM → call), live beside the ready scenarios: its
    DM letters collect in a print job the Dashboard's DM page closes and marks posted."""
    from ..auth import ALL_SCOPES, Principal
    from ..automation.flows import service, templates
    from ..models import Flow

    if Flow.objects.filter(channel=channel, template_key=templates.ESCALATION).exists():
        return
    demo = Principal(kind="staff", email="demo@ltv.example", scopes=ALL_SCOPES)
    title = templates.title(templates.ESCALATION)["ja"]
    service.publish(service.create(channel, demo, title, key="churn_escalation",
                                   template_key=templates.ESCALATION).pk, demo)


def _consent(rng) -> None:
    """Most demo buyers opted in at sign-up; a few declined."""
    ids = list(Contact.objects.values_list("id", flat=True))
    declined = set(rng.choice(ids, size=len(ids) // 20, replace=False).tolist()) if ids else set()
    Contact.objects.exclude(id__in=declined).update(marketing_consent="granted", consent_updated_at=timezone.now())
    Contact.objects.filter(id__in=declined).update(marketing_consent="revoked", consent_updated_at=timezone.now())


def _respond(rng, channel: str, now: dt.datetime, pending, counter: int, last_enrollment: int) -> int:
    today = now - dt.timedelta(hours=10)
    mailed = list(OutboxMessage.objects.filter(channel=channel, kind="email", status="sent", sent_at__gte=today,
                                               sent_at__lte=now).values_list("id", "account_id", "sent_at"))
    opened = [m for m in mailed if rng.random() < OPEN_RATE]
    clicked = {m[0] for m in opened if rng.random() < CLICK_RATE / OPEN_RATE}
    for message_id, _, sent_at in opened:
        fields = {"opened_at": sent_at + dt.timedelta(hours=float(rng.uniform(0.2, 8)))}
        if message_id in clicked:
            fields["clicked_at"] = fields["opened_at"] + dt.timedelta(minutes=float(rng.uniform(1, 30)))
        OutboxMessage.objects.filter(pk=message_id).update(**fields)
    held_out = list(Enrollment.objects.filter(channel=channel, holdout=True, id__gt=last_enrollment)
                    .exclude(account=None).values_list("account_id", flat=True))
    treated = {}
    for message_id, account_id, _ in mailed:
        if account_id:
            treated[account_id] = max(treated.get(account_id, 0.0), EXTRA_IF_CLICKED if message_id in clicked
                                      else EXTRA_ORDER)
    accounts = set(treated) | set(held_out)
    metrics = {m.account_id: m for m in AccountMetrics.objects.filter(account_id__in=accounts)}
    for account_id in accounts:
        m = metrics.get(account_id)
        interval = (m.typical_interval_days if m and m.typical_interval_days else 60.0)
        base = min(0.6, 7.0 / max(interval, 7.0)) * (m.p_alive if m and m.p_alive is not None else 0.3)
        if rng.random() < base + treated.get(account_id, 0.0):
            when = now + dt.timedelta(days=int(rng.integers(1, 7)), hours=4)
            counter += 1
            order = _order(account_id, m, when, counter)
            if order:
                pending[when.date()].append(order)
    return counter


def _order(account_id: int, metrics, when: dt.datetime, counter: int) -> OrderData | None:
    link = (AccountContact.objects.filter(account_id=account_id).select_related("contact", "account")
            .order_by("-last_seen_at").first())
    if link is None:
        return None
    line = OrderLineFact.objects.filter(order__account_id=account_id).order_by("-order__created_at").first()
    amount = (metrics.average_order_value if metrics and metrics.average_order_value else Decimal(10000))
    amount = amount.quantize(Decimal(1))
    sku = line.sku if line else "DEMO-SKU"
    return OrderData(
        source="demo", external_id=f"sim-{counter}", channel=link.account.channel, currency=link.account.currency,
        created_at=when, status="fulfilled", total_gross=amount, total_net=(amount / Decimal("1.1")).quantize(Decimal(1)),
        refunded_amount=Decimal(0),
        customer=CustomerRef(email=link.contact.email, company_name=link.account.display_name,
                             user_id=link.contact.saleor_user_id),
        lines=(OrderLineData(line_ref="1", sku=sku, quantity=1, unit_price=amount, amount=amount,
                             product_name=line.product_name if line else sku),),
        source_updated_at=when,
    )
