"""Flows over GraphQL: create from every template and publish, drafts with problems, versions,
pause / resume / archive, permissions, templates and the vocabulary."""

import copy
import json

import pytest
from graphene import relay

from saleor_ltv_plugin.automation.flows import definition, templates
from saleor_ltv_plugin.models import Flow, FlowVersion, SavedSegment
from saleor_ltv_plugin.hosts.standalone import tokens

pytestmark = pytest.mark.django_db
CHANNEL = "default-channel"
FLOW = "id key kind name state templateKey draft hasUnpublishedChanges liveVersion { number definition } " \
       "versions { number publishedBy } problems { field message code step } entered active"
CREATE = """mutation($c: String!, $input: LtvFlowCreateInput!) { ltvFlowCreate(channel: $c, input: $input) {
  flow { %s } errors { field message code } } }""" % FLOW
UPDATE = """mutation($id: ID!, $input: LtvFlowUpdateInput!) { ltvFlowUpdate(id: $id, input: $input) {
  flow { %s } errors { field message code } } }""" % FLOW
PUBLISH = """mutation($id: ID!) { ltvFlowPublish(id: $id) { flow { %s } errors { field message code }
  problems { field message code step } } }""" % FLOW
STATE = """mutation($id: ID!) { %s(id: $id) { flow { state } errors { field message code } } }"""
FLOWS = """query($c: String!) { ltvFlows(channel: $c) { id key state } }"""
ONE = """query($id: ID!) { ltvFlow(id: $id) { %s } }""" % FLOW


@pytest.fixture
def admin():
    return tokens.mint("admin@shop.example", ["MANAGE_PLUGINS", "MANAGE_USERS"])


def create(gql, token, **input_):
    return gql(CREATE, {"c": CHANNEL, "input": input_}, token)["data"]["ltvFlowCreate"]


@pytest.mark.parametrize("key", templates.TEMPLATE_KEYS)
def test_every_template_makes_a_flow_that_publishes_as_version_1(gql, admin, key):
    made = create(gql, admin, name=f"My {key}", templateKey=key)
    assert made["errors"] == []
    flow = made["flow"]
    assert flow["state"] == "DRAFT" and flow["templateKey"] == key and flow["problems"] == []
    assert json.loads(flow["draft"]) == templates.template(key)
    assert flow["hasUnpublishedChanges"] and flow["liveVersion"] is None
    published = gql(PUBLISH, {"id": flow["id"]}, admin)["data"]["ltvFlowPublish"]
    assert published["errors"] == [] and published["problems"] == []
    flow = published["flow"]
    assert flow["state"] == "LIVE" and not flow["hasUnpublishedChanges"]
    assert [v["number"] for v in flow["versions"]] == [1] and flow["versions"][0]["publishedBy"] == "admin@shop.example"
    # the stored version is the template's definition, as parse reads it
    assert definition.parse(json.loads(flow["liveVersion"]["definition"]))[0] == templates.parsed(key)


def test_keys_come_from_the_name_unique_per_channel_and_given_keys_are_checked(gql, admin):
    first = create(gql, admin, name="Birthday mail 誕生日")["flow"]
    second = create(gql, admin, name="Birthday mail 誕生日")["flow"]
    japanese = create(gql, admin, name="誕生日メール")["flow"]
    assert (first["key"], second["key"], japanese["key"]) == ("birthday_mail", "birthday_mail_2", "flow")
    long = create(gql, admin, name="x" * 80)["flow"]
    assert len(long["key"]) == 32
    assert Flow.objects.filter(channel=CHANNEL).count() == 4
    for key, code in (("birthday_mail", "UNIQUE"), ("churn_risk", "UNIQUE"), ("Bad Key!", "INVALID"),
                      ("k" * 33, "INVALID")):
        refused = create(gql, admin, name="x", key=key)
        assert refused["flow"] is None and refused["errors"][0]["field"] == "input.key"
        assert refused["errors"][0]["code"] == code
    unknown = create(gql, admin, name="x", templateKey="spam_everyone")
    assert unknown["errors"] == [{"field": "input.templateKey", "code": "NOT_FOUND",
                                  "message": unknown["errors"][0]["message"]}]
    assert "abandoned_checkout" in unknown["errors"][0]["message"]
    empty = create(gql, admin, name="   ")
    assert empty["errors"][0]["field"] == "input.name" and empty["errors"][0]["code"] == "REQUIRED"
    assert Flow.objects.filter(channel=CHANNEL).count() == 4


