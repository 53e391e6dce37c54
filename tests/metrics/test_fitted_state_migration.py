"""Migration 0034 moves each channel's latest fitted state out of the recompute log, so a
re-score right after the upgrade still has the shop's cut points and model parameters."""

from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from saleor_ltv_plugin.metrics.recompute import latest_fit
from saleor_ltv_plugin.models import FittedState

APP = "saleor_ltv_plugin"
BEFORE, AFTER = (APP, "0033_customer_links"), (APP, "0034_fitted_state")
NOW = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)


def fitted(prior: float) -> dict:
    return {"prediction_model": {"name": "bgnbd", "r": 0.2, "alpha": 4.0, "a": 0.8, "b": 2.4, "status": "ok",
                                 "reason": ""},
            "gamma_gamma": {}, "rfm_bounds": {}, "spend_bounds": {"JPY": 70000.0}, "rhythm_prior_days": prior}


@pytest.mark.django_db(transaction=True)
def test_the_latest_done_runs_state_of_each_channel_becomes_version_1():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    try:
        Run = old.get_model(APP, "RecomputeRun")
        Run.objects.create(status="done", finished_at=NOW - timedelta(days=2), details={"channels": {
            "default-channel": {"as_of": "2026-10-31", "fitted": fitted(10.0)},
            "b2b": {"as_of": "2026-10-31", "fitted": fitted(20.0)}}})
        latest = Run.objects.create(status="done", finished_at=NOW, details={"channels": {
            "default-channel": {"as_of": "2026-11-02", "fitted": fitted(11.0)}}})
        Run.objects.create(status="failed", finished_at=NOW + timedelta(hours=1), details={"channels": {
            "default-channel": {"as_of": "2026-11-02", "fitted": fitted(99.0)}}})
        MigrationExecutor(connection).migrate([AFTER])
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes(APP))
    states = {s.channel: s for s in FittedState.objects.all()}
    assert set(states) == {"default-channel", "b2b"}
    assert (states["default-channel"].version, states["default-channel"].format) == (1, 1)
    assert states["default-channel"].run_id == latest.pk and str(states["default-channel"].as_of) == "2026-11-02"
    assert latest_fit("default-channel").rhythm_prior_days == 11.0  # the latest done run, not the failed one
    assert latest_fit("b2b").rhythm_prior_days == 20.0 and latest_fit("b2b").sku_priors == {}
