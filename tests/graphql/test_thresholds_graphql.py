"""Per-channel thresholds (thresholds.py): the proposal and the preview against pandas computations
written here on the scored demo shop's stored rows, and the preview equal to what the next re-score
(incremental and full) stores."""

import json
import zoneinfo
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from saleor_ltv_plugin import conf, thresholds
from saleor_ltv_plugin.engine.rfm import segment_of
from saleor_ltv_plugin.hosts.standalone import tokens
from saleor_ltv_plugin.metrics.recompute import recompute, update_accounts
from saleor_ltv_plugin.engine.cycle import replenishment
from saleor_ltv_plugin.metrics import load
from saleor_ltv_plugin.models import AccountMetrics, AccountSkuRhythm, ChannelThresholds

pytestmark = pytest.mark.django_db
CHANNEL = "default-channel"
ADMIN, STAFF = ["MANAGE_PLUGINS", "MANAGE_USERS"], ["MANAGE_USERS", "MANAGE_ORDERS"]
READ = """query($c: String!, $l: String) { ltvThresholds(channel: $c) { values defaults proposal
  proposalBasis(language: $l) canEdit groups { name fields } } }"""
PREVIEW = """query($c: String!, $i: JSONString!) { ltvThresholdsPreview(channel: $c, input: $i) { accounts
  dimensions { name changed counts { value before after } moves { from to accounts } } } }"""
UPDATE = """mutation($c: String!, $i: JSONString!) { ltvThresholdsUpdate(channel: $c, input: $i) { changed
  errors { field message messageJa code } thresholds { values updatedBy } } }"""
CHANGES = {"cpm_high_spend": {"JPY": 150000}, "cpm_lapsed_after_days": 150, "dormant_after_days": 90,
           "lost_after_days": 300, "churn_grace_factor": 2.5, "rfm_r_method": "fixed", "rfm_m_method": "fixed",
           "rfm_r_bounds": [20, 60, 120, 240], "rfm_f_bounds": [2, 4, 6, 8],
           "rfm_m_bounds": [20000, 50000, 100000, 200000], "sku_per_unit": False}


def token(permissions=ADMIN):
    return tokens.mint("admin@shop.example", permissions)


def stored():
    # Prospects (no purchase) have no class a threshold moves: the preview leaves them out.
    frame = pd.DataFrame(list(AccountMetrics.objects.filter(channel=CHANNEL).exclude(stage="prospect").values()))
    frame["monetary"] = frame["monetary"].astype(float)
    return frame.sort_values("account_id").reset_index(drop=True)


