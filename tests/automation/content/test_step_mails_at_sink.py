"""At a real SMTP sink: a ready scenario's mail steps each carry their own copy, and a shop's
override still applies to every step."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation import settings as scenario_settings
from saleor_ltv_plugin.automation.content import template_content
from saleor_ltv_plugin.automation.enroll import Candidate, enroll
from saleor_ltv_plugin.models import Account, AccountContact, Contact

from ..conftest import CHANNEL, enable

T0 = datetime(2025, 6, 2, 1, 0, tzinfo=timezone.utc)
WEEK = timedelta(days=7)


def _text(mail) -> str:
    return mail.get_body(("plain",)).get_content().replace("\r\n", "\n")  # the wire's line ends


def _churning_buyers():
    account = Account.objects.create(channel=CHANNEL, currency="JPY", key_kind="company", key="鈴木工業",
                                     display_name="鈴木工業株式会社")
    buyers = {"ja": Contact.objects.create(email="suzuki@suzuki-kogyo.example", last_name="鈴木", first_name="一郎",
                                           company_name="鈴木工業株式会社", language_code="ja",
                                           marketing_consent="granted"),
              "en": Contact.objects.create(email="jane@suzuki-kogyo.example", first_name="Jane", language_code="en",
                                           marketing_consent="granted")}
    for contact in buyers.values():
        AccountContact.objects.create(account=account, contact=contact, first_seen_at=T0, last_seen_at=T0)
    return account, buyers


def _run_churn_flow(account, buyers) -> None:
    config = scenario_settings.load(CHANNEL)["churn_risk"]
    assert enroll(config, [Candidate("churn:1", T0, account.pk, [c.pk for c in buyers.values()],
                                     {"last_purchase_at": "2025-04-18", "stage": "repeat"})], T0) == 1


@pytest.mark.django_db(transaction=True)
def test_the_churn_mails_at_0_7_and_14_days_each_carry_their_steps_copy(sink, shop_settings):
    enable("churn_risk")
    account, buyers = _churning_buyers()
    _run_churn_flow(account, buyers)
    for day in (0, 1, 2):
        outbox.send_due(now=T0 + day * WEEK + timedelta(minutes=1))
    by_buyer = {lang: [m for m in sink.messages if m["To"].strip() == contact.email] for lang, contact in buyers.items()}
    for lang, mails in by_buyer.items():
        subjects = [m["Subject"].strip() for m in mails]
        assert subjects == [template_content("churn_risk", step)[lang]["subject"] for step in range(3)], subjects
        assert len(set(subjects)) == 3
        bodies = [_text(m) for m in mails]
        assert len({b.split("\n--\n")[0] for b in bodies}) == 3 and all(b.count("\n--\n") == 1 for b in bodies)
        assert all(("配信停止: " if lang == "ja" else "Unsubscribe: ") in b for b in bodies)
    ja_first = _text(by_buyer["ja"][0])
    assert ja_first.startswith("鈴木工業株式会社 鈴木 一郎様\n") and "2025年4月18日のご注文以来" in ja_first
    en_first = _text(by_buyer["en"][0])
    assert en_first.startswith("Jane, we have not had an order from you since April 18, 2025.")
    for lang, mails in by_buyer.items():
        html = mails[2].get_body(("html",)).get_content()
        assert "coupon-code" not in html  # the offer step without a coupon code in the enrollment: no empty box


@pytest.mark.django_db(transaction=True)
def test_the_shops_subject_override_applies_to_every_step(sink, shop_settings):
    enable("churn_risk", copy={"ja": {"subject": "ご無沙汰しております"}})
    account, buyers = _churning_buyers()
    _run_churn_flow(account, buyers)
    for day in (0, 1, 2):
        outbox.send_due(now=T0 + day * WEEK + timedelta(minutes=1))
    ja = [m for m in sink.messages if m["To"].strip() == buyers["ja"].email]
    assert [m["Subject"].strip() for m in ja] == ["ご無沙汰しております"] * 3
    assert len({_text(m).split("\n--\n")[0] for m in ja}) == 3  # the texts still differ