def test_an_empty_flow_is_a_valid_draft(gql, admin):
    flow = create(gql, admin, name="From scratch")["flow"]
    assert flow["problems"] == [] and flow["templateKey"] is None
    assert definition.parse(json.loads(flow["draft"]))[1] == []


def test_a_draft_with_problems_is_kept_and_publishing_is_refused_naming_the_step(gql, admin):
    flow = create(gql, admin, name="Churn", templateKey="churn_risk")["flow"]
    draft = json.loads(flow["draft"])
    split = next(i for i, s in enumerate(draft["steps"]) if s["kind"] == "split")
    draft["steps"][split]["no"] = "nowhere"
    draft["steps"][0]["kind"] = "teleport"
    saved = gql(UPDATE, {"id": flow["id"], "input": {"definition": json.dumps(draft)}}, admin)["data"]["ltvFlowUpdate"]
    assert saved["errors"] == []
    assert json.loads(saved["flow"]["draft"]) == draft  # kept as written
    problems = {(p["field"], p["code"], p["step"]) for p in saved["flow"]["problems"]}
    expected = {(p.path, p.code, p.step) for p in definition.parse(draft)[1]}
    assert problems == expected
    assert (f"steps[{split}]", "dangling", "top_account") in problems and ("steps[0].kind", "unknown",
                                                                         draft["steps"][0]["id"]) in problems
    refused = gql(PUBLISH, {"id": flow["id"]}, admin)["data"]["ltvFlowPublish"]
    assert refused["flow"] is None
    assert {(e["field"], e["message"]) for e in refused["errors"]} == {(p.path, p.message) for p in
                                                                        definition.parse(draft)[1]}
    assert {p["step"] for p in refused["problems"]} >= {"top_account"}
    assert not FlowVersion.objects.exists() and Flow.objects.get().state == "draft"


def test_a_deleted_segment_is_a_problem_of_the_step_that_uses_it(gql, admin):
    segment = SavedSegment.objects.create(name="VIP", channel=CHANNEL, filter={})
    other = SavedSegment.objects.create(name="Elsewhere", channel="other", filter={})
    flow = create(gql, admin, name="VIP follow-up", templateKey="winback")["flow"]
    draft = json.loads(flow["draft"])
    draft["steps"].insert(0, {"id": "vip", "kind": "split", "yes": draft["start"], "no": draft["start"],
                              "condition": {"kind": "in_segment", "segment_id": segment.pk}})
    draft["start"] = "vip"
    saved = gql(UPDATE, {"id": flow["id"], "input": {"definition": json.dumps(draft)}}, admin)["data"]
    assert saved["ltvFlowUpdate"]["flow"]["problems"] == []
    segment.delete()
    draft["entry"] = {"segment_id": other.pk}  # another channel's segment is as missing
    gql(UPDATE, {"id": flow["id"], "input": {"definition": json.dumps(draft)}}, admin)
    refused = gql(PUBLISH, {"id": flow["id"]}, admin)["data"]["ltvFlowPublish"]
    assert {(p["field"], p["code"], p["step"]) for p in refused["problems"]} == {
        ("steps[0].condition.segment_id", "missing_segment", "vip"), ("entry.segment_id", "missing_segment", None)}
    assert {e["code"] for e in refused["errors"]} == {"NOT_FOUND"}


def test_versions_count_up_and_the_live_version_is_the_latest(gql, admin):
    flow = create(gql, admin, name="Win back", templateKey="winback")["flow"]
    gql(PUBLISH, {"id": flow["id"]}, admin)
    draft = json.loads(gql(ONE, {"id": flow["id"]}, admin)["data"]["ltvFlow"]["draft"])
    edited = copy.deepcopy(draft)
    edited["reentry"] = {"mode": "after_days", "days": 90}
    changed = gql(UPDATE, {"id": flow["id"], "input": {"definition": json.dumps(edited), "name": "Win back v2"}},
                  admin)["data"]["ltvFlowUpdate"]["flow"]
    assert changed["hasUnpublishedChanges"] and changed["liveVersion"]["number"] == 1
    assert json.loads(changed["liveVersion"]["definition"]) == draft  # the live one is untouched
    second = gql(PUBLISH, {"id": flow["id"]}, admin)["data"]["ltvFlowPublish"]["flow"]
    third = gql(PUBLISH, {"id": flow["id"]}, admin)["data"]["ltvFlowPublish"]["flow"]
    assert [v["number"] for v in third["versions"]] == [1, 2, 3] and third["liveVersion"]["number"] == 3
    assert json.loads(second["liveVersion"]["definition"])["reentry"] == {"mode": "after_days", "days": 90}
    assert list(FlowVersion.objects.order_by("number").values_list("number", flat=True)) == [1, 2, 3]


