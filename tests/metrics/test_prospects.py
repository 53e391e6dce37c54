"""Prospects (見込み客): registered contacts whose company never bought are accounts in stage
`prospect` — after a recompute and at once when they register — in the documented channel, and
leave the stage on their company's first purchase."""

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client

from saleor_ltv_plugin import conf
from saleor_ltv_plugin.ingest import identity
from saleor_ltv_plugin.ingest.facts import CustomerData, CustomerRef
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.ingest.prospects import prospect_channel
from saleor_ltv_plugin.metrics.recompute import recompute
from saleor_ltv_plugin.models import Account, AccountMetrics, OrderFact
from saleor_ltv_plugin.queries.overview import overview

from ..conftest import make_order

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)
BASE = "/plugins/global/saleor.ltv/api/v1/"
GRAPHQL = "/plugins/global/saleor.ltv/graphql/"


def register(user_id, email, company, at=NOW - timedelta(days=3)):
    return identity.upsert_customer(CustomerData(
        source="saleor", customer=CustomerRef(user_id=user_id, email=email, company_name=company), registered_at=at))


def buyers(n=6, channel="default-channel"):
    """A few companies with orders, so a recompute has a fit to re-score with."""
    orders = []
    for i in range(n):
        for k in range(1 + i % 3):
            orders.append(make_order(f"{channel}-{i}-{k}", company=f"株式会社取引先{i}", email=f"b{i}@torihiki{i}.example",
                                     created_at=NOW - timedelta(days=20 + 40 * k + i), channel=channel))
    upsert_orders(orders)


def stage_of(email):
    return dict(AccountMetrics.objects.filter(account__contacts__email=email).values_list("channel", "stage"))


def test_recompute_lists_registered_contacts_whose_company_never_bought():
    buyers()
    register("u-new", "sato@shinki.example", "新規工業株式会社")
    register("u-member", "newhire@torihiki0.example", "（株）取引先0")  # a new buyer of a buying company
    AccountMetrics.objects.all().delete()  # as before this change: rows come from the recompute alone
    run = recompute(now=NOW)
    row = AccountMetrics.objects.get(account__contacts__email="sato@shinki.example")
    assert (row.stage, row.channel, row.currency, row.frequency, row.monetary) == ("prospect", "default-channel", "JPY", 0, 0)
    assert row.r_score is None and row.rfm_segment == "" and row.p_alive is None and row.clv is None
    assert not row.churn_risk
    assert stage_of("newhire@torihiki0.example") == {}  # no account of their own: their company buys
    assert run.details["channels"]["default-channel"]["prospects"] == 1
    result = overview("default-channel")
    stages = {b.value: b.accounts for b in result.stages}
    assert result.prospects == stages["prospect"] == 1
    assert result.accounts == OrderFact.objects.values("account").distinct().count() == 6  # buyers only
    assert result.f2_conversion_rate == pytest.approx(4 / 6)  # prospects do not dilute it


def test_a_registration_shows_at_once_and_the_first_order_ends_it():
    buyers()
    recompute(now=NOW)
    register("u-1", "suzuki@mirai.example", "株式会社ミライ")
    assert stage_of("suzuki@mirai.example") == {"default-channel": "prospect"}  # without a recompute
    assert overview("default-channel").prospects == 1
    register("u-1", "suzuki@mirai.example", "株式会社ミライ")  # the same event again: still one
    assert AccountMetrics.objects.filter(stage="prospect").count() == 1
    upsert_orders([make_order("mirai-1", company="ミライ（株）", email="suzuki@mirai.example", user_id="u-1",
                              created_at=NOW - timedelta(hours=1))])
    account = Account.objects.get(contacts__email="suzuki@mirai.example")
    assert OrderFact.objects.get(external_id="mirai-1").account_id == account.pk  # the same account
    row = AccountMetrics.objects.get(account=account)
    assert (row.stage, row.frequency) == ("new", 1)
    assert overview("default-channel").prospects == 0
    recompute(now=NOW)
    assert AccountMetrics.objects.get(account=account).stage == "new"


def test_an_order_elsewhere_by_the_prospect_ends_it_and_a_cancelled_one_brings_it_back():
    buyers()
    recompute(now=NOW)
    register("u-2", "ito@kibou.example", "希望商店")
    prospect = Account.objects.get(contacts__email="ito@kibou.example")
    upsert_orders([make_order("kibou-1", company="", email="ito@kibou.example", user_id="u-2",
                              created_at=NOW - timedelta(hours=2))])  # no company on the order: keyed by the user
    assert OrderFact.objects.get(external_id="kibou-1").account_id != prospect.pk
    assert not AccountMetrics.objects.filter(account=prospect).exists()  # the contact bought: no prospect
    upsert_orders([make_order("kibou-1", company="", email="ito@kibou.example", user_id="u-2", status="canceled",
                              created_at=NOW - timedelta(hours=2), updated_at=NOW)])
    assert AccountMetrics.objects.get(account=prospect).stage == "prospect"


