"""The model a shop uses is the one that predicts its own holdout best, and it says why."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from saleor_ltv_plugin.engine.account_metrics import MetricsSettings, fit_shop
from saleor_ltv_plugin.engine.bgnbd import fit_bgnbd
from saleor_ltv_plugin.engine.fitted import FittedShop, score_accounts
from saleor_ltv_plugin.engine.mbgnbd import ModifiedBetaGeoModel
from saleor_ltv_plugin.engine.model_choice import (
    MODELS,
    PREFERENCE,
    ModelChoice,
    _decide,
    at_its_limit,
    choose_model,
    fit_chosen,
    model_from_params,
)
from saleor_ltv_plugin.engine.pareto_nbd import ParetoNbdModel
from saleor_ltv_plugin.engine.summary import bgnbd_inputs, summarize_orders

from .factories import lapsed_channel_orders
from .test_fitted import compare, synthetic_orders

CUT, END = pd.Timestamp("1997-09-30"), pd.Timestamp("1998-06-30")


def test_cdnow_39_39_weeks_scored_as_an_independent_computation_does(cdnow_transactions, cdnow_summary):
    lifetimes = pytest.importorskip("lifetimes")
    choice = choose_model(cdnow_transactions, END.date(), holdout_days=273)
    assert choice.holdout["cut"] == "1997-09-30" and choice.holdout["accounts"] == 2357
    # Independent: holdout occasions by pandas, predictions by lifetimes on Hardie's summary (weeks).
    day = cdnow_transactions["created_at"]
    after = cdnow_transactions[(day > CUT) & (day <= END)]
    actual = (after.drop_duplicates(["account_id", "created_at"]).groupby("account_id").size()
              .reindex(cdnow_summary["ID"], fill_value=0).to_numpy(float))
    assert choice.holdout["actual_total"] == int(actual.sum()) == 1882
    x, t_x, T = (cdnow_summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
    fitters = {"bgnbd": lifetimes.BetaGeoFitter, "mbgnbd": lifetimes.ModifiedBetaGeoFitter,
               "pareto_nbd": lifetimes.ParetoNBDFitter}
    theirs = {}
    for name, fitter in fitters.items():
        predicted = fitter().fit(x, t_x, T).conditional_expected_number_of_purchases_up_to_time(39, x, t_x, T)
        theirs[name] = float(np.mean(np.abs(predicted - actual)))
        assert choice.scores[name]["mae"] == pytest.approx(theirs[name], abs=2e-3), name
    assert choice.name == min(theirs, key=theirs.get) == "pareto_nbd"
    assert "Pareto/NBD" in choice.reason and "273 days" in choice.reason and "273 日" in choice.reason_ja


def test_a_one_order_company_gone_three_years_is_not_alive():
    orders = lapsed_channel_orders()
    summary = summarize_orders(orders, "2026-11-01")
    inputs = bgnbd_inputs(summary)
    x, t_x, T = (inputs[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    gone = (summary["account_id"] == "gone-2023").to_numpy()
    assert x[gone][0] == 0 and T[gone][0] == 3 * 365
    assert fit_bgnbd(x, t_x, T).probability_alive(x[gone], t_x[gone], T[gone])[0] == 1.0  # BG/NBD's answer
    frame, report, fitted = fit_shop(orders, "2026-11-01")
    model = report["prediction_model"]
    assert model["name"] in {"mbgnbd", "pareto_nbd"} and model["status"] == "ok", model
    others = [s["mae"] for n, s in model["scores"].items() if n not in ("bgnbd", model["name"])]
    assert all(model["scores"][model["name"]]["mae"] <= mae for mae in others)
    assert model["label"] in model["reason"] and model["reason_ja"]
    p_alive = frame.set_index("account_id")["p_alive"]
    assert p_alive["gone-2023"] < 0.2
    assert p_alive.filter(like="once-").max() < 1.0
    assert fitted.prediction_model["name"] == model["name"]


def scores(**maes):
    return {name: {"label": MODELS[name][0].label, "status": "ok" if mae is not None else "boundary",
                   "mae": mae, "params": {}} for name, mae in maes.items()}


HOLDOUT = {"days": 90, "accounts": 500}


def test_decision_rule():
    # BG/NBD predicting better is said, but it is not used while another model fits.
    better = _decide(scores(bgnbd=1.0, mbgnbd=1.1, pareto_nbd=1.2), HOLDOUT)
    assert better.name == "mbgnbd" and "BG/NBD scored 1.0000" in better.reason and "100 %" in better.reason_ja
    assert _decide(scores(bgnbd=1.3, mbgnbd=1.2, pareto_nbd=1.0), HOLDOUT).name == "pareto_nbd"
    tie = _decide(scores(bgnbd=1.3, mbgnbd=1.005, pareto_nbd=1.0), HOLDOUT)
    assert tie.name == "mbgnbd" and "within 1%" in tie.reason
    assert _decide(scores(bgnbd=None, mbgnbd=2.0, pareto_nbd=1.0), HOLDOUT).name == "pareto_nbd"
    only = _decide(scores(bgnbd=1.0, mbgnbd=None, pareto_nbd=None), HOLDOUT)
    assert only.name == "bgnbd" and only.reason.startswith("neither MBG/NBD nor Pareto/NBD fitted")
    assert "P(alive) = 1" in only.reason and "100 %" in only.reason_ja
    none = _decide(scores(bgnbd=None, mbgnbd=None, pareto_nbd=None), HOLDOUT)
    assert none.name == PREFERENCE[0] and "no model fitted" in none.reason


def test_a_fit_at_its_no_heterogeneity_limit_is_scored_and_can_be_chosen():
    """Shops whose accounts drop out at one common rate drive Pareto/NBD's s, β (MBG/NBD's a, b)
    up a flat ridge to the search bound: that fit approximates the limit model and is usable;
    a fit stopped at any other bound, or at a lower bound, is not."""
    edge = ParetoNbdModel(1.19, 52.1, 148.4, 155127.6, log_likelihood=-1.0, status="boundary",
                          reason="parameter(s) s on the search bound", bounded=("s",))
    assert at_its_limit(edge) and at_its_limit(replace(edge, bounded=("s", "beta")))
    assert not at_its_limit(replace(edge, bounded=("r",))) and not at_its_limit(replace(edge, bounded=("s", "r")))
    assert not at_its_limit(replace(edge, s=6.1e-6))  # s on its lower bound: a different failure
    assert not at_its_limit(replace(edge, status="failed"))
    mbg = ModifiedBetaGeoModel(1.09, 44.1, 7023.8, 162754.8, log_likelihood=-1.0, status="boundary", bounded=("b",))
    assert at_its_limit(mbg)
    limit = scores(bgnbd=1.0, mbgnbd=None, pareto_nbd=1.2)
    limit["pareto_nbd"].update(status="boundary", reason="parameter(s) s on the search bound", bounded=["s"])
    choice = _decide(limit, HOLDOUT)
    assert choice.name == "pareto_nbd" and "no-heterogeneity limit" in choice.reason and "極限" in choice.reason_ja
    assert "パラメータ s が探索範囲の上限" in choice.reason_ja and "search bound" not in choice.reason_ja


def test_a_short_history_uses_the_default_and_says_so():
    orders = synthetic_orders(accounts=60)
    last = orders["created_at"].min() + pd.Timedelta(days=40)
    choice = choose_model(orders[orders["created_at"] <= last], last)
    assert choice.name == PREFERENCE[0] and "too short" in choice.reason and choice.reason_ja
    assert choose_model(orders.iloc[:0], "2026-01-01").name == PREFERENCE[0]


def test_a_model_set_in_the_settings_skips_the_contest():
    orders = synthetic_orders(accounts=200)
    choice = choose_model(orders, "2025-12-31", model="pareto_nbd")
    assert choice.name == "pareto_nbd" and choice.scores == {} and "settings" in choice.reason


def test_the_sample_is_stable_and_smaller():
    orders = lapsed_channel_orders()
    small = choose_model(orders, "2026-11-01", sample_accounts=300)
    shuffled = choose_model(orders.sample(frac=1.0, random_state=1), "2026-11-01", sample_accounts=300)
    assert small.holdout["sampled"] and 200 < small.holdout["accounts"] < 420
    assert small.scores == shuffled.scores


def test_the_full_fit_falls_back_when_the_chosen_model_does_not_fit():
    choice = ModelChoice("pareto_nbd", "test", "テスト", scores=scores(bgnbd=1.0, mbgnbd=1.1, pareto_nbd=0.9))
    model, note, note_ja = fit_chosen(choice, [0, 1], [0, 3], [10, 10])  # too little data for any model
    assert model.name == "pareto_nbd" and model.status == "insufficient_data"
    assert "no model fitted" in note and note_ja


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "pareto_nbd"])
def test_each_model_rescores_one_account_as_the_full_run(name):
    orders = synthetic_orders(seed=3)
    settings = MetricsSettings(prediction_model=name)
    full, report, fitted = fit_shop(orders, "2025-12-31", settings)
    assert report["prediction_model"]["name"] == name and fitted.prediction_model["name"] == name
    compare(full, score_accounts(orders, "2025-12-31", fitted, settings))
    restored = FittedShop.from_dict(fitted.to_dict())
    model = model_from_params(restored.prediction_model)
    assert model.name == name and model.params == pytest.approx(report["prediction_model"]["params"])


def test_a_model_that_does_not_fit_the_full_history_hands_over_and_says_so():
    orders = synthetic_orders(seed=9)  # BG/NBD lands on its search bound here
    _, report, fitted = fit_shop(orders, "2025-12-31", MetricsSettings(prediction_model="bgnbd"))
    model = report["prediction_model"]
    assert model["name"] == fitted.prediction_model["name"] == "mbgnbd" and model["status"] == "ok"
    assert "BG/NBD boundary" in model["reason"] and "so MBG/NBD" in model["reason"]


def test_a_state_from_before_the_model_choice_still_loads():
    orders = synthetic_orders(seed=3)
    settings = MetricsSettings(prediction_model="bgnbd")
    full, _, fitted = fit_shop(orders, "2025-12-31", settings)
    old = fitted.to_dict()
    state = old.pop("prediction_model")
    old["bgnbd"] = {k: v for k, v in state.items() if k != "name"}
    compare(full, score_accounts(orders, "2025-12-31", FittedShop.from_dict(old), settings))
