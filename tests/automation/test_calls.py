"""The call list end to end: a flow's call task reaches the list with the company, the buyer, the phone
and the recent orders; staff record outcomes (permission-checked, with who and when); a split on the
last call outcome sends each enrollment down its branch."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from graphene import relay

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.flows import runtime
from saleor_ltv_plugin.models import AccountTag, Alert, CallOutcome, Contact, FlowStepRun, OrderFact

from ..graphql.conftest import GraphQLClient
from .flows.flowshop import CHANNEL, buyers, document, enroll, live_flow, order

pytestmark = pytest.mark.django_db
CALLS = """query { ltvAlerts(channel: "default-channel", kind: "call", first: 10) { edges { node { id state
  account { name contacts { lastName firstName phone } orders(first: 3) { number createdAt total { amount } } }
  lastCallOutcome { outcome callbackOn note recordedBy recordedAt } callOutcomes { outcome } } } } }"""
RECORD = """mutation($id: ID!, $outcome: LtvCallOutcomeKind!, $on: Date, $note: String) {
  ltvCallOutcomeRecord(id: $id, outcome: $outcome, callbackOn: $on, note: $note) {
  alert { state lastCallOutcome { outcome callbackOn } } errors { field message code } } }"""


def call_flow() -> dict:
    return document([{"id": "call", "kind": "staff", "channel": "call_task", "next": "wait"},
                     {"id": "wait", "kind": "delay", "hours": 24, "next": "c"},
                     {"id": "c", "kind": "split", "condition": {"kind": "call_outcome", "outcome": "ordered"},
                      "yes": "y", "no": "n"},
                     {"id": "y", "kind": "update", "action": "add_tag", "tag": "ordered_by_phone", "next": None},
                     {"id": "n", "kind": "exit"}], exit_on=())


def test_call_tasks_show_who_to_call_and_their_outcome_steers_the_flow(key_for):
    gql = GraphQLClient()
    accounts = buyers(3)
    for i, account in enumerate(accounts):
        Contact.objects.filter(accountcontact__account=account).update(
            phone=f"+81312345{i:03d}", last_name="山田", first_name=f"太郎{i}")
        for day in (40, 20, 10, 5):  # four orders: the list shows the latest three
            order(account, timezone.now() - timedelta(days=day + i), external_id=f"o-{account.pk}-{day}")
    for row in OrderFact.objects.all():
        OrderFact.objects.filter(pk=row.pk).update(number=row.external_id)
    version = live_flow(call_flow(), key="escalation")
    enroll(version, accounts)
    runtime.tick()
    assert outbox.send_due() == {"sent": 3}
    reader, caller = key_for("metrics:read"), key_for("metrics:read", "alerts:write")
    tasks = {e["node"]["account"]["name"]: e["node"] for e in gql(CALLS, token=reader)["data"]["ltvAlerts"]["edges"]}
    assert set(tasks) == {a.display_name for a in accounts}
    first = tasks[accounts[0].display_name]
    assert first["account"]["contacts"] == [{"lastName": "山田", "firstName": "太郎0", "phone": "+81312345000"}]
    expected = list(OrderFact.objects.filter(account=accounts[0]).order_by("-created_at")
                    .values_list("external_id", flat=True)[:3])
    assert [o["number"] for o in first["account"]["orders"]] == expected
    assert first["lastCallOutcome"] is None and first["callOutcomes"] == []

    ids = [tasks[a.display_name]["id"] for a in accounts]
    denied = gql(RECORD, {"id": ids[0], "outcome": "ORDERED"}, reader)
    assert denied["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    assert not CallOutcome.objects.exists()

    def record(i, outcome, **extra):
        return gql(RECORD, {"id": ids[i], "outcome": outcome, **extra}, caller)["data"]["ltvCallOutcomeRecord"]

    assert record(0, "NO_ANSWER")["alert"]["state"] == "acknowledged"
    assert record(0, "ORDERED", note="電話で20箱の注文")["alert"] == {
        "state": "closed", "lastCallOutcome": {"outcome": "ORDERED", "callbackOn": None}}
    assert record(1, "REACHED")["alert"]["state"] == "closed"
    missing = record(2, "CALLBACK")
    assert missing["errors"][0]["field"] == "callbackOn" and missing["alert"] is None
    past = record(2, "CALLBACK", on=(date.today() - timedelta(days=2)).isoformat())
    assert past["errors"][0]["field"] == "callbackOn"
    stray = record(1, "LOST", on=date.today().isoformat())
    assert stray["errors"][0]["field"] == "callbackOn"
    callback_on = (date.today() + timedelta(days=3)).isoformat()
    assert record(2, "CALLBACK", on=callback_on)["alert"] == {
        "state": "acknowledged", "lastCallOutcome": {"outcome": "CALLBACK", "callbackOn": callback_on}}
    assert CallOutcome.objects.count() == 4  # the refused ones wrote nothing
    last = gql(CALLS, token=reader)["data"]["ltvAlerts"]["edges"]
    mine = next(e["node"] for e in last if e["node"]["id"] == ids[0])
    assert [o["outcome"] for o in mine["callOutcomes"]] == ["ORDERED", "NO_ANSWER"]
    assert mine["lastCallOutcome"]["note"] == "電話で20箱の注文" and mine["lastCallOutcome"]["recordedBy"] == "test"
    recorded = CallOutcome.objects.get(outcome="ordered")
    assert recorded.enrollment.account_id == accounts[0].pk
    assert abs((timezone.now() - recorded.recorded_at).total_seconds()) < 60

    churn = Alert.objects.create(kind="churn_risk", channel=CHANNEL, account=accounts[0], source_key="not-a-call")
    wrong = gql(RECORD, {"id": relay.Node.to_global_id("LtvAlert", churn.pk), "outcome": "REACHED"}, caller)
    assert wrong["data"]["ltvCallOutcomeRecord"]["errors"][0]["field"] == "id"

    runtime.tick(now=timezone.now() + timedelta(hours=25))
    assert set(AccountTag.objects.filter(tag="ordered_by_phone").values_list("account_id", flat=True)) == {
        accounts[0].pk}
    branches = dict(FlowStepRun.objects.filter(step_id="c").values_list("enrollment__account_id", "branch"))
    assert branches == {accounts[0].pk: "yes", accounts[1].pk: "no", accounts[2].pk: "no"}
