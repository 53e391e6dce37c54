"""ltvOverview, ltvSegmentHistory and ltvProductInsights against independent computations."""

from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from saleor_ltv_plugin.models import AccountContact, AccountMetrics, OrderFact, OrderLineFact, SegmentSnapshot

from .conftest import NOW

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")

OVERVIEW = """
query($since: Date) { ltvOverview(channel: "default-channel", since: $since, months: 24) {
  channel currency accounts prospects revenue f2ConversionRate
  stages { value label accounts revenue accountsThen change }
  cpmCells { value accounts revenue } rfmSegments { value accounts }
  rfmGrid { recency frequency accounts }
  revenueByMonth { month newRevenue repeatRevenue newAccounts repeatAccounts } } }"""


def test_overview_matches_the_orders(scored_shop, gql, key_for):
    result = gql(OVERVIEW, {}, key_for())
    assert "errors" not in result, result
    data = result["data"]["ltvOverview"]
    # Independent: purchase days per account straight from the orders, in the shop's time zone.
    days: dict[int, set] = {}
    spend: dict[int, float] = {}
    for account_id, created, amount in OrderFact.objects.filter(counts_as_purchase=True).values_list(
            "account_id", "created_at", "amount"):
        days.setdefault(account_id, set()).add(created.astimezone(TOKYO).date())
        spend[account_id] = spend.get(account_id, 0.0) + float(amount)
    assert data["accounts"] == len(days)
    assert data["revenue"] == pytest.approx(sum(spend.values()))
    assert data["f2ConversionRate"] == pytest.approx(sum(len(d) >= 2 for d in days.values()) / len(days))
    stages = Counter(AccountMetrics.objects.values_list("stage", flat=True))
    assert {s["value"]: s["accounts"] for s in data["stages"] if s["accounts"]} == dict(stages)
    # Prospects, independently: accounts without a counted purchase with a registered member who never bought.
    bought = set(days)
    buyers = set(OrderFact.objects.filter(counts_as_purchase=True).values_list("contact_id", flat=True))
    prospects = {link.account_id for link in AccountContact.objects.select_related("contact")
                 if link.account_id not in bought and link.contact_id not in buyers
                 and (link.contact.saleor_user_id or link.contact.registered_at)}
    assert data["prospects"] == stages["prospect"] == len(prospects) > 0
    assert sum(c["accounts"] for c in data["cpmCells"]) == len(days)
    assert sum(c["accounts"] for c in data["rfmGrid"]) == len(days) and len(data["rfmGrid"]) == 25
    # Revenue by month: new = on the account's first purchase day, repeat = later days.
    new, repeat = Counter(), Counter()
    first_day = {a: min(d) for a, d in days.items()}
    for account_id, created, amount in OrderFact.objects.filter(counts_as_purchase=True).values_list(
            "account_id", "created_at", "amount"):
        day = created.astimezone(TOKYO).date()
        bucket = new if day == first_day[account_id] else repeat
        bucket[day.strftime("%Y-%m")] += float(amount)
    months = {m["month"]: m for m in data["revenueByMonth"]}
    assert len(months) == 24
    for month, row in months.items():
        assert row["newRevenue"] == pytest.approx(new[month])
        assert row["repeatRevenue"] == pytest.approx(repeat[month])


def test_stage_movement_since_a_snapshot(scored_shop, gql, key_for):
    day = NOW.astimezone(TOKYO).date()
    then = day - timedelta(days=30)
    SegmentSnapshot.objects.create(day=then, channel="default-channel", currency="JPY", dimension="stage",
                                   value="loyal", accounts=3, revenue=1)
    data = gql(OVERVIEW, {"since": then.isoformat()}, key_for())["data"]["ltvOverview"]
    stages = {s["value"]: s for s in data["stages"]}
    loyal_now = AccountMetrics.objects.filter(stage="loyal").count()
    assert stages["loyal"]["accountsThen"] == 3 and stages["loyal"]["change"] == loyal_now - 3
    assert stages["new"]["accountsThen"] == 0  # absent from that day's snapshot: zero then


HISTORY = """query($since: Date, $until: Date) { ltvSegmentHistory(channel: "default-channel", dimension: STAGE,
  since: $since, until: $until) { day value accounts revenue } }"""


def test_segment_history_returns_the_snapshots(scored_shop, gql, key_for):
    day = NOW.astimezone(TOKYO).date()
    result = gql(HISTORY, {"since": (day - timedelta(days=5)).isoformat(), "until": day.isoformat()}, key_for())
    points = result["data"]["ltvSegmentHistory"]
    stored = SegmentSnapshot.objects.filter(dimension="stage", day=day)
    assert {(p["value"], p["accounts"]) for p in points} == set(stored.values_list("value", "accounts"))
    too_long = gql(HISTORY, {"since": "2020-01-01", "until": day.isoformat()}, key_for())
    assert too_long["errors"][0]["extensions"]["fields"][0]["field"] == "since"


INSIGHTS = """{ ltvProductInsights(channel: "default-channel", first: 200) {
  productRepeat { sku buyers repeatBuyers repeatRate } transitions { fromSku toSku accounts lift }
  dropoff { occasion accounts continued } } }"""


def test_product_insights_repeat_rates_match_the_lines(scored_shop, gql, key_for):
    data = gql(INSIGHTS, {}, key_for())["data"]["ltvProductInsights"]
    assert data["productRepeat"] and data["dropoff"]
    days: dict[tuple, set] = {}
    for account_id, sku, created in OrderLineFact.objects.filter(order__counts_as_purchase=True).exclude(
            sku="").values_list("order__account_id", "sku", "order__created_at"):
        days.setdefault((account_id, sku), set()).add(created.astimezone(TOKYO).date())
    for row in data["productRepeat"][:20]:
        pairs = [d for (a, s), d in days.items() if s == row["sku"]]
        assert row["buyers"] == len(pairs)
        assert row["repeatBuyers"] == sum(len(d) > 1 for d in pairs)
    frequencies = list(AccountMetrics.objects.values_list("frequency", flat=True))
    for step in data["dropoff"][:5]:
        assert step["accounts"] == sum(f >= step["occasion"] for f in frequencies)
        assert step["continued"] == sum(f >= step["occasion"] + 1 for f in frequencies)