def test_the_channel_a_user_without_orders_counts_in(settings):
    buyers(2, channel="b2b")
    buyers(4, channel="retail")
    assert prospect_channel() == "retail"  # the channel with the most accounts
    register("u-3", "kato@hikari.example", "光電機")
    assert stage_of("kato@hikari.example") == {"retail": "prospect"}
    settings.LTV_PLUGIN = {"prospect_channel": "b2b"}
    assert prospect_channel() == "b2b"
    register("u-4", "abe@hoshi.example", "星工業")
    recompute(now=NOW)
    assert stage_of("abe@hoshi.example") == {"b2b": "prospect"}
    with pytest.raises(conf.SettingsError) as refused:
        conf.build_settings({"channel_overrides": {"b2b": {"prospect_channel": "retail"}}})
    assert "channel_overrides.b2b.prospect_channel" in refused.value.errors


def test_a_shop_without_orders_counts_prospects_in_default_channel():
    register("u-5", "mori@hajime.example", "はじめ商会")
    assert prospect_channel() == "default-channel"
    recompute(now=NOW)  # a channel of prospects only: nothing to fit, rows all the same
    assert stage_of("mori@hajime.example") == {"default-channel": "prospect"}


def _prospects_shop(key_for):
    buyers()
    recompute(now=NOW)
    register("u-6", "ueda@asahi.example", "朝日産業")
    register("u-7", "noda@yuhi.example", "夕日産業")
    return key_for()


def test_the_list_and_the_segment_filter_find_prospects(key_for):
    token = _prospects_shop(key_for)
    expected = set(AccountMetrics.objects.filter(account__contacts__email__in=["ueda@asahi.example", "noda@yuhi.example"])
                   .values_list("account_id", flat=True))
    assert len(expected) == 2
    rest = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    page = rest.get(BASE + "accounts", {"stages": ["prospect"]}).json()
    assert page["total_count"] == 2 and {item["id"] for item in page["items"]} == expected
    for field in ("recency_days", "p_alive", "clv", "last_purchase_at", "rfm_rank", "overdue_ratio", "monetary"):
        for direction in ("asc", "desc"):
            listed = rest.get(BASE + "accounts", {"sort_by": field, "direction": direction, "first": 100})
            assert listed.status_code == 200, (field, direction, listed.content)
            ids = [item["id"] for item in listed.json()["items"]]
            assert len(ids) == AccountMetrics.objects.count()
            if field != "monetary":  # no value: nulls last, either direction
                valued = AccountMetrics.objects.filter(**{f"{field}__isnull": False}).count()
                assert min(ids.index(pk) for pk in expected) >= valued, (field, direction)
    # The filter language: a prospect has no R/F/M, so a range on them leaves it out; stage finds it.
    assert rest.get(BASE + "accounts", {"stages": ["prospect"], "r_score_gte": 1}).json()["total_count"] == 0
    assert rest.get(BASE + "accounts", {"stages": ["prospect"], "monetary_lte": 0}).json()["total_count"] == 2
    exported = rest.get(BASE + "segments/export", {"stages": ["prospect"], "format": "csv"})
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert {int(r["account_id"]) for r in rows} == expected
    query = """{ ltvAccounts(filter: {stages: [PROSPECT]}, first: 10, sortBy: {field: CLV, direction: DESC}) {
      totalCount edges { node { metrics { stage frequency pAlive clv { amount } } } } }
      ltvOverview(channel: "default-channel") { accounts prospects stages { value accounts } } }"""
    data = Client().post(GRAPHQL, {"query": query}, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert "errors" not in data, data
    listed = data["data"]["ltvAccounts"]
    assert listed["totalCount"] == 2
    assert all(e["node"]["metrics"]["stage"] == "PROSPECT" and e["node"]["metrics"]["frequency"] == 0
               and e["node"]["metrics"]["pAlive"] is None and e["node"]["metrics"]["clv"] is None
               for e in listed["edges"])
    stages = {s["value"]: s["accounts"] for s in data["data"]["ltvOverview"]["stages"]}
    assert data["data"]["ltvOverview"]["prospects"] == stages["prospect"] == 2
