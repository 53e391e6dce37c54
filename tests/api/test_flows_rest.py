"""REST read access to flows and their reports: scopes, filters, 4xx with the field named, and the
same report figures GraphQL gives."""

import json
from datetime import datetime, timezone

import pytest
from django.test import Client
from graphene import relay

from saleor_ltv_plugin import auth
from saleor_ltv_plugin.automation.flows import service
from saleor_ltv_plugin.models import Enrollment, FlowVersion
from saleor_ltv_plugin.standalone import tokens

from ..graphql.conftest import GraphQLClient

pytestmark = pytest.mark.django_db
BASE = "/plugins/global/saleor.ltv/api/v1/"
CHANNEL = "default-channel"
ADMIN = auth.Principal(kind="staff", email="admin@shop.example")
JUNE = datetime(2026, 6, 1, tzinfo=timezone.utc)


def get(path, token):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(BASE + path)


@pytest.fixture
def flows():
    live = service.publish(service.create(CHANNEL, ADMIN, "Win back", template_key="winback").pk, ADMIN)
    draft = service.create(CHANNEL, ADMIN, "Scratch")
    service.create("other-channel", ADMIN, "Elsewhere")
    Enrollment.objects.create(scenario=live.key, channel=CHANNEL, trigger_ref="t1", anchor_at=JUNE, created_at=JUNE,
                              flow=live, flow_version=live.live_version, state="active")
    Enrollment.objects.create(scenario=live.key, channel=CHANNEL, trigger_ref="t2", anchor_at=JUNE, created_at=JUNE,
                              flow=live, flow_version=live.live_version, state="done")
    return live, draft


def test_flows_are_listed_per_channel_with_their_counts(flows, key_for):
    live, draft = flows
    reader = key_for("metrics:read")
    listed = get(f"flows?channel={CHANNEL}", reader)
    assert listed.status_code == 200, listed.content
    body = {f["key"]: f for f in listed.json()}
    assert set(body) == {"win_back", "scratch"}
    assert (body["win_back"]["entered"], body["win_back"]["active"]) == (2, 1)
    assert body["win_back"]["state"] == "live" and body["win_back"]["live_version"]["number"] == 1
    assert body["scratch"]["live_version"] is None and body["scratch"]["has_unpublished_changes"] is True
    only_live = get(f"flows?channel={CHANNEL}&state=live", reader).json()
    assert [f["key"] for f in only_live] == ["win_back"]
    one = get(f"flows/{live.pk}", reader).json()
    assert [v["number"] for v in one["versions"]] == [1]
    assert one["versions"][0]["definition"] == FlowVersion.objects.get().definition


def test_scopes_and_bad_input_answer_4xx_naming_the_field(flows, key_for):
    live, _ = flows
    assert Client().get(BASE + f"flows?channel={CHANNEL}").status_code == 401
    writer = get(f"flows?channel={CHANNEL}", key_for("settings:write"))
    assert writer.status_code == 403 and "metrics:read" in writer.json()["detail"]
    reader = key_for("metrics:read")
    for path, status, field in ((f"flows/{live.pk + 999}", 404, "flow_id"), ("flows", 422, "channel"),
                                (f"flows?channel={CHANNEL}&state=gone", 422, "state"),
                                (f"flows/{live.pk}/report?since=2026-10-31&until=2026-10-01", 422, "since"),
                                (f"flows/{live.pk}/report?since=yesterday", 422, "since"),
                                ("flows/abc", 422, "flow_id")):
        response = get(path, reader)
        assert response.status_code == status, (path, response.content)
        assert response.json()["errors"][0]["field"] == field, (path, response.json())


def test_the_rest_report_is_the_graphql_report(flows, key_for):
    live, _ = flows
    rest = get(f"flows/{live.pk}/report?since=2026-01-01&until=2026-12-31", key_for("metrics:read"))
    assert rest.status_code == 200, rest.content
    query = """query($id: ID!) { ltvFlowReport(id: $id, since: "2026-01-01", until: "2026-12-31") { entered
      holdout active done exited verdict steps { stepId passed sent } } }"""
    staff = tokens.mint("clerk@shop.example", ["MANAGE_USERS"])
    graph = GraphQLClient()(query, {"id": relay.Node.to_global_id("LtvFlow", live.pk)}, staff)["data"]["ltvFlowReport"]
    body = rest.json()
    assert (body["entered"], body["holdout"], body["active"], body["done"], body["verdict"]) == (
        graph["entered"], graph["holdout"], graph["active"], graph["done"], graph["verdict"])
    assert body["exited"] == json.loads(graph["exited"])
    assert [(s["step_id"], s["passed"], s["sent"]) for s in body["steps"]] == [
        (s["stepId"], s["passed"], s["sent"]) for s in graph["steps"]]
