"""Scenarios, the alert inbox and the scenario report over GraphQL."""

import json
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from graphene import relay
from scipy import stats

from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.models import Account, Alert, Enrollment, OutboxMessage, SavedSegment, ScenarioSetting

from ..conftest import make_order

pytestmark = pytest.mark.django_db
CHANNEL = "default-channel"

SCENARIOS = """query { ltvScenarios(channel: "default-channel") { key title(language: "ja") enabled holdoutPercent
  mailsBuyer staffSteps stopOn params { name value default } } }"""
UPDATE = """mutation($s: ID!, $input: LtvScenarioInput!) { ltvScenarioUpdate(channel: "default-channel", scenario: $s,
  input: $input) { scenario { key enabled params { name value } } errors { field message code } } }"""


def params_of(scenario):
    return {p["name"]: json.loads(p["value"]) if p["value"] is not None else None for p in scenario["params"]}


def test_scenarios_are_listed_with_their_settings_and_edited_with_manage_plugins(gql, key_for, settings):
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "holdout_percent": 15}
    listed = gql(SCENARIOS, token=key_for())["data"]["ltvScenarios"]
    assert [s["key"] for s in listed] == [
        "abandoned_checkout", "browse_abandonment", "registered_no_purchase", "reorder_reminder", "churn_risk",
        "high_intent", "winback", "f2_followup", "shipping_followup", "cross_sell"]
    by_key = {s["key"]: s for s in listed}
    assert by_key["abandoned_checkout"]["title"] == "カゴ落ちフォロー"
    assert params_of(by_key["abandoned_checkout"])["delays_hours"] == [1, 24, 72]
    assert not any(s["enabled"] for s in listed)
    assert by_key["churn_risk"]["holdoutPercent"] == 15 and by_key["high_intent"]["holdoutPercent"] == 0
    assert by_key["churn_risk"]["staffSteps"] == ["staff_alert", "staff_email", "staff_webhook", "call_task"]

    reader = gql(UPDATE, {"s": "churn_risk", "input": {"enabled": True}}, key_for())
    assert reader["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    admin = key_for("settings:write", "metrics:read")
    done = gql(UPDATE, {"s": "churn_risk", "input": {"enabled": True, "params": json.dumps(
        {"delays_hours": [0, 72], "holdout_percent": 20, "copy": {"ja": {"subject": "ご無沙汰しております"}}})}},
        admin)["data"]["ltvScenarioUpdate"]
    assert done["errors"] == [] and done["scenario"]["enabled"] is True
    row = ScenarioSetting.objects.get(channel=CHANNEL, scenario="churn_risk")
    assert row.params == {"delays_hours": [0, 72], "holdout_percent": 20, "copy": {"ja": {"subject": "ご無沙汰しております"}}}
    # null restores a default
    gql(UPDATE, {"s": "churn_risk", "input": {"params": json.dumps({"delays_hours": None})}}, admin)
    row.refresh_from_db()
    assert "delays_hours" not in row.params and row.enabled


@pytest.mark.parametrize("params, field, words", [
    ({"delays_hours": [24, 1]}, "input.params.delaysHours", "ascending"),
    ({"delays_hours": "soon"}, "input.params.delaysHours", "list of 1 to 5 hours"),
    ({"lead_days": 3}, "input.params.leadDays", "unknown parameter"),
    ({"min_total": -1}, "input.params.minTotal", "from 0"),
    ({"holdout_percent": 80}, "input.params.holdoutPercent", "50"),
    ({"copy": {"fr": {"subject": "x"}}}, "input.params.copy", "unknown language"),
    ({"segment_id": 999}, None, None),
])
def test_bad_scenario_parameters_are_named_and_nothing_is_saved(gql, key_for, params, field, words):
    if field is None:  # a segment of another channel is as unknown as a missing one
        segment = SavedSegment.objects.create(name="x", channel="other", filter={})
        params, field, words = {"segment_id": segment.pk}, "input.params.segmentId", "no saved segment"
    result = gql(UPDATE, {"s": "winback" if "segment_id" in params else "abandoned_checkout",
                          "input": {"enabled": True, "params": json.dumps(params)}},
                 key_for("settings:write"))["data"]["ltvScenarioUpdate"]
    (error,) = result["errors"]
    assert error["field"] == field and words in error["message"] and error["code"] == "INVALID"
    assert not ScenarioSetting.objects.exists()


def test_unknown_scenario_is_not_found(gql, key_for):
    result = gql(UPDATE, {"s": "spam_everyone", "input": {"enabled": True}}, key_for("settings:write"))
    assert result["data"]["ltvScenarioUpdate"]["errors"][0]["code"] == "NOT_FOUND"


ALERTS = """query($state: String, $kind: String) { ltvAlerts(channel: "default-channel", state: $state, kind: $kind,
  first: 10) { totalCount edges { node { id kind state priority assignee note account { name } } } } }"""
ACK = """mutation($id: ID!) { ltvAlertAcknowledge(id: $id) { alert { state assignee } errors { field code } } }"""
CLOSE = """mutation($id: ID!, $note: String) { ltvAlertClose(id: $id, note: $note) { alert { state note }
  errors { field message code } } }"""


def make_alerts():
    upsert_orders([make_order("a-1", company="Top Co"), make_order("a-2", company="Small Co")])
    top, small = Account.objects.get(display_name="Top Co"), Account.objects.get(display_name="Small Co")
    Alert.objects.create(kind="churn_risk", channel=CHANNEL, account=small, source_key="k1", priority=4)
    Alert.objects.create(kind="churn_risk", channel=CHANNEL, account=top, source_key="k2", priority=1)
    Alert.objects.create(kind="call", channel=CHANNEL, account=top, source_key="k3", priority=1)


def test_the_alert_inbox_lists_by_priority_and_staff_work_it(gql, key_for):
    make_alerts()
    reader, worker = key_for("metrics:read"), key_for("metrics:read", "alerts:write")
    inbox = gql(ALERTS, {"state": "open", "kind": "churn_risk"}, reader)["data"]["ltvAlerts"]
    assert inbox["totalCount"] == 2
    assert [e["node"]["account"]["name"] for e in inbox["edges"]] == ["Top Co", "Small Co"]
    first = inbox["edges"][0]["node"]["id"]
    denied = gql(ACK, {"id": first}, reader)
    assert denied["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    acked = gql(ACK, {"id": first}, worker)["data"]["ltvAlertAcknowledge"]
    assert acked["alert"]["state"] == "acknowledged" and acked["alert"]["assignee"] == "test"
    closed = gql(CLOSE, {"id": first, "note": "電話済み: 来月発注予定"}, worker)["data"]["ltvAlertClose"]
    assert closed["alert"] == {"state": "closed", "note": "電話済み: 来月発注予定"}
    assert gql(ALERTS, {"state": "open", "kind": "churn_risk"}, reader)["data"]["ltvAlerts"]["totalCount"] == 1
    assert gql(ALERTS, {"state": "closed"}, reader)["data"]["ltvAlerts"]["totalCount"] == 1
    again = gql(ACK, {"id": first}, worker)["data"]["ltvAlertAcknowledge"]
    assert again["errors"][0]["field"] == "id"
    calls = gql(ALERTS, {"kind": "call"}, reader)["data"]["ltvAlerts"]
    assert calls["totalCount"] == 1
    bad = gql(ALERTS, {"state": "snoozed"}, reader)
    assert "state" in bad["errors"][0]["message"]
    wrong = gql(CLOSE, {"id": relay.Node.to_global_id("LtvAccount", 1)}, worker)["data"]["ltvAlertClose"]
    assert wrong["errors"][0]["code"] == "NOT_FOUND"


REPORT = """query($since: Date, $until: Date) { ltvScenarioReport(channel: "default-channel", since: $since,
  until: $until) { currency toolCost attributionWindowDays total { sent attributedRevenue }
  scenarios { scenario enrolled holdout sent opened clicked openRate clickRate attributedOrders attributedRevenue
  treatedRevenuePerEnrollment holdoutRevenuePerEnrollment incrementalRevenue incrementalRevenueLow
  incrementalRevenueHigh incrementalVerdict ja: incrementalVerdictText(language: "ja")
  en: incrementalVerdictText cost roas incrementalRoas skipped } } }"""


def test_the_report_credits_orders_in_the_window_after_a_send_and_compares_with_the_holdout(gql, key_for, settings):
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "attribution_window_days": 7, "tool_cost_per_month": 30000}
    t0 = datetime(2026, 9, 10, 1, 0, tzinfo=timezone.utc)  # 10:00 in Tokyo
    orders = [
        make_order("a1-before", company="A1", created_at=t0 - timedelta(days=1), gross="9999"),
        make_order("a1-after", company="A1", created_at=t0 + timedelta(days=2), gross="11000"),
        make_order("a2-late", company="A2", created_at=t0 + timedelta(days=10), gross="7000"),
        make_order("a3-holdout", company="A3", created_at=t0 + timedelta(days=3), gross="5500"),
        make_order("a4-seed", company="A4", created_at=t0 - timedelta(days=200), gross="1000"),
    ]
    upsert_orders(orders)
    accounts = {a.display_name: a for a in Account.objects.all()}
    for name, holdout in (("A1", False), ("A2", False), ("A3", True), ("A4", True)):
        enrollment = Enrollment.objects.create(scenario="winback", channel=CHANNEL, trigger_ref=f"winback:{name}",
                                               account=accounts[name], anchor_at=t0, holdout=holdout)
        Enrollment.objects.filter(pk=enrollment.pk).update(created_at=t0)
        if not holdout:
            OutboxMessage.objects.create(
                idempotency_key=f"k-{name}", enrollment=enrollment, scenario="winback", channel=CHANNEL, step=0,
                kind="email", account=accounts[name], due_at=t0, status="sent", sent_at=t0,
                opened_at=t0 + timedelta(hours=1) if name == "A1" else None,
                clicked_at=t0 + timedelta(hours=1) if name == "A1" else None)
    skipped = Enrollment.objects.get(trigger_ref="winback:A2")
    OutboxMessage.objects.create(idempotency_key="k-skip", enrollment=skipped, scenario="winback", channel=CHANNEL,
                                 step=1, kind="email", account=accounts["A2"], due_at=t0, status="skipped",
                                 skip_reason="unsubscribed")
    OutboxMessage.objects.filter(idempotency_key="k-skip").update(created_at=t0)

    data = gql(REPORT, {"since": "2026-09-01", "until": "2026-09-30"}, key_for())["data"]["ltvScenarioReport"]
    winback = next(s for s in data["scenarios"] if s["scenario"] == "winback")
    # By hand: A1's 11000 two days after its mail is credited (its order the day before is not);
    # A2's order ten days later is outside the 7-day window.
    assert (winback["sent"], winback["opened"], winback["clicked"]) == (2, 1, 1)
    assert winback["openRate"] == 0.5 and winback["clickRate"] == 0.5
    assert (winback["attributedOrders"], winback["attributedRevenue"]) == (1, 11000.0)
    # Treated A1, A2 earned 11000 and 0 within the window; holdout A3, A4 earned 5500 and 0.
    assert (winback["enrolled"], winback["holdout"]) == (4, 2)
    assert winback["treatedRevenuePerEnrollment"] == 5500.0 and winback["holdoutRevenuePerEnrollment"] == 2750.0
    assert winback["incrementalRevenue"] == (5500.0 - 2750.0) * 2
    # Two per group: Welch's interval (scipy's, times the 2 treated) and "too small to tell".
    ci = stats.ttest_ind([11000, 0], [5500, 0], equal_var=False).confidence_interval(0.95)
    assert winback["incrementalRevenueLow"] == pytest.approx(ci.low * 2, abs=0.01)
    assert winback["incrementalRevenueHigh"] == pytest.approx(ci.high * 2, abs=0.01)
    assert winback["incrementalVerdict"] == "TOO_SMALL"
    assert winback["en"].startswith("too small to tell") and "少なすぎて判定できません" in winback["ja"]
    cost = (Decimal(30000) * 30 / Decimal("30.4375")).quantize(Decimal("0.001"))
    assert data["toolCost"] == float(cost) and winback["cost"] == float(cost)  # all mail is this scenario's
    assert winback["roas"] == pytest.approx(11000 / float(cost))
    assert winback["incrementalRoas"] == pytest.approx(5500 / float(cost))
    assert json.loads(winback["skipped"]) == {"unsubscribed": 1}
    assert data["currency"] == "JPY" and data["total"] == {"sent": 2, "attributedRevenue": 11000.0}
    others = [s for s in data["scenarios"] if s["scenario"] != "winback"]
    assert all(s["sent"] == 0 and s["roas"] is None for s in others)


def test_report_range_is_checked(gql, key_for):
    result = gql(REPORT, {"since": "2026-09-30", "until": "2026-09-01"}, key_for())
    assert "since" in result["errors"][0]["message"]


MESSAGES = """query($a: ID!) { ltvAccountMessages(account: $a, first: 10) { scenario kind step status skipReason
  toEmail sentAt openedAt } }"""


def test_an_accounts_messages_show_what_was_sent_and_skipped(gql, key_for):
    upsert_orders([make_order("m-1", company="Msg Co", email="buyer@msg.example")])
    account = Account.objects.get(display_name="Msg Co")
    contact = account.contacts.get()
    now = datetime(2026, 9, 10, tzinfo=timezone.utc)
    enrollment = Enrollment.objects.create(scenario="winback", channel=CHANNEL, trigger_ref="w", account=account,
                                           anchor_at=now)
    for step, status, reason in ((0, "sent", ""), (1, "skipped", "ordered")):
        OutboxMessage.objects.create(idempotency_key=f"m{step}", enrollment=enrollment, scenario="winback",
                                     channel=CHANNEL, step=step, kind="email", account=account, contact=contact,
                                     due_at=now + timedelta(days=step), status=status, skip_reason=reason,
                                     sent_at=now if status == "sent" else None)
    rows = gql(MESSAGES, {"a": relay.Node.to_global_id("LtvAccount", account.pk)}, key_for())["data"]
    assert rows["ltvAccountMessages"] == [
        {"scenario": "winback", "kind": "email", "step": 1, "status": "skipped", "skipReason": "ordered",
         "toEmail": "buyer@msg.example", "sentAt": None, "openedAt": None},
        {"scenario": "winback", "kind": "email", "step": 0, "status": "sent", "skipReason": "",
         "toEmail": "buyer@msg.example", "sentAt": "2026-09-10T00:00:00+00:00", "openedAt": None},
    ]
    bad = gql(MESSAGES, {"a": "nonsense"}, key_for())
    assert "account" in bad["errors"][0]["message"]


def test_buyer_mail_cannot_be_switched_on_until_the_sender_block_is_complete(gql, key_for, settings):
    """特定電子メール法: who sends, their address, where they are; links to the shop's public URL."""
    settings.LTV_PLUGIN = {k: v for k, v in settings.LTV_PLUGIN.items()
                           if k not in ("sender_name", "sender_email", "sender_postal_address", "public_url")}
    settings.DEFAULT_FROM_EMAIL = "webmaster@localhost"  # Django's default is no sender either
    admin = key_for("settings:write")
    for scenario in ("abandoned_checkout", "churn_risk", "winback"):
        refused = gql(UPDATE, {"s": scenario, "input": {"enabled": True}}, admin)["data"]["ltvScenarioUpdate"]
        assert {e["field"] for e in refused["errors"]} == {
            "settings.senderName", "settings.senderEmail", "settings.senderPostalAddress", "settings.publicUrl"}
        assert {e["code"] for e in refused["errors"]} == {"SENDER_INCOMPLETE"}
        assert all("特定電子メール法" in e["message"] for e in refused["errors"])
    assert not ScenarioSetting.objects.filter(enabled=True).exists()
    # staff-only scenarios mail no buyer; tuning a switched-off one is allowed too
    staff = gql(UPDATE, {"s": "high_intent", "input": {"enabled": True}}, admin)["data"]["ltvScenarioUpdate"]
    assert staff["errors"] == [] and staff["scenario"]["enabled"] is True
    tuned = gql(UPDATE, {"s": "winback", "input": {"params": json.dumps({"holdout_percent": 10})}},
                admin)["data"]["ltvScenarioUpdate"]
    assert tuned["errors"] == [] and tuned["scenario"]["enabled"] is False
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "sender_name": "山田商店", "sender_postal_address": "東京都千代田区1-1",
                           "public_url": "https://api.yamada-shop.example/plugins/global/saleor.ltv/"}
    half = gql(UPDATE, {"s": "winback", "input": {"enabled": True}}, admin)["data"]["ltvScenarioUpdate"]
    assert [e["field"] for e in half["errors"]] == ["settings.senderEmail"]
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "sender_email": "info@yamada-shop.example"}
    done = gql(UPDATE, {"s": "winback", "input": {"enabled": True}}, admin)["data"]["ltvScenarioUpdate"]
    assert done["errors"] == [] and done["scenario"]["enabled"] is True