def aged(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows as a re-score today counts them: the days since each was scored added to its recency."""
    zone = zoneinfo.ZoneInfo(conf.channel_settings(CHANNEL).timezone)
    today = datetime.now(zone).date()
    days = frame["computed_at"].map(lambda at: (today - at.astimezone(zone).date()).days)
    recency = frame["recency_days"] + days
    return frame.assign(recency_days=recency, overdue_ratio=recency / frame["typical_interval_days"])


def expected(frame: pd.DataFrame, t: dict) -> pd.DataFrame:
    """Stage, CPM cell, RFM segment and churn flag by the definitions (DESIGN.md), row by row."""
    f, r, tenure, spend = frame["frequency"], frame["recency_days"], frame["tenure_days"], frame["monetary"]
    high = spend >= t["cpm_high_spend"]["JPY"]
    group = np.where(f <= 1, "first", np.where(tenure < t["cpm_toddler_max_tenure_days"], "toddler",
                     np.where(high & (tenure >= t["cpm_excellent_min_tenure_days"]), "excellent",
                              np.where(high, "trendy", "steady"))))
    status = np.where(r >= t["cpm_lapsed_after_days"], "lapsed", "active")
    repeats = f - 1
    stage = np.select([r >= t["lost_after_days"], r >= t["dormant_after_days"], repeats >= t["loyal_min_repeats"],
                       (repeats == 0) & (r <= t["new_customer_days"]), repeats == 0, repeats == 1],
                      ["lost", "dormant", "loyal", "new", "dormant", "first_repeat"], "repeat")
    r_score = 5 - sum((r >= b).astype(int) for b in t["rfm_r_bounds"])
    f_score = 1 + sum((f >= b).astype(int) for b in t["rfm_f_bounds"])
    m_score = 1 + sum((spend >= b).astype(int) for b in t["rfm_m_bounds"])
    fm = (f_score + m_score + 1) // 2
    return pd.DataFrame({"stage": stage, "cpm_cell": pd.Series(group) + "_" + status,
                         "rfm_segment": segment_of(r_score, fm),
                         "churn_risk": (frame["overdue_ratio"] > t["churn_grace_factor"]).astype(str)})


def test_proposal_preview_and_the_next_rescore_agree_with_pandas(scored_shop, gql):
    before = aged(stored())  # the demo shop was scored weeks ago: the preview counts as of today
    read = gql(READ, {"c": CHANNEL, "l": "ja"}, token())["data"]["ltvThresholds"]
    assert read["canEdit"] and json.loads(read["values"])["cpm_high_spend"] == {"JPY": 70000}
    # The proposal: quantiles of the channel's own stored rows.
    proposal, repeat = json.loads(read["proposal"]), before[before["frequency"] > 1]
    spend = np.percentile(repeat["monetary"], 80)
    assert proposal["cpm_high_spend"]["JPY"] == pytest.approx(float(f"{spend:.2g}"))
    assert proposal["cpm_toddler_max_tenure_days"] == max(30, 30 * int(np.ceil(np.percentile(repeat["tenure_days"], 40) / 30)))
    assert proposal["rfm_r_bounds"] == sorted(proposal["rfm_r_bounds"]) and len(set(proposal["rfm_r_bounds"])) == 4
    assert "80" in json.loads(read["proposalBasis"])["cpm_high_spend"]
    # The proposal validates as it is: one click proposes, the next previews it.
    assert gql(PREVIEW, {"c": CHANNEL, "i": json.dumps(proposal)}, token())["data"]["ltvThresholdsPreview"]

    body = gql(PREVIEW, {"c": CHANNEL, "i": json.dumps(CHANGES)}, token(STAFF))["data"]["ltvThresholdsPreview"]
    dims = {d["name"]: d for d in body["dimensions"]}
    assert body["accounts"] == len(before) > 100
    new = {**json.loads(read["values"]), **CHANGES}
    want = expected(before, new)
    # Now: stage, CPM and churn by the definitions with the values in force; RFM segments as stored (R and
    # M score by quantile, and every row aged alike keeps its fifth).
    old_values = expected(before, {**json.loads(read["values"]), "rfm_m_bounds": [1, 2, 3, 4]})
    old_values["rfm_segment"] = before["rfm_segment"]
    old_values = {dim: old_values[dim].astype(str) for dim in thresholds.DIMENSIONS}
    for dim in thresholds.DIMENSIONS:
        after = {c["value"]: c["after"] for c in dims[dim]["counts"] if c["after"]}
        assert after == {str(k): int(v) for k, v in want[dim].value_counts().items()}, dim
        now_ = {c["value"]: c["before"] for c in dims[dim]["counts"] if c["before"]}
        assert now_ == {str(k): int(v) for k, v in old_values[dim].astype(str).value_counts().items()}, dim
        moved = pd.DataFrame({"f": old_values[dim].astype(str), "t": want[dim].astype(str)})
        moved = moved[moved["f"] != moved["t"]].value_counts()
        assert {(m["from"], m["to"]): m["accounts"] for m in dims[dim]["moves"]} == moved.to_dict(), dim
        assert dims[dim]["changed"] == int(moved.sum())
    assert dims["cpm_cell"]["changed"] > 0 and dims["stage"]["changed"] > 0 and dims["churn_risk"]["changed"] > 0

    saved = gql(UPDATE, {"c": CHANNEL, "i": json.dumps(CHANGES)}, token())["data"]["ltvThresholdsUpdate"]
    assert saved["errors"] == [] and set(saved["changed"]) == set(CHANGES)
    assert ChannelThresholds.objects.get(channel=CHANNEL).values["cpm_lapsed_after_days"] == 150
    # The incremental re-score of every account, then the full recompute: both store the preview.
    update_accounts(before["account_id"].tolist())
    rescored = stored()
    for dim in ("stage", "cpm_cell", "rfm_segment"):
        assert rescored[dim].tolist() == want[dim].tolist(), dim
    recompute()
    full = stored()
    for dim in thresholds.DIMENSIONS:
        counts = full[dim].astype(str).value_counts().to_dict()
        assert counts == {c["value"]: c["after"] for c in dims[dim]["counts"] if c["after"]}, dim
    # The SKU rhythm per occasion, not per unit, as set (the wiring; the engine's own tests check its figures).
    tz = conf.channel_settings(CHANNEL).timezone
    lines, today = load.load_lines(CHANNEL, tz), datetime.now(zoneinfo.ZoneInfo(tz)).date()
    rhythm = {(r.account_id, r.sku): r.typical_interval_days for r in AccountSkuRhythm.objects.all()}
    occasions = replenishment(lines, today, per_unit=False)
    per_unit = replenishment(lines, today, per_unit=True)
    key = lambda frame: dict(zip(zip(frame["account_id"], frame["sku"]), frame["typical_interval_days"]))  # noqa: E731
    assert rhythm == pytest.approx(key(occasions)) and rhythm != pytest.approx(key(per_unit))
    # A second preview of the same changes: nothing moves any more.
    again = gql(PREVIEW, {"c": CHANNEL, "i": json.dumps(CHANGES)}, token())["data"]["ltvThresholdsPreview"]
    assert all(d["changed"] == 0 for d in again["dimensions"])


BAD = {"rfm_r_bounds": [30, 20, 60, 90], "cpm_high_spend": -5, "churn_grace_factor": 0.5,
       "lost_after_days": 60, "dormant_after_days": 90, "rfm_m_method": "fixed", "nonsense": 1}


def test_invalid_thresholds_name_each_field_in_ja_and_en_and_nothing_is_saved(gql, db):
    body = gql(PREVIEW, {"c": CHANNEL, "i": json.dumps(BAD)}, token())
    fields = {f["field"]: f for f in body["errors"][0]["extensions"]["fields"]}
    assert set(fields) == {"rfm_r_bounds", "cpm_high_spend", "churn_grace_factor", "lost_after_days",
                           "rfm_m_bounds", "nonsense"}
    assert fields["rfm_r_bounds"]["message"].startswith("must increase")
    assert fields["rfm_r_bounds"]["messageJa"] == "前の値より大きくなるように指定してください"
    assert fields["lost_after_days"]["message"] == "must be above dormant_after_days"
    assert fields["churn_grace_factor"]["messageJa"].startswith("1〜10")
    saved = gql(UPDATE, {"c": CHANNEL, "i": json.dumps(BAD)}, token())["data"]["ltvThresholdsUpdate"]
    assert {e["field"] for e in saved["errors"]} == set(fields)
    assert all(e["messageJa"] and e["message"] for e in saved["errors"])
    long = gql(UPDATE, {"c": "x" * 200, "i": "{}"}, token())["data"]["ltvThresholdsUpdate"]["errors"]
    assert [e["field"] for e in long] == ["channel"]
    assert not ChannelThresholds.objects.exists()
    # ja and en in step: every reason has both.
    assert all(en and ja and en != ja for en, ja in thresholds.REASONS.values())


def test_saving_needs_the_permission_that_edits_settings(gql, db):
    denied = gql(UPDATE, {"c": CHANNEL, "i": '{"churn_grace_factor": 2}'}, token(STAFF))
    assert denied["errors"][0]["extensions"]["requiredPermissions"] == ["MANAGE_PLUGINS"]
    assert not ChannelThresholds.objects.exists()
    assert gql(READ, {"c": CHANNEL}, token(STAFF))["data"]["ltvThresholds"]["canEdit"] is False
    done = gql(UPDATE, {"c": CHANNEL, "i": '{"churn_grace_factor": 2}'}, token())["data"]["ltvThresholdsUpdate"]
    assert done["changed"] == ["churn_grace_factor"] and done["thresholds"]["updatedBy"] == "admin@shop.example"
    # null restores the default, and the record keeps only what differs from it.
    gql(UPDATE, {"c": CHANNEL, "i": '{"churn_grace_factor": null}'}, token())
    assert ChannelThresholds.objects.get(channel=CHANNEL).values == {}
