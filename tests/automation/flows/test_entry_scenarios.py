"""The nine scenarios as template flows (settings → published versions, the data migration)
and entry's idempotency under two scans at once."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from saleor_ltv_plugin.automation.catalog import SCENARIOS
from saleor_ltv_plugin.automation.flows import scenarios
from saleor_ltv_plugin.automation.flows.entry import enter
from saleor_ltv_plugin.automation.flows.templates import template
from saleor_ltv_plugin.automation.scan import scan
from saleor_ltv_plugin.models import (
    AccountMetrics,
    Enrollment,
    Flow,
    FlowSegmentMember,
    OutboxMessage,
    SavedSegment,
    ScenarioSetting,
)

from ..conftest import enable
from .world import CHANNEL, accounts, live_flow, mail_flow

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc)
APP = "saleor_ltv_plugin"
BEFORE, AFTER = (APP, "0021_flow_segment_members"), (APP, "0022_scenarios_become_flows")


@pytest.mark.django_db(transaction=True)
def test_two_scans_of_the_same_moment_enter_each_account_once(shop_settings):
    ids = accounts([{"stage": "loyal", "monetary": 900000}] * 300 + [{"stage": "new"}] * 50)
    big = SavedSegment.objects.create(name="big", channel=CHANNEL, filter={"monetary": {"gte": "500000"}})
    live_flow(mail_flow({"kind": "metric", "metric": "stage", "to": "loyal"}), key="loyal")
    live_flow(mail_flow({"kind": "segment", "segment_id": big.pk, "on": "enter"}), key="joins")
    errors, results = [], []

    def run():
        try:
            results.append(enter(now=NOW))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for key in ("loyal", "joins"):
        rows = list(Enrollment.objects.filter(scenario=key).values_list("account_id", flat=True))
        assert sorted(rows) == sorted(ids[:300])
        assert sum(r[f"{CHANNEL}/{key}"] for r in results) == 300  # one scan made them, the other found them
    assert FlowSegmentMember.objects.count() == 300


@pytest.mark.django_db
def test_a_scenario_setting_is_published_as_its_template_flow(shop_settings):
    enable("churn_risk", delays_hours=[0, 48], call_top_rfm_rank=3, copy={"ja": {"subject": "ご無沙汰しています"}})
    scan(now=NOW)
    flow = Flow.objects.get(channel=CHANNEL, key="churn_risk")
    params = ScenarioSetting.objects.get().params
    assert (flow.template_key, flow.state, flow.name) == ("churn_risk", "live", SCENARIOS["churn_risk"].title["ja"])
    assert flow.live_version.definition == template("churn_risk", params)
    mails = [s for s in flow.live_version.definition["steps"] if s["kind"] == "send"]
    assert [m["content"]["copy"] for m in mails] == [{"ja": {"subject": "ご無沙汰しています"}}] * 2
    split = next(s for s in flow.live_version.definition["steps"] if s["kind"] == "split")
    assert split["condition"]["value"] == 3
    scan(now=NOW + timedelta(minutes=1))
    assert flow.versions.count() == 1  # nothing changed, nothing published
    enable("churn_risk", delays_hours=[0, 72])
    scan(now=NOW + timedelta(minutes=2))
    flow.refresh_from_db()
    assert flow.live_version.number == 2 and flow.live_version.definition == template("churn_risk",
                                                                                       {"delays_hours": [0, 72]})
    ScenarioSetting.objects.filter(scenario="churn_risk").update(enabled=False, updated_at=NOW + timedelta(days=999))
    scan(now=NOW + timedelta(minutes=3))
    flow.refresh_from_db()
    assert flow.state == "paused" and flow.versions.count() == 2


@pytest.mark.django_db
def test_a_template_flow_edited_after_its_setting_is_not_overwritten_by_the_scan(shop_settings):
    enable("winback")
    scan(now=NOW)
    flow = Flow.objects.get(key="winback")
    edited = template("winback", {"delays_hours": [0, 100]})
    flow.live_version.definition = edited
    flow.live_version.save()
    flow.save()  # the flow editor's publish: the flow is newer than the setting
    scan(now=NOW + timedelta(minutes=1))
    flow.refresh_from_db()
    assert flow.versions.count() == 1 and flow.live_version.definition == edited


@pytest.mark.django_db
def test_segment_scenario_parameter_still_starts_the_scenario_for_segment_members(shop_settings):
    """`segment_id` of a ready scenario adds the segment's members (it was never a filter)."""
    ids = accounts([{"monetary": 900000, "stage": "repeat"}, {"monetary": 10, "stage": "repeat"}])
    big = SavedSegment.objects.create(name="big", channel=CHANNEL, filter={"monetary": {"gte": "500000"}})
    enable("winback", segment_id=big.pk, delays_hours=[0])
    scan(now=NOW)
    assert list(Enrollment.objects.values_list("account_id", flat=True)) == [ids[0]]
    assert Enrollment.objects.get().flow_version == Flow.objects.get(key="winback").live_version


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_turns_scenario_settings_into_flows_and_closes_todays_enrollments():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    try:
        Setting = old.get_model(APP, "ScenarioSetting")
        Setting.objects.create(channel=CHANNEL, scenario="reorder_reminder", enabled=True,
                               params={"lead_days": 5, "holdout_percent": 20}, updated_by="ops@shop.example")
        Setting.objects.create(channel=CHANNEL, scenario="winback", enabled=False, params={"delays_hours": [0, 24]})
        Setting.objects.create(channel="b2b-channel", scenario="churn_risk", enabled=True, params={})
        account = old.get_model(APP, "Account").objects.create(channel=CHANNEL, currency="JPY", key_kind="company",
                                                               key="acme")
        enrollment = old.get_model(APP, "Enrollment").objects.create(
            scenario="reorder_reminder", channel=CHANNEL, trigger_ref="reorder:1:2026-06-03", account_id=account.pk,
            anchor_at=NOW)
        old.get_model(APP, "OutboxMessage").objects.create(
            idempotency_key="reorder_reminder:default-channel:reorder:1:2026-06-03:0:1", enrollment=enrollment,
            scenario="reorder_reminder", channel=CHANNEL, step=0, kind="email", due_at=NOW + timedelta(days=1))
        executor = MigrationExecutor(connection)
        executor.migrate([AFTER])
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes(APP))

    flows = {(f.channel, f.key): f for f in Flow.objects.select_related("live_version")}
    assert set(flows) == {(CHANNEL, "reorder_reminder"), (CHANNEL, "winback"), ("b2b-channel", "churn_risk")}
    reorder = flows[(CHANNEL, "reorder_reminder")]
    assert (reorder.state, reorder.template_key, reorder.live_version.number, reorder.live_version.published_by) == \
        ("live", "reorder_reminder", 1, "ops@shop.example")
    assert reorder.live_version.definition == template("reorder_reminder", {"lead_days": 5, "holdout_percent": 20})
    assert reorder.live_version.definition["trigger"]["lead_days"] == 5
    assert reorder.live_version.definition["holdout_percent"] == 20
    winback = flows[(CHANNEL, "winback")]
    assert winback.state == "draft" and winback.live_version is None
    assert winback.draft == template("winback", {"delays_hours": [0, 24]})
    assert flows[("b2b-channel", "churn_risk")].state == "live"
    moved = Enrollment.objects.get()
    assert (moved.flow_id, moved.state, moved.next_at, moved.flow_version_id) == (reorder.pk, "done", None, None)
    assert OutboxMessage.objects.get().status == "pending"  # the outbox still sends it


@pytest.mark.django_db
def test_todays_scenario_references_are_kept_so_migrated_enrollments_are_not_entered_twice(shop_settings):
    """An account already enrolled by the old scan (same reference) is not entered again."""
    old, new = accounts([{"stage": "dormant", "recency_days": 125}] * 2)
    last = AccountMetrics.objects.get(account_id=old).last_purchase_at
    Enrollment.objects.create(scenario="winback", channel=CHANNEL, trigger_ref=f"winback:{old}:{last}",
                              account_id=old, anchor_at=NOW, state="done")
    enable("winback")
    assert scan(now=NOW) == {f"{CHANNEL}/winback": 1}
    # the new one had its first mail and waits two weeks for the second (the runtime moved it on)
    assert set(Enrollment.objects.values_list("account_id", "state", "position")) == {
        (old, "done", ""), (new, "active", "1")}
    assert scenarios.sync() == 0