TEXTS = """query($l: String) { ltvScenarios(channel: "default-channel") { key title(language: $l)
  description(language: $l) trigger(language: $l) params { name label(language: $l) help(language: $l) } } }"""
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{4,}")
# Words that stay as they are in Japanese copy: codes and the JSON keys of the copy override.
KEPT = {"subject", "intro", "cta", "AccountMetrics", "Saleor"}  # names, not English


def _texts(scenario):
    yield scenario["title"]
    yield scenario["description"]
    yield scenario["trigger"]
    for p in scenario["params"]:
        yield p["label"]
        yield p["help"]


def test_scenario_texts_come_in_japanese_and_english(gql, key_for):
    ja = gql(TEXTS, {"l": "ja"}, key_for())["data"]["ltvScenarios"]
    en = gql(TEXTS, {"l": "en"}, key_for())["data"]["ltvScenarios"]
    other = gql(TEXTS, {"l": "fr"}, key_for())["data"]["ltvScenarios"]
    assert other == en  # any other language: English
    for ja_s, en_s in zip(ja, en):
        for ja_text, en_text in zip(_texts(ja_s), _texts(en_s), strict=True):
            assert JAPANESE.search(ja_text), (ja_s["key"], ja_text)
            assert set(ENGLISH_WORD.findall(ja_text)) <= KEPT, (ja_s["key"], ja_text)
            assert en_text and not JAPANESE.search(en_text), (en_s["key"], en_text)
        assert [p["name"] for p in ja_s["params"]] == [p["name"] for p in en_s["params"]]


def test_the_verdict_enum_describes_each_value_in_english_and_japanese(gql, key_for):
    query = '{ __type(name: "LtvIncrementalVerdict") { enumValues { name description } } }'
    values = {v["name"]: v["description"] for v in gql(query, {}, key_for())["data"]["__type"]["enumValues"]}
    assert set(values) == {"TOO_SMALL", "INCONCLUSIVE", "POSITIVE", "NEGATIVE"}
    assert values["TOO_SMALL"].startswith("too small to tell") and "判定できません" in values["TOO_SMALL"]
    assert all(" / " in text for text in values.values())
