"""Recompute over the demo shop fills AccountMetrics and SegmentSnapshot; a new order updates at once."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.metrics import load
from saleor_ltv_plugin.metrics.recompute import recompute, update_accounts
from saleor_ltv_plugin.models import (
    AccountContact,
    AccountMetrics,
    AccountSkuRhythm,
    FittedState,
    OrderFact,
    OrderLineFact,
    RecomputeRun,
    SegmentSnapshot,
)

from ..conftest import make_order
from ..support.scored_shop import ShopSnapshot, truncate_plugin_tables

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)  # the demo shop ends 2026-11-01
TOKYO = ZoneInfo("Asia/Tokyo")


LOADED_SHOP = ShopSnapshot("loaded150", companies=150, seed=11, scored=False)


@pytest.fixture(scope="module")
def loaded_shop(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        LOADED_SHOP.build()  # once, outside any test's transaction
        truncate_plugin_tables()
        yield LOADED_SHOP


@pytest.fixture
def shop(loaded_shop, db):
    return loaded_shop.restore()  # inside the test's transaction: rolled back after it


def expected_summary() -> pd.DataFrame:
    """An independent computation from the ORM: per account, days (Tokyo), spend."""
    rows = OrderFact.objects.filter(counts_as_purchase=True).values_list("account_id", "created_at", "amount")
    frame = pd.DataFrame(list(rows), columns=["account_id", "created_at", "amount"])
    frame["day"] = [t.astimezone(TOKYO).date() for t in frame["created_at"]]
    return frame.groupby("account_id").agg(
        frequency=("day", "nunique"), monetary=("amount", "sum"), first=("day", "min"), last=("day", "max"))


def expected_prospects(shop) -> set[frozenset]:
    """Independent: per company of the generator's without a counted purchase (none placed, or only
    cancelled / refunded ones), its registered (non-guest) buyers' e-mails."""
    counted = set(OrderFact.objects.filter(counts_as_purchase=True).values_list("external_id", flat=True))
    bought = {o.company_key for o in shop.orders if o.external_id in counted}
    never = {c.key for c in shop.companies} - bought
    by_company: dict[str, set] = {}
    for contact in shop.contacts:
        if contact.user_id and contact.company_key in never:
            by_company.setdefault(contact.company_key, set()).add(contact.email)
    return {frozenset(emails) for emails in by_company.values()}


def stored_prospects() -> set[frozenset]:
    """Per prospect row, its account's buyers' e-mails."""
    members: dict[int, set] = {}
    for account_id, email in AccountContact.objects.filter(
            account__metrics__stage="prospect").values_list("account_id", "contact__email"):
        members.setdefault(account_id, set()).add(email)
    return {frozenset(emails) for emails in members.values()}


def test_recompute_fills_metrics_matching_an_independent_summary(shop):
    run = recompute(now=NOW)
    assert run.status == "done" and run.finished_at is not None
    expected = expected_summary()
    metrics = {m.account_id: m for m in AccountMetrics.objects.exclude(stage="prospect")}
    assert set(metrics) == set(expected.index)
    prospects = AccountMetrics.objects.filter(stage="prospect").select_related("account")
    assert stored_prospects() == expected_prospects(shop) != set()
    assert all(m.frequency == 0 and m.monetary == 0 and m.r_score is None and m.rfm_segment == "" and m.cpm_cell == ""
               and not m.churn_risk and m.p_alive is None and m.clv is None and m.recency_days is None
               for m in prospects)
    assert run.details["channels"]["default-channel"]["prospects"] == len(prospects)
    as_of = NOW.astimezone(TOKYO).date()
    for account_id, row in expected.iterrows():
        m = metrics[account_id]
        assert m.frequency == row["frequency"]
        assert m.monetary == Decimal(row["monetary"]).quantize(Decimal("0.001"))
        assert (m.first_purchase_at, m.last_purchase_at) == (row["first"], row["last"])
        assert m.recency_days == (as_of - row["last"]).days
        assert m.tenure_days == (row["last"] - row["first"]).days
        assert 1 <= m.r_score <= 5 and m.stage and m.cpm_cell and m.rfm_segment
        assert m.typical_interval_days > 0 and m.next_purchase_on is not None
    state = run.details["channels"]["default-channel"]
    assert state["report"]["prediction_model"]["status"] in {"ok", "boundary", "insufficient_data", "failed"}
    assert set(state["seconds"]) >= {"load", "compute", "write"}


