"""The churn escalation template end to end on the flow runtime (real PostgreSQL, a real SMTP sink,
the tracking links the buyers really follow): mail ×3 where no open, click or order came → a
postal DM in a print job → staff post it (REST) and the letters are sent from then, attribution
counting from the posting → a call task for the top account that still has not ordered."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.flows import runtime, service, templates
from saleor_ltv_plugin.automation.flows.report import flow_report
from saleor_ltv_plugin.models import Alert, Enrollment, FlowStepRun, OrderFact, OutboxMessage, PrintJob

from ..conftest import shop_settings, sink  # noqa: F401 — fixtures
from ..dm.dmshop import BASE, CHANNEL, buyer, staff
from .flowshop import enroll, order

pytestmark = pytest.mark.django_db
WEEK = timedelta(days=7)


def _follow(url: str) -> None:
    assert Client().get(urlsplit(url).path).status_code in (200, 302)


def _mails_to(sink, address: str):
    return [m for m in sink.messages if m["To"] == address]


def credited(accounts) -> Decimal:
    """Written apart from the report: an order counts when a sent message of the flow (any medium,
    dated by its sent_at) reached its account in the 7 days before it."""
    total = Decimal(0)
    for account in accounts:
        touches = list(OutboxMessage.objects.filter(account=account, status="sent", kind__in=("email", "postal_dm"))
                       .values_list("sent_at", flat=True))
        for o in OrderFact.objects.filter(account=account):
            if any(t < o.created_at <= t + WEEK for t in touches):
                total += Decimal(o.amount)
    return total


def test_mail_three_times_without_response_then_dm_then_call(sink, shop_settings, key_for):  # noqa: F811
    from saleor_ltv_plugin import auth

    admin = auth.Principal(kind="staff", email="admin@yamada-shop.example", scopes=auth.ALL_SCOPES)
    flow = service.publish(service.create(CHANNEL, admin, "エスカレーション",
                                          template_key=templates.ESCALATION).pk, admin)
    opens = buyer("株式会社開封", "", "開 一郎", "100-0002", "東京都", "千代田区", "皇居外苑1-1", "", rank=1)
    clicks = buyer("株式会社クリック", "", "栗 二郎", "100-0003", "東京都", "千代田区", "一ツ橋1-1", "", rank=1)
    silent_top = buyer("株式会社無反応", "営業部", "無 三郎", "231-0001", "神奈川県", "横浜市中区", "新港1-1", "",
                       rank=1)
    orders_after_dm = buyer("株式会社後注文", "", "後 四郎", "460-0001", "愛知県", "名古屋市中区", "三の丸1-1", "",
                            rank=1)
    orders_early = buyer("株式会社早注文", "", "早 五郎", "810-0001", "福岡県", "福岡市中央区", "天神1-1", "", rank=1)
    silent_small = buyer("株式会社小口", "", "小 六郎", "980-0002", "宮城県", "", "国分町1-1", "", rank=5)
    accounts = [opens, clicks, silent_top, orders_after_dm, orders_early, silent_small]
    email = {a.pk: a.contacts.get().email for a in accounts}
    start = timezone.now() - 3 * WEEK - timedelta(days=2)  # the DM goes two days ago; staff post it today
    enroll(flow.live_version, accounts, at=start)

    def step(moment):
        runtime.tick(now=moment)
        return outbox.send_due(now=moment)

    assert step(start) == {"sent": 6}  # mail 0 to everyone
    (first,) = _mails_to(sink, email[opens.pk])
    _follow(re.search(r'src="([^"]+/t/o/[^"]+\.gif)"', first.get_body(("html",)).get_content()).group(1))
    order(orders_early, start + timedelta(days=1))

    assert step(start + WEEK) == {"sent": 4}  # opened → responded; ordered → exited
    second = _mails_to(sink, email[clicks.pk])[1]
    _follow(re.search(r"(https://\S+/t/c/\S+)", second.get_body(("plain",)).get_content()).group(1))

    assert step(start + 2 * WEEK) == {"sent": 3}  # the click is a response too
    assert step(start + 3 * WEEK) == {"awaiting": 2, "skipped": 1}  # the DM: two letters, one address lacks its city
    mails = {a.pk: len(_mails_to(sink, email[a.pk])) for a in accounts}
    assert mails == {opens.pk: 1, clicks.pk: 2, silent_top.pk: 3, orders_after_dm.pk: 3, orders_early.pk: 1,
                     silent_small.pk: 3}
    states = dict(Enrollment.objects.values_list("account_id", "stop_reason"))
    assert (states[orders_early.pk], states[opens.pk]) == ("ordered", "")
    runs = set(FlowStepRun.objects.filter(enrollment__account=opens).values_list("step_id", "branch"))
    assert ("opened_0", "yes") in runs and ("responded", "") in runs
    # a click records the open too (the pixel may be blocked): the buyer left at the first check
    assert ("opened_1", "yes") in set(FlowStepRun.objects.filter(enrollment__account=clicks)
                                      .values_list("step_id", "branch"))
    assert OutboxMessage.objects.filter(account=clicks, step_id="1", clicked_at__isnull=False).exists()

    job = PrintJob.objects.get(scenario=flow.key)
    assert sorted(i.address["company"] for i in job.items.all()) == ["株式会社後注文", "株式会社無反応"]
    skipped = staff(key_for("metrics:read")).get(BASE + f"print-jobs/skipped?channel={CHANNEL}").json()
    assert [(s["account_id"], s["missing"]) for s in skipped] == [(silent_small.pk, ["city"])]

    # an order after the letter arrived; the DM is not sent until staff post it, so it is not credited yet
    order(orders_after_dm, timezone.now() + timedelta(minutes=1))
    window = (start.date(), timezone.now().date())
    assert flow_report(flow, *window).attributed_revenue == credited(accounts) == Decimal(1100)  # the early order
    worker = staff(key_for("alerts:write"))
    assert worker.post(BASE + f"print-jobs/{job.pk}/close").status_code == 200
    posted = worker.post(BASE + f"print-jobs/{job.pk}/posted", {}, content_type="application/json")
    assert posted.status_code == 200, posted.content
    posted_at = PrintJob.objects.get(pk=job.pk).posted_at
    dm = OutboxMessage.objects.filter(kind="postal_dm", status="sent")
    assert set(dm.values_list("sent_at", flat=True)) == {posted_at}
    # its last mail was more than the 7-day window before the order: only the posted letter credits it
    last_mail = OutboxMessage.objects.filter(account=orders_after_dm, kind="email").latest("sent_at").sent_at
    assert OrderFact.objects.get(account=orders_after_dm).created_at - last_mail > WEEK
    assert flow_report(flow, *window).attributed_revenue == credited(accounts) == Decimal(2200)

    assert step(timezone.now() + WEEK) == {"sent": 1}  # the letter's wait is over: the call, top accounts only
    (call,) = Alert.objects.filter(kind="call")
    assert call.account_id == silent_top.pk and call.state == "open"
    assert silent_top.contacts.get().phone == "+81312345678"
    assert dict(Enrollment.objects.values_list("account_id", "stop_reason"))[orders_after_dm.pk] == "ordered"
