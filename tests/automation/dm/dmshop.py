"""Buyers with Japanese postal addresses (and one without), a flow whose step is a postal DM,
and the REST calls staff make on its print jobs — shared by the DM tests."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from saleor_ltv_plugin.models import Account, AccountContact, AccountMetrics, Contact

BASE = "/plugins/global/saleor.ltv/api/v1/"
CHANNEL = "default-channel"
# (company, department, person, 〒, prefecture, city, line1, line2)
ADDRESSES = [
    ("株式会社山田製作所", "購買部", "山田 太郎", "100-0001", "東京都", "千代田区", "千代田1-1", "山田ビル3階"),
    ("有限会社髙橋商店", "", "髙橋 花子", "530-0001", "大阪府", "大阪市北区", "梅田2-2-2", ""),
    ("=HYPERLINK(\"http://evil.example\")", "総務課", "", "060-0001", "北海道", "札幌市中央区", "北一条西3-3", ""),
]


def buyer(company, department, person, postal, prefecture, city, line1, line2, *, rank=3, email=None) -> Account:
    now = timezone.now()
    account = Account.objects.create(channel=CHANNEL, currency="JPY", key_kind="company", key=f"k-{company}-{person}",
                                     display_name=company)
    last, _, first = person.partition(" ")
    contact = Contact.objects.create(
        email=email or f"{abs(hash((company, person))) % 10**8}@dm.example", marketing_consent="granted",
        company_name=company, last_name=last, first_name=first, phone="+81312345678",
        address_postal_code=postal, address_country="JP", address_prefecture=prefecture, address_city=city,
        address_line1=line1, address_line2=line2, address_company=company, address_department=department,
        address_person=person)
    AccountContact.objects.create(account=account, contact=contact, first_seen_at=now, last_seen_at=now)
    AccountMetrics.objects.create(account=account, channel=CHANNEL, currency="JPY", computed_at=now, frequency=4,
                                  monetary=40000, stage="dormant", rfm_rank=rank,
                                  last_purchase_at=now.date(), first_purchase_at=now.date())
    return account


def staff(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def dm_step(step_id: str, next_step: str | None, letter: dict) -> dict:
    return {"id": step_id, "kind": "send", "channel": "postal_dm", "content": letter, "next": next_step}