def test_snapshots_add_up_to_the_metrics(shop):
    recompute(now=NOW)
    day = NOW.astimezone(TOKYO).date()
    total = AccountMetrics.objects.count()
    prospects = AccountMetrics.objects.filter(stage="prospect").count()
    revenue = AccountMetrics.objects.aggregate(s=Sum("monetary"))["s"]
    assert prospects > 0
    for dimension in ("stage", "cpm_cell", "rfm_segment"):
        rows = SegmentSnapshot.objects.filter(day=day, dimension=dimension)
        # prospects have a stage, but no CPM cell or RFM segment
        assert sum(r.accounts for r in rows) == total - (0 if dimension == "stage" else prospects)
        assert "" not in {r.value for r in rows}
        assert sum(r.revenue for r in rows) == revenue
    stages = dict(AccountMetrics.objects.values_list("stage").annotate(n=Count("pk")))
    assert dict(SegmentSnapshot.objects.filter(day=day, dimension="stage").values_list("value", "accounts")) == stages
    recompute(now=NOW)  # the same day again replaces, never duplicates
    assert SegmentSnapshot.objects.filter(day=day, dimension="stage").count() == len(stages)


def test_sku_rhythms_follow_the_regular_baskets(shop):
    recompute(now=NOW)
    assert AccountSkuRhythm.objects.count() > 0
    repeat = AccountSkuRhythm.objects.filter(purchases__gte=4)
    assert repeat.exists()
    assert all(r.next_reorder_on > r.last_purchase_at for r in repeat[:200])


def test_a_new_order_updates_its_account_at_once(shop):
    recompute(now=NOW)
    metrics = AccountMetrics.objects.exclude(stage="prospect").order_by("-recency_days").first()
    account = metrics.account
    sample = OrderFact.objects.filter(account=account).first()
    before = (metrics.frequency, metrics.monetary)
    order = make_order("fresh-1", company=sample.billing_company_name, email="new.buyer@example.com",
                       created_at=datetime.now(timezone.utc), gross="12000", source="rest")
    upsert_orders([order])
    metrics.refresh_from_db()
    assert OrderFact.objects.get(external_id="fresh-1").account_id == account.pk
    assert metrics.frequency == before[0] + 1 and metrics.monetary == before[1] + Decimal("12000")
    assert metrics.recency_days == 0 and metrics.r_score == 5 and metrics.stage not in ("dormant", "lost")
    cancelled = make_order("fresh-1", company=sample.billing_company_name, email="new.buyer@example.com",
                           created_at=order.created_at, gross="12000", status="canceled",
                           updated_at=order.created_at + timedelta(minutes=5))
    upsert_orders([cancelled])
    metrics.refresh_from_db()
    assert (metrics.frequency, metrics.monetary) == before


