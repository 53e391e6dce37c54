"""Preview, test send and broadcasts over GraphQL: a real account fills the preview, the test mail
goes through a real SMTP server on loopback to the staff user only, broadcasts schedule and cancel."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from graphene import relay

from saleor_ltv_plugin.automation.content import template_content
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.models import Account, Enrollment, Flow, FlowVersion, OutboxMessage, SavedSegment
from saleor_ltv_plugin.hosts.standalone import tokens

from ..automation import smtp_sink
from ..conftest import make_order

pytestmark = pytest.mark.django_db
CHANNEL = "default-channel"
CREATE = """mutation($input: LtvFlowCreateInput!) { ltvFlowCreate(channel: "default-channel", input: $input) {
  flow { id draft } errors { field message code } } }"""
UPDATE = """mutation($id: ID!, $d: JSONString!) { ltvFlowUpdate(id: $id, input: {definition: $d}) {
  flow { problems { field code } } errors { field } } }"""
PREVIEW = """query($id: ID!, $step: String!, $account: ID, $lang: String) { ltvFlowPreview(id: $id, stepId: $step,
  accountId: $account, language: $lang) { subject preheader html text language account } }"""
TEST_SEND = """mutation($id: ID!, $step: String!, $account: ID, $lang: String) { ltvFlowTestSend(id: $id,
  stepId: $step, accountId: $account, language: $lang) { sentTo errors { field message code } } }"""
BROADCAST = """mutation($input: LtvBroadcastCreateInput!) { ltvBroadcastCreate(channel: "default-channel",
  input: $input) { flow { id kind state draft problems { field code step } } errors { field message code } } }"""
SCHEDULE = """mutation($id: ID!, $at: DateTime) { ltvBroadcastSchedule(id: $id, sendAt: $at) {
  flow { state liveVersion { number definition } } errors { field message code } problems { field code } } }"""
CANCEL = """mutation($id: ID!) { ltvBroadcastCancel(id: $id) { flow { state } errors { field message code } } }"""
INLINE = {"ja": {"subject": "{company}様へ新商品のご案内", "preheader": "今月の新商品",
                 "blocks": [{"kind": "text", "text": "いつもありがとうございます。"}]},
          "en": {"subject": "New this month", "blocks": [{"kind": "text", "text": "Thank you for your orders."}]}}


@pytest.fixture
def admin():
    return tokens.mint("admin@shop.example", ["MANAGE_PLUGINS", "MANAGE_USERS"])


@pytest.fixture
def buyers():
    upsert_orders([make_order("o-1", company="株式会社山田製作所", email="taro@yamada.example"),
                   make_order("o-2", company="Kansai Trading", email="ken@kansai.example")])
    return {a.display_name: a for a in Account.objects.all()}


@pytest.fixture
def sink(settings):
    controller, sink = smtp_sink.start()
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    yield sink
    controller.stop()


def account_id(account):
    return relay.Node.to_global_id("LtvAccount", account.pk)


def flow_from(gql, admin, template="winback"):
    return gql(CREATE, {"input": {"name": "Preview me", "templateKey": template}}, admin)["data"]["ltvFlowCreate"]["flow"]


def test_a_ready_mail_previews_for_a_real_account_in_either_language(gql, admin, buyers):
    flow = flow_from(gql, admin)
    yamada = buyers["株式会社山田製作所"]
    ja = gql(PREVIEW, {"id": flow["id"], "step": "0", "account": account_id(yamada), "lang": "ja"},
             admin)["data"]["ltvFlowPreview"]
    copy = template_content("winback", 0)  # the ready mail's own copy for its first step
    assert ja["language"] == "ja" and ja["subject"] == copy["ja"]["subject"]
    assert ja["account"] == account_id(yamada)
    assert "株式会社山田製作所" in ja["text"] and "株式会社山田製作所" in ja["html"]
    en = gql(PREVIEW, {"id": flow["id"], "step": "0", "account": account_id(buyers["Kansai Trading"]), "lang": "en"},
             admin)["data"]["ltvFlowPreview"]
    assert en["subject"] == copy["en"]["subject"] and "Kansai Trading" in en["text"]
    # no account given: the channel's latest buyer fills it
    default = gql(PREVIEW, {"id": flow["id"], "step": "0"}, admin)["data"]["ltvFlowPreview"]
    assert default["account"] in {account_id(a) for a in buyers.values()}
    assert not OutboxMessage.objects.exists() and not Enrollment.objects.exists()


def test_an_inline_mail_previews_its_own_subject(gql, admin, buyers):
    flow = flow_from(gql, admin)
    draft = json.loads(flow["draft"])
    draft["steps"][0]["content"] = INLINE
    assert gql(UPDATE, {"id": flow["id"], "d": json.dumps(draft)}, admin)["data"]["ltvFlowUpdate"]["errors"] == []
    shown = gql(PREVIEW, {"id": flow["id"], "step": "0", "lang": "en"}, admin)["data"]["ltvFlowPreview"]
    assert shown["subject"] == "New this month" and "Thank you for your orders." in shown["text"]
    shown = gql(PREVIEW, {"id": flow["id"], "step": "0", "lang": "ja"}, admin)["data"]["ltvFlowPreview"]
    assert shown["preheader"] == "今月の新商品" and "いつもありがとうございます。" in shown["html"]


@pytest.mark.parametrize("variables, field", [
    ({"step": "nope"}, "stepId"),
    ({"step": "d1"}, "stepId"),  # a delay sends nothing
    ({"step": "0", "account": "bad"}, "accountId"),
    ({"step": "0", "account": relay.Node.to_global_id("LtvAccount", 999999)}, "accountId"),
    ({"step": "0", "lang": "fr"}, "language"),
])
def test_preview_refusals_name_the_argument(gql, admin, buyers, variables, field):
    flow = flow_from(gql, admin)
    body = gql(PREVIEW, {"id": flow["id"], **variables}, admin)
    assert body["data"]["ltvFlowPreview"] is None
    assert body["errors"][0]["extensions"]["fields"][0]["field"] == field


def test_a_test_send_reaches_the_staff_user_only_through_smtp(gql, admin, buyers, sink):
    flow = flow_from(gql, admin)
    yamada = buyers["株式会社山田製作所"]
    done = gql(TEST_SEND, {"id": flow["id"], "step": "0", "account": account_id(yamada), "lang": "ja"},
               admin)["data"]["ltvFlowTestSend"]
    assert done == {"sentTo": "admin@shop.example", "errors": []}
    assert sink.count() == 1
    (mail_from, recipients), = sink.envelopes
    assert recipients == ["admin@shop.example"]
    message = sink.messages[0]
    assert message["Subject"].strip() == "[TEST] " + template_content("winback", 0)["ja"]["subject"]
    assert message["To"] == "admin@shop.example" and "shop@ltv.example" in mail_from
    body = message.get_body(("plain",)).get_content()
    assert "株式会社山田製作所" in body
    assert sink.to("taro@yamada.example") == [] and not OutboxMessage.objects.exists()


def test_a_test_send_needs_an_address_and_the_write_permission(gql, admin, buyers, sink, key_for):
    flow = flow_from(gql, admin)
    keyed = gql(TEST_SEND, {"id": flow["id"], "step": "0"}, key_for("settings:write"))["data"]["ltvFlowTestSend"]
    assert keyed["sentTo"] is None and keyed["errors"][0]["field"] == "email"
    assert keyed["errors"][0]["code"] == "REQUIRED"
    reader = tokens.mint("clerk@shop.example", ["MANAGE_USERS", "MANAGE_ORDERS"])
    denied = gql(TEST_SEND, {"id": flow["id"], "step": "0"}, reader)
    assert denied["errors"][0]["extensions"]["requiredPermissions"] == ["MANAGE_PLUGINS"]
    assert sink.count() == 0


def test_a_test_send_says_when_the_mail_server_refuses(gql, admin, buyers, sink):
    flow = flow_from(gql, admin)
    sink.refuse_with = "554 5.7.1 not today"
    done = gql(TEST_SEND, {"id": flow["id"], "step": "0"}, admin)["data"]["ltvFlowTestSend"]
    assert done["sentTo"] is None and done["errors"][0]["field"] == "email"
    assert "554" in done["errors"][0]["message"]


def segment():
    return SavedSegment.objects.create(name="Newsletter", channel=CHANNEL, filter={})


def test_a_broadcast_is_scheduled_then_cancelled_before_it_starts(gql, admin):
    seg = segment()
    made = gql(BROADCAST, {"input": {"name": "December news", "segmentId": relay.Node.to_global_id(
        "LtvSavedSegment", seg.pk), "content": json.dumps(INLINE)}}, admin)["data"]["ltvBroadcastCreate"]
    assert made["errors"] == [] and made["flow"]["kind"] == "BROADCAST" and made["flow"]["problems"] == []
    draft = json.loads(made["flow"]["draft"])
    assert draft["trigger"] == {"kind": "broadcast", "segment_id": seg.pk, "send_at": None}
    assert [s["kind"] for s in draft["steps"]] == ["send"] and draft["steps"][0]["content"] == INLINE
    at = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    scheduled = gql(SCHEDULE, {"id": made["flow"]["id"], "at": at.isoformat()}, admin)["data"]["ltvBroadcastSchedule"]
    assert scheduled["errors"] == [] and scheduled["flow"]["state"] == "LIVE"
    live = json.loads(scheduled["flow"]["liveVersion"]["definition"])
    assert live["trigger"]["send_at"] is not None
    from datetime import datetime
    assert datetime.fromisoformat(live["trigger"]["send_at"]) == at
    later = at + timedelta(days=1)
    again = gql(SCHEDULE, {"id": made["flow"]["id"], "at": later.isoformat()}, admin)["data"]["ltvBroadcastSchedule"]
    assert again["flow"]["liveVersion"]["number"] == 2
    cancelled = gql(CANCEL, {"id": made["flow"]["id"]}, admin)["data"]["ltvBroadcastCancel"]
    assert cancelled == {"flow": {"state": "ARCHIVED"}, "errors": []}


def test_a_broadcast_that_started_cannot_be_cancelled(gql, admin):
    seg = segment()
    made = gql(BROADCAST, {"input": {"name": "Now", "segmentId": relay.Node.to_global_id("LtvSavedSegment", seg.pk),
                                     "content": json.dumps(INLINE)}}, admin)["data"]["ltvBroadcastCreate"]["flow"]
    now = gql(SCHEDULE, {"id": made["id"]}, admin)["data"]["ltvBroadcastSchedule"]
    assert now["errors"] == [] and now["flow"]["state"] == "LIVE"  # no time: at once
    refused = gql(CANCEL, {"id": made["id"]}, admin)["data"]["ltvBroadcastCancel"]
    assert refused["flow"] is None and "started" in refused["errors"][0]["message"]
    assert Flow.objects.get().state == "live"


def test_broadcast_refusals_name_the_field(gql, admin):
    seg = segment()
    other = SavedSegment.objects.create(name="Other", channel="other", filter={})
    gid = relay.Node.to_global_id("LtvSavedSegment", seg.pk)
    cases = [({"name": "x", "segmentId": relay.Node.to_global_id("LtvSavedSegment", other.pk)}, "input.segmentId"),
             ({"name": "x", "segmentId": "garbage"}, "input.segmentId"),
             ({"name": "x", "segmentId": gid, "content": "[1]"}, "input.content"),
             ({"name": "x", "segmentId": gid, "sendAt": "2020-01-01T00:00:00+09:00"}, "input.sendAt"),
             ({"name": "", "segmentId": gid}, "input.name")]
    for input_, field in cases:
        result = gql(BROADCAST, {"input": input_}, admin)["data"]["ltvBroadcastCreate"]
        assert result["flow"] is None and result["errors"][0]["field"] == field, (input_, result)
    assert not Flow.objects.exists()
    made = gql(BROADCAST, {"input": {"name": "Empty", "segmentId": gid}}, admin)["data"]["ltvBroadcastCreate"]["flow"]
    assert {(p["field"], p["step"]) for p in made["problems"]} == {("steps[0].content.ja.subject", "send")}
    refused = gql(SCHEDULE, {"id": made["id"]}, admin)["data"]["ltvBroadcastSchedule"]
    assert refused["problems"] == [{"field": "steps[0].content.ja.subject", "code": "required"}]
    past = gql(SCHEDULE, {"id": made["id"], "at": "2020-01-01T00:00:00+00:00"}, admin)["data"]["ltvBroadcastSchedule"]
    assert past["errors"][0]["field"] == "sendAt"
    flow = flow_from(gql, admin)
    not_broadcast = gql(CANCEL, {"id": flow["id"]}, admin)["data"]["ltvBroadcastCancel"]
    assert not_broadcast["errors"][0]["message"] == "not a broadcast"
    assert not FlowVersion.objects.exists()
