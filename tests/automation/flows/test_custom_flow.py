"""A flow of the shop's own (no ready scenario behind its key): its inline mail reaches the buyer
at a real SMTP sink with its own subject and merge fields filled, its staff alert is titled with
the flow's name, and the scenario report still answers (counting its mails for the tool cost)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.flows import runtime
from saleor_ltv_plugin.automation.report import scenario_report
from saleor_ltv_plugin.models import Alert, OutboxMessage

from ..conftest import shop_settings, sink  # noqa: F401 — fixtures
from .flowshop import CHANNEL, buyers, document, enroll, live_flow

MAIL = {"ja": {"subject": "{company}様 お誕生日おめでとうございます", "preheader": "",
               "blocks": [{"kind": "text", "text": "{name|ご担当者}様、いつもありがとうございます。"}]}}


@pytest.mark.django_db(transaction=True)
def test_a_shops_own_flow_mails_alerts_and_is_counted(sink, shop_settings):  # noqa: F811
    version = live_flow(document([
        {"id": "hello", "kind": "send", "channel": "email", "content": MAIL, "next": "tell"},
        {"id": "tell", "kind": "staff", "channel": "staff_alert", "next": None}]), key="birthday_mail")
    version.flow.name = "誕生日メール"
    version.flow.save(update_fields=["name"])
    (account,) = buyers(1, prefix="bday")
    account.display_name = "山田製作所"
    account.save(update_fields=["display_name"])
    enroll(version, [account])
    runtime.tick()
    outbox.send_due()
    (mail,) = sink.messages
    assert mail["Subject"].strip() == "山田製作所様 お誕生日おめでとうございます"
    body = mail.get_body(("plain",)).get_content()
    assert "{" not in body and "様、いつもありがとうございます。" in body
    alert = Alert.objects.get()
    assert alert.account_id == account.pk and alert.state == "open"
    assert OutboxMessage.objects.filter(scenario="birthday_mail", status="sent").count() == 2
    from saleor_ltv_plugin.automation.render import staff_summary

    summary = staff_summary(OutboxMessage.objects.get(kind="staff_alert"))
    assert summary["title"].startswith("誕生日メール: 山田製作所")
    today = timezone.now().date()
    report = scenario_report(CHANNEL, today - dt.timedelta(days=1), today)
    assert "birthday_mail" not in [f.scenario for f in report.scenarios]  # ltvFlowReport reports it