def test_a_new_order_moves_its_accounts_sku_reorder_dates_at_once(shop):
    """The re-score writes per-SKU reorder rows with the full run's priors (FittedState): with
    nothing new they equal the run's rows; a new order of a SKU moves that SKU's row."""
    recompute(now=NOW)
    state = FittedState.objects.get(channel="default-channel")
    assert (state.version, state.format) == (1, 2) and state.state["sku_priors"]["by_sku"]
    line = OrderLineFact.objects.filter(order__counts_as_purchase=True).exclude(sku="").order_by("order_id").first()
    account = line.order.account
    fields = ("sku", "purchases", "last_purchase_at", "typical_interval_days", "next_reorder_on")
    before = list(AccountSkuRhythm.objects.filter(account=account).order_by("sku").values_list(*fields))
    assert before
    update_accounts([account.pk], now=NOW + timedelta(seconds=1))
    again = list(AccountSkuRhythm.objects.filter(account=account).order_by("sku").values_list(*fields))
    assert [row[:3] + (pytest.approx(row[3], rel=1e-12),) + row[4:] for row in again] == before
    sku_before = {row[0]: row for row in before}[line.sku]
    when = datetime.combine(sku_before[2] + timedelta(days=5), datetime.min.time(), TOKYO).replace(hour=12)
    upsert_orders([make_order("sku-again", company=line.order.billing_company_name, email="sku.buyer@example.com",
                              created_at=when, lines=[("l1", line.sku, 1, "5500")])])
    moved = AccountSkuRhythm.objects.get(account=account, sku=line.sku)
    assert OrderFact.objects.get(external_id="sku-again").account_id == account.pk
    assert (moved.purchases, moved.last_purchase_at) == (sku_before[1] + 1, when.date())
    assert moved.next_reorder_on == when.date() + timedelta(days=round(moved.typical_interval_days))


def test_a_rescore_in_passes_writes_what_one_pass_writes(shop, monkeypatch):
    """An import touching 100 k accounts re-scores them in passes (bounded IN lists): passes of 7
    accounts leave the rows one pass leaves, prospects included."""
    recompute(now=NOW)
    ids = list(AccountMetrics.objects.values_list("account_id", flat=True))
    later = NOW + timedelta(days=30)
    fields = ("account_id", "stage", "frequency", "recency_days", "r_score", "cpm_cell", "p_alive", "clv")
    written = update_accounts(ids, now=later)
    once = sorted(AccountMetrics.objects.values_list(*fields))
    monkeypatch.setattr("saleor_ltv_plugin.metrics.recompute.RESCORE_CHUNK", 7)
    assert update_accounts(ids, now=later) == written
    assert sorted(AccountMetrics.objects.values_list(*fields)) == once
    assert {row[1] for row in once} >= {"prospect", "dormant"} and len(ids) > 7 * 10


def test_an_account_with_no_purchase_left_loses_its_row(shop):
    recompute(now=NOW)
    upsert_orders([make_order("solo", company="単発株式会社", email="solo@x.example", created_at=NOW)])
    solo = OrderFact.objects.get(external_id="solo").account
    assert AccountMetrics.objects.filter(account=solo).exists()
    upsert_orders([make_order("solo", company="単発株式会社", email="solo@x.example", created_at=NOW,
                              status="canceled", updated_at=NOW + timedelta(hours=1))])
    assert not AccountMetrics.objects.filter(account=solo).exists()


def test_copy_loader_equals_the_orm(shop):
    frame = load.load_purchases("default-channel", "Asia/Tokyo")
    expected = expected_summary()
    assert len(frame) == OrderFact.objects.filter(counts_as_purchase=True).count()
    totals = frame.groupby("account_id")["amount"].sum()
    for account_id, row in expected.iterrows():
        assert totals[account_id] == pytest.approx(float(row["monetary"]))
    days = frame.groupby("account_id")["created_at"].max()
    assert all(days[a].date() == row["last"] for a, row in expected.iterrows())
    lines = load.load_lines("default-channel", "Asia/Tokyo")
    assert set(lines.columns) == {"account_id", "sku", "created_at", "quantity", "amount", "product"} and len(lines) > len(frame)


def test_the_command_reports_each_channel(shop, capsys):
    call_command("ltv_recompute")
    out = capsys.readouterr().out
    assert "default-channel:" in out and "accounts as of" in out
    assert RecomputeRun.objects.get().status == "done"