def test_pause_resume_archive_follow_the_states(gql, admin):
    flow = create(gql, admin, name="F2", templateKey="f2_followup")["flow"]

    def move(mutation):
        return gql(STATE % mutation, {"id": flow["id"]}, admin)["data"][mutation]

    assert move("ltvFlowPause")["errors"][0]["field"] == "id"  # a draft is not live
    gql(PUBLISH, {"id": flow["id"]}, admin)
    assert move("ltvFlowResume")["errors"][0]["message"].startswith("only a paused flow")
    assert move("ltvFlowPause")["flow"]["state"] == "PAUSED"
    assert move("ltvFlowResume")["flow"]["state"] == "LIVE"
    assert move("ltvFlowArchive")["flow"]["state"] == "ARCHIVED"
    assert move("ltvFlowArchive")["errors"][0]["field"] == "id"
    edit = gql(UPDATE, {"id": flow["id"], "input": {"name": "again"}}, admin)["data"]["ltvFlowUpdate"]
    assert edit["errors"][0]["message"] == "the flow is archived"
    assert gql(PUBLISH, {"id": flow["id"]}, admin)["data"]["ltvFlowPublish"]["errors"][0]["field"] == "id"


def test_publishing_buyer_mail_needs_the_sender_block(gql, admin, settings):
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "sender_name": "", "sender_postal_address": ""}
    flow = create(gql, admin, name="Cart", templateKey="abandoned_checkout")["flow"]
    refused = gql(PUBLISH, {"id": flow["id"]}, admin)["data"]["ltvFlowPublish"]
    assert refused["flow"] is None and {e["code"] for e in refused["errors"]} == {"SENDER_INCOMPLETE"}
    assert {"settings.senderName", "settings.senderPostalAddress"} <= {e["field"] for e in refused["errors"]}
    staff_only = create(gql, admin, name="Intent", templateKey="high_intent")["flow"]
    assert gql(PUBLISH, {"id": staff_only["id"]}, admin)["data"]["ltvFlowPublish"]["errors"] == []


