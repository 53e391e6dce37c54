"""The recompute keeps the model that predicts the channel's own holdout best, stores its
P(alive) and expected purchases, records which and why, and the overview shows it."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from saleor_ltv_plugin.engine.model_choice import model_from_params
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.metrics.recompute import latest_fit, recompute
from saleor_ltv_plugin.models import AccountMetrics, OrderFact

from ..conftest import make_order
from ..engine.factories import lapsed_channel_orders
from ..graphql.conftest import GraphQLClient

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)  # 12:00 in Tokyo
TOKYO = ZoneInfo("Asia/Tokyo")
CHANNEL = "default-channel"


def company(key: str) -> str:
    return f"{key} 株式会社"


@pytest.fixture
def lapsed_shop():
    """The engine tests' lapsed channel as orders through the ingest door, dated noon in Tokyo."""
    orders = lapsed_channel_orders(companies=120, as_of="2026-11-02")
    batch = [make_order(f"o-{i}", company=company(row.account_id), email=f"{row.account_id}@example.com",
                        created_at=(row.created_at + timedelta(hours=12)).tz_localize(TOKYO).to_pydatetime(),
                        gross=str(int(row.amount)))
             for i, row in enumerate(orders.itertuples())]
    upsert_orders(batch)
    return OrderFact.objects.get(external_id="o-0").account  # "gone-2023": one order on 2023-11-02


OVERVIEW = """{ ltvOverview(channel: "default-channel") { predictionModel {
  name label reason reasonJa criterion status holdoutDays holdoutAccounts holdoutPurchases computedAt
  scores { name label status meanAbsoluteError predictedPurchases } } } }"""


def test_the_recompute_stores_the_chosen_models_predictions_and_says_why(lapsed_shop, key_for):
    gone = lapsed_shop
    run = recompute(now=NOW)
    state = run.details["channels"][CHANNEL]
    chosen = state["report"]["prediction_model"]
    assert chosen["name"] in {"mbgnbd", "pareto_nbd"} and chosen["status"] == "ok", chosen
    others = [s["mae"] for n, s in chosen["scores"].items() if n != "bgnbd"]
    assert chosen["scores"][chosen["name"]]["mae"] <= min(others)
    assert chosen["reason"].startswith("lowest mean absolute error") and chosen["reason_ja"]
    assert latest_fit(CHANNEL).prediction_model["name"] == chosen["name"] and state["fitted_version"] == 1
    # The stored row is the chosen model's answer for one order three years ago, not BG/NBD's 1.
    row = AccountMetrics.objects.get(account=gone)
    assert (row.frequency, row.recency_days) == (1, 3 * 365)
    model = model_from_params(latest_fit(CHANNEL).prediction_model)
    assert row.p_alive == pytest.approx(float(model.probability_alive(0, 0, 3 * 365)), rel=1e-9)
    assert row.p_alive < 0.2
    expected = model.conditional_expected_purchases(90, [0], [0], [1095])[0]
    assert row.expected_purchases == pytest.approx(float(expected), rel=1e-9)
    # The overview says which model is in use and why, read-only.
    data = GraphQLClient()(OVERVIEW, {}, key_for())
    assert "errors" not in data, data
    shown = data["data"]["ltvOverview"]["predictionModel"]
    assert (shown["name"], shown["label"], shown["reason"], shown["reasonJa"]) == (
        chosen["name"], chosen["label"], chosen["reason"], chosen["reason_ja"])
    assert shown["criterion"] == "mae" and shown["holdoutDays"] == chosen["holdout"]["days"]
    assert shown["holdoutPurchases"] == chosen["holdout"]["actual_total"] and shown["computedAt"]
    assert {s["name"]: s["meanAbsoluteError"] for s in shown["scores"]} == pytest.approx(
        {name: s["mae"] for name, s in chosen["scores"].items()})


def test_a_new_order_is_rescored_with_the_chosen_model(lapsed_shop):
    recompute(now=NOW)
    model = model_from_params(latest_fit(CHANNEL).prediction_model)
    upsert_orders([make_order("back", company=company("gone-2023"), email="gone-2023@example.com",
                              created_at=datetime.now(timezone.utc))])  # re-scored as of today
    row = AccountMetrics.objects.get(account=lapsed_shop)
    assert (row.frequency, row.recency_days) == (2, 0) and row.tenure_days > 3 * 365
    days = row.tenure_days
    assert row.p_alive == pytest.approx(float(model.probability_alive(1, days, days)), rel=1e-9)
    assert row.expected_purchases == pytest.approx(
        float(model.conditional_expected_purchases(90, [1], [days], [days])[0]), rel=1e-9)


def test_the_overview_has_no_model_before_the_first_recompute(lapsed_shop, key_for):
    data = GraphQLClient()(OVERVIEW, {}, key_for())
    assert data["data"]["ltvOverview"]["predictionModel"] is None


def test_the_command_names_the_model(lapsed_shop, capsys):
    call_command("ltv_recompute")
    out = capsys.readouterr().out
    assert "chosen: lowest mean absolute error" in out and ("MBG/NBD ok" in out or "Pareto/NBD ok" in out)