def test_readers_read_and_only_settings_write(gql, admin, key_for):
    flow = create(gql, admin, name="Reorder", templateKey="reorder_reminder")["flow"]
    reader_key = key_for("metrics:read")
    reader_staff = tokens.mint("clerk@shop.example", ["MANAGE_USERS", "MANAGE_ORDERS"])
    for token in (reader_key, reader_staff):
        listed = gql(FLOWS, {"c": CHANNEL}, token)["data"]["ltvFlows"]
        assert [f["key"] for f in listed] == ["reorder"]
        for mutation, variables in ((PUBLISH, {"id": flow["id"]}),
                                    (CREATE, {"c": CHANNEL, "input": {"name": "sneaky"}}),
                                    (UPDATE, {"id": flow["id"], "input": {"name": "sneaky"}}),
                                    (STATE % "ltvFlowArchive", {"id": flow["id"]})):
            body = gql(mutation, variables, token)
            assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    writer_only = key_for("settings:write")
    body = gql(FLOWS, {"c": CHANNEL}, writer_only)
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    assert gql(FLOWS, {"c": CHANNEL})["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    flow_row = Flow.objects.get()
    assert flow_row.state == "draft" and flow_row.name == "Reorder" and not FlowVersion.objects.exists()
    assert Flow.objects.count() == 1


def test_flows_are_nodes_and_bad_ids_are_named(gql, admin):
    flow = create(gql, admin, name="Node")["flow"]
    node = gql("""query($id: ID!) { node(id: $id) { ... on LtvFlow { key } } }""", {"id": flow["id"]}, admin)
    assert node["data"]["node"] == {"key": "node"}
    assert gql(ONE, {"id": "nonsense"}, admin)["data"]["ltvFlow"] is None
    alien = relay.Node.to_global_id("LtvAlert", Flow.objects.get().pk)
    assert gql(ONE, {"id": alien}, admin)["data"]["ltvFlow"] is None
    missing = relay.Node.to_global_id("LtvFlow", 999999)
    for bad, code in (("nonsense", "NOT_FOUND"), (alien, "NOT_FOUND"), (missing, "NOT_FOUND")):
        result = gql(PUBLISH, {"id": bad}, admin)["data"]["ltvFlowPublish"]
        assert result["errors"][0]["field"] == "id" and result["errors"][0]["code"] == code


@pytest.mark.parametrize("definition_json, message", [
    ("[1, 2]", "must be a JSON object"),
    ('"a text"', "must be a JSON object"),
    (json.dumps({"steps": ["x" * 300_000]}), "at most 256 KB"),
])
def test_malformed_definitions_are_refused_and_nothing_is_saved(gql, admin, definition_json, message):
    flow = create(gql, admin, name="Fuzz")["flow"]
    result = gql(UPDATE, {"id": flow["id"], "input": {"definition": definition_json}}, admin)["data"]["ltvFlowUpdate"]
    assert result["flow"] is None and result["errors"][0]["field"] == "input.definition"
    assert message in result["errors"][0]["message"]
    assert Flow.objects.get().draft == json.loads(flow["draft"])


def test_garbage_never_gives_a_server_error(gql, admin):
    flow = create(gql, admin, name="Fuzz")["flow"]
    for variables in ({"id": flow["id"], "input": {"definition": "{not json"}},
                      {"id": flow["id"], "input": {"definition": json.dumps({"steps": [None, 3, {"id": {}}],
                                                                              "trigger": [], "start": 5})}},
                      {"id": flow["id"], "input": {"name": "\x00"}},
                      {"id": 12, "input": {}}):
        response = gql.post(UPDATE, variables, admin)
        assert response.status_code in (200, 400), response.content
        body = response.json()
        assert "INTERNAL" not in json.dumps(body), body
    assert gql(PUBLISH, {"id": flow["id"]}, admin)["data"]["ltvFlowPublish"]["errors"]


def test_templates_and_vocabulary_are_data_for_the_editor(gql, key_for):
    reader = key_for("metrics:read")
    listed = gql("""{ ltvFlowTemplates { key title(language: "ja") description definition } }""",
                 token=reader)["data"]["ltvFlowTemplates"]
    assert [t["key"] for t in listed] == list(templates.TEMPLATE_KEYS)
    assert listed[0]["title"] == "カゴ落ちフォロー"
    assert all(json.loads(t["definition"]) == templates.template(t["key"]) for t in listed)
    vocabulary = json.loads(gql("{ ltvFlowVocabulary }", token=reader)["data"]["ltvFlowVocabulary"])
    assert set(vocabulary["triggers"]) == set(definition.TRIGGERS)
    assert set(vocabulary["steps"]) == set(definition.STEPS)
    assert set(vocabulary["conditions"]) == set(definition.CONDITIONS)
    assert vocabulary["exits"] == list(definition.EXITS)
    delay = definition.STEPS["delay"]["hours"]
    assert vocabulary["steps"]["delay"]["hours"] == {"type": "number", "required": False, "min": delay.minimum,
                                                      "max": delay.maximum, "choices": []}
    assert vocabulary["events"]["checkout_abandoned"]["idle_hours"]["required"] is True
    assert vocabulary["metric_triggers"]["stage"]["to"]["choices"] == list(
        definition.METRIC_TRIGGERS["stage"]["to"].choices)
    assert {f["key"] for f in vocabulary["merge_fields"]} >= {"company", "name", "last_order_date"}
    assert all(set(f["label"]) == {"ja", "en"} for f in vocabulary["merge_fields"])


def test_the_flow_list_counts_every_flows_enrollments_in_one_query(gql, admin, django_assert_max_num_queries):
    from tests.automation.flows.flowshop import buyers, enroll, live_flow

    accounts = buyers(6)
    for n, key in enumerate(("first_flow", "second_flow", "third_flow")):
        enroll(live_flow({"start": "x", "steps": [{"id": "x", "kind": "exit"}]}, key=key), accounts[:n * 2 + 1])
    query = """query($c: String!) { ltvFlows(channel: $c) { key entered active } }"""
    with django_assert_max_num_queries(4) as captured:  # flows with their live versions, the counts
        listed = gql(query, {"c": CHANNEL}, admin)["data"]["ltvFlows"]
    assert {f["key"]: (f["entered"], f["active"]) for f in listed} == {
        "first_flow": (1, 1), "second_flow": (3, 3), "third_flow": (5, 5)}, captured
