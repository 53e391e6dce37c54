"""Privilege escalation (issue 15, findings 2 and 3): nobody grants or revokes a scope they do not
hold, and only a segment write scope changes who a segment-driven scenario mails.

Credentials tried: plugin API keys of several scopes, the operator's settings key, and staff
tokens holding only some Saleor permissions (the standalone Dashboard token, which resolves
through the same `principal_from_permissions` as Saleor's own JWTs and app tokens)."""

import json

import pytest
from django.test import override_settings

from saleor_ltv_plugin import auth
from saleor_ltv_plugin.models import ApiKey, Flow, FlowState, FlowVersion, SavedSegment, ScenarioSetting
from saleor_ltv_plugin.hosts.standalone import tokens

from ..graphql.conftest import gql  # noqa: F401 — the GraphQL client fixture

pytestmark = pytest.mark.django_db

CHANNEL = "default-channel"
CREATE_KEY = """mutation($s: [LtvApiKeyScope!]!) { ltvApiKeyCreate(name: "probe", scopes: $s) {
  key apiKey { id scopes } errors { field message code } } }"""
REVOKE_KEY = "mutation($id: Int!) { ltvApiKeyRevoke(id: $id) { apiKey { revokedAt } errors { field message code } } }"
EVERY_SCOPE = sorted(["metrics:read", "orders:write", "recompute", "settings:write", "alerts:write", "segments:write"])
ENUM = {scope: scope.upper().replace(":", "_") for scope in EVERY_SCOPE}


def staff(*permissions: str) -> str:
    return tokens.mint("staff@shop.example", permissions)


def key(*scopes: str) -> tuple[str, ApiKey]:
    return auth.new_api_key("integration", scopes)


def denied(result) -> list[str]:
    assert result["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied", result
    return result["errors"][0]["extensions"]["requiredPermissions"]


# --- finding 2: creating keys ------------------------------------------------------------------
# Each case: what the caller holds, a request beyond it (refused), a request within it (granted).
@pytest.mark.parametrize("caller_scopes, beyond, within", [
    (["settings:write"], ["metrics:read"], ["settings:write"]),
    (["settings:write"], ["orders:write"], ["settings:write"]),
    (["settings:write"], ["alerts:write"], ["settings:write"]),
    (["settings:write"], ["segments:write"], ["settings:write"]),
    (["settings:write"], ["settings:write", "orders:write"], ["settings:write"]),
    (["settings:write"], EVERY_SCOPE, ["settings:write"]),
    (["settings:write", "metrics:read"], ["metrics:read", "orders:write"], ["metrics:read"]),
    (["settings:write", "recompute"], ["recompute", "segments:write"], ["recompute"]),
    (["settings:write", "orders:write", "segments:write"], EVERY_SCOPE, ["orders:write", "segments:write"]),
])
def test_a_key_mints_only_within_its_scopes(gql, caller_scopes, beyond, within):
    raw, _ = key(*caller_scopes)
    refused = gql(CREATE_KEY, {"s": [ENUM[s] for s in beyond]}, raw)["data"]["ltvApiKeyCreate"]
    assert refused["key"] is None and refused["apiKey"] is None
    (error,) = refused["errors"]
    assert error["field"] == "scopes" and error["code"] == "OUT_OF_SCOPE_PERMISSION"
    for missing in set(beyond) - set(caller_scopes):
        assert missing in error["message"]
    assert ApiKey.objects.count() == 1  # only the caller's own
    granted = gql(CREATE_KEY, {"s": [ENUM[s] for s in within]}, raw)["data"]["ltvApiKeyCreate"]
    assert granted["errors"] == [] and auth._api_key_principal(granted["key"]).scopes == set(within)


@pytest.mark.parametrize("permissions, beyond, needed, within", [
    (["MANAGE_PLUGINS"], ["metrics:read"], "MANAGE_USERS or MANAGE_ORDERS", ["settings:write", "recompute"]),
    (["MANAGE_PLUGINS"], ["orders:write"], "MANAGE_ORDERS", ["recompute"]),
    (["MANAGE_PLUGINS", "MANAGE_ORDERS"], ["segments:write"], "MANAGE_USERS",
     ["orders:write", "metrics:read", "alerts:write"]),
    (["MANAGE_PLUGINS", "MANAGE_USERS"], ["orders:write", "metrics:read"], "MANAGE_ORDERS",
     ["segments:write", "metrics:read"]),
])
def test_staff_grant_only_what_their_permissions_give(gql, permissions, beyond, needed, within):
    token = staff(*permissions)
    refused = gql(CREATE_KEY, {"s": [ENUM[s] for s in beyond]}, token)["data"]["ltvApiKeyCreate"]
    (error,) = refused["errors"]
    assert error["code"] == "OUT_OF_SCOPE_PERMISSION" and needed in error["message"], error
    assert not ApiKey.objects.exists()
    granted = gql(CREATE_KEY, {"s": [ENUM[s] for s in within]}, token)["data"]["ltvApiKeyCreate"]
    assert granted["errors"] == [] and auth._api_key_principal(granted["key"]).scopes == set(within)


@pytest.mark.parametrize("token", [lambda: staff("MANAGE_PLUGINS", "MANAGE_USERS", "MANAGE_ORDERS"),
                                   lambda: "operator-secret"])
def test_superusers_and_the_operator_grant_every_scope(gql, token):
    with override_settings(LTV_PLUGIN={"api_key": "operator-secret"}):
        result = gql(CREATE_KEY, {"s": [ENUM[s] for s in EVERY_SCOPE]}, token())["data"]["ltvApiKeyCreate"]
    assert result["errors"] == [] and sorted(result["apiKey"]["scopes"]) == EVERY_SCOPE


# --- finding 2: revoking keys ------------------------------------------------------------------
@pytest.mark.parametrize("caller, beyond, within", [
    (lambda: key("settings:write")[0], ["orders:write"], ["settings:write"]),
    (lambda: key("settings:write")[0], ["settings:write", "metrics:read"], ["settings:write"]),
    (lambda: key("settings:write", "metrics:read")[0], ["metrics:read", "orders:write"], ["metrics:read"]),
    (lambda: key("settings:write", "segments:write")[0], EVERY_SCOPE, ["segments:write"]),
    (lambda: staff("MANAGE_PLUGINS"), ["metrics:read"], ["recompute"]),
    (lambda: staff("MANAGE_PLUGINS", "MANAGE_ORDERS"), ["segments:write"], ["orders:write", "recompute"]),
])
def test_a_key_is_revoked_only_by_a_caller_holding_all_its_scopes(gql, caller, beyond, within):
    token = caller()
    victim_raw, victim = key(*beyond)
    result = gql(REVOKE_KEY, {"id": victim.pk}, token)["data"]["ltvApiKeyRevoke"]
    (error,) = result["errors"]
    assert error["field"] == "id" and error["code"] == "OUT_OF_SCOPE_PERMISSION", error
    victim.refresh_from_db()
    assert victim.revoked_at is None
    assert auth._api_key_principal(victim_raw).scopes == set(beyond)  # still works
    _, peer = key(*within)
    result = gql(REVOKE_KEY, {"id": peer.pk}, token)["data"]["ltvApiKeyRevoke"]
    assert result["errors"] == [] and result["apiKey"]["revokedAt"]


@pytest.mark.parametrize("token", [lambda: staff("MANAGE_PLUGINS", "MANAGE_USERS", "MANAGE_ORDERS"),
                                   lambda: "operator-secret"])
def test_superusers_and_the_operator_revoke_any_key(gql, token):
    _, victim = key(*EVERY_SCOPE)
    with override_settings(LTV_PLUGIN={"api_key": "operator-secret"}):
        result = gql(REVOKE_KEY, {"id": victim.pk}, token())["data"]["ltvApiKeyRevoke"]
    assert result["errors"] == [] and result["apiKey"]["revokedAt"]


# --- finding 3: saved segments -----------------------------------------------------------------
CREATE_SEGMENT = """mutation($input: LtvSavedSegmentInput!) { ltvSavedSegmentCreate(input: $input) {
  savedSegment { id name } errors { field message code } } }"""
UPDATE_SEGMENT = """mutation($id: ID!, $input: LtvSavedSegmentInput!) { ltvSavedSegmentUpdate(id: $id, input: $input) {
  savedSegment { filter usedBy { channel scenario enabled } } errors { field message code } } }"""
DELETE_SEGMENT = """mutation($id: ID!, $detach: Boolean) { ltvSavedSegmentDelete(id: $id, detach: $detach) {
  savedSegment { name } detachedFrom { channel scenario } errors { field message code } } }"""


def segment_gid(segment: SavedSegment) -> str:
    import base64

    return base64.b64encode(f"LtvSavedSegment:{segment.pk}".encode()).decode()


NOBODY = {"stages": ["loyal"], "monetary": {"gte": "1000000000"}}


@pytest.fixture
def segment():
    return SavedSegment.objects.create(name="Nobody", channel=CHANNEL, filter=NOBODY)


def operations(segment):
    gid = segment_gid(segment)
    return [
        (CREATE_SEGMENT, {"input": {"name": "Everyone", "channel": CHANNEL}}, "ltvSavedSegmentCreate"),
        (UPDATE_SEGMENT, {"id": gid, "input": {"filter": {}}}, "ltvSavedSegmentUpdate"),
        (DELETE_SEGMENT, {"id": gid}, "ltvSavedSegmentDelete"),
    ]


@pytest.mark.parametrize("token", [
    lambda: key("metrics:read")[0], lambda: key("orders:write")[0], lambda: key("alerts:write")[0],
    lambda: key("settings:write", "metrics:read", "recompute")[0],
    lambda: staff("MANAGE_ORDERS", "MANAGE_PLUGINS"),
])
def test_segment_writes_need_the_segment_scope(gql, segment, token):
    before = SavedSegment.objects.values_list("pk", "name", "filter").get()
    for query, variables, _ in operations(segment):
        assert denied(gql(query, variables, token())) == ["MANAGE_USERS"]
    assert list(SavedSegment.objects.values_list("pk", "name", "filter")) == [before]


@pytest.mark.parametrize("token", [lambda: key("segments:write")[0], lambda: staff("MANAGE_USERS")])
def test_segment_writes_work_with_the_segment_scope(gql, segment, token):
    for query, variables, name in operations(segment):
        assert gql(query, variables, token())["data"][name]["errors"] == []
    # ... and the segment scope is no key-management scope
    assert denied(gql(CREATE_KEY, {"s": ["SEGMENTS_WRITE"]}, token())) == ["MANAGE_PLUGINS"]
    assert list(SavedSegment.objects.values_list("name", flat=True)) == ["Everyone"]


def use(segment, scenario="churn_risk", enabled=True, channel=CHANNEL):
    return ScenarioSetting.objects.create(channel=channel, scenario=scenario, enabled=enabled,
                                          params={"segment_id": segment.pk, "holdout_percent": 20})


def test_a_segment_in_use_says_so_and_is_not_deleted(gql, segment):
    use(segment, "churn_risk")
    use(segment, "winback", enabled=False)
    writer = key("segments:write")[0]
    updated = gql(UPDATE_SEGMENT, {"id": segment_gid(segment), "input": {"description": "x"}}, writer)
    assert updated["data"]["ltvSavedSegmentUpdate"]["savedSegment"]["usedBy"] == [
        {"channel": CHANNEL, "scenario": "churn_risk", "enabled": True},
        {"channel": CHANNEL, "scenario": "winback", "enabled": False}]
    for variables in ({"id": segment_gid(segment)}, {"id": segment_gid(segment), "detach": False}):
        result = gql(DELETE_SEGMENT, variables, writer)["data"]["ltvSavedSegmentDelete"]
        (error,) = result["errors"]
        assert error["field"] == "id" and error["code"] == "IN_USE", error
        assert "churn_risk" in error["message"] and "winback" in error["message"]
        assert result["savedSegment"] is None
    assert SavedSegment.objects.filter(pk=segment.pk).exists()
    assert ScenarioSetting.objects.filter(params__segment_id=segment.pk).count() == 2


def test_detaching_changes_scenarios_so_needs_settings_write(gql, segment):
    use(segment)
    result = gql(DELETE_SEGMENT, {"id": segment_gid(segment), "detach": True}, key("segments:write")[0])
    assert denied(result) == ["MANAGE_PLUGINS"]
    assert SavedSegment.objects.filter(pk=segment.pk).exists()


@pytest.mark.parametrize("token", [lambda: key("segments:write", "settings:write")[0],
                                   lambda: staff("MANAGE_USERS", "MANAGE_PLUGINS")])
def test_detach_removes_the_segment_from_its_scenarios_then_deletes(gql, segment, token):
    row = use(segment)
    other = use(SavedSegment.objects.create(name="Other", channel=CHANNEL, filter={}), "winback")
    result = gql(DELETE_SEGMENT, {"id": segment_gid(segment), "detach": True}, token())["data"]["ltvSavedSegmentDelete"]
    assert result["errors"] == [] and result["detachedFrom"] == [{"channel": CHANNEL, "scenario": "churn_risk"}]
    row.refresh_from_db()
    other.refresh_from_db()
    assert row.params == {"holdout_percent": 20} and row.updated_by
    assert "segment_id" in other.params
    assert not SavedSegment.objects.filter(pk=segment.pk).exists()


def test_moving_a_segment_in_use_to_another_channel_is_refused(gql, segment):
    use(segment)
    result = gql(UPDATE_SEGMENT, {"id": segment_gid(segment), "input": {"channel": "other-channel"}},
                 key("segments:write")[0])["data"]["ltvSavedSegmentUpdate"]
    (error,) = result["errors"]
    assert error["field"] == "input.channel" and error["code"] == "IN_USE" and "churn_risk" in error["message"]
    segment.refresh_from_db()
    assert segment.channel == CHANNEL


def test_a_read_key_cannot_widen_a_scenarios_audience(gql, segment):
    """The issue's reproduction: a read key turned a segment of 0 into one of 285 accounts."""
    use(segment)
    reader = key("metrics:read")[0]
    for widened in ({}, {"stages": ["NEW", "REPEAT", "LOYAL", "DORMANT", "LOST"]}, {"monetary": {"gte": 0}}):
        result = gql(UPDATE_SEGMENT, {"id": segment_gid(segment), "input": {"filter": widened}}, reader)
        assert denied(result) == ["MANAGE_USERS"]
    segment.refresh_from_db()
    assert segment.filter == NOBODY



def waits_for_a_lock(observer, worker, seconds=20.0) -> bool:
    """True once another backend of this database waits for a lock; False if `worker` ends first.
    `observer` autocommits: a transaction would see one frozen snapshot of pg_stat_activity."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and worker.is_alive():
        (waiting,) = observer.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
        if waiting:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_scenario_is_not_pointed_at_a_segment_being_deleted(gql):
    """A delete in flight holds the segment's row; a scenario update naming it waits for the delete
    and then refuses, instead of leaving a scenario pointing at a segment that is gone."""
    import threading

    import psycopg
    from django.db import connection

    segment = SavedSegment.objects.create(name="Doomed", channel=CHANNEL, filter={})
    admin = key("settings:write")[0]
    update = """mutation($p: JSONString) { ltvScenarioUpdate(channel: "default-channel", scenario: "winback",
      input: {enabled: true, params: $p}) { errors { field code } } }"""
    params = connection.get_connection_params()
    connect = {k: params[k] for k in ("dbname", "user", "host", "port") if k in params}
    deleter, observer = psycopg.connect(**connect), psycopg.connect(**connect, autocommit=True)
    try:
        deleter.execute("SELECT 1 FROM saleor_ltv_plugin_savedsegment WHERE id = %s FOR UPDATE", [segment.pk])
        results = []
        worker = threading.Thread(target=lambda: results.append(
            gql(update, {"p": json.dumps({"segment_id": segment.pk})}, admin)))
        worker.start()
        assert waits_for_a_lock(observer, worker), "the scenario update did not wait for the segment's lock"
        deleter.execute("DELETE FROM saleor_ltv_plugin_savedsegment WHERE id = %s", [segment.pk])
        deleter.commit()
        worker.join(30)
    finally:
        deleter.close()
        observer.close()
    (error,) = results[0]["data"]["ltvScenarioUpdate"]["errors"]
    assert error["field"] == "input.params.segmentId"
    assert not ScenarioSetting.objects.filter(params__segment_id=segment.pk).exists()


def own_flow(segment, state, *, where="split", key="vip-followup"):
    """A shop's own flow naming the segment in a split (live version) or only in its draft."""
    split = {"id": "s1", "kind": "split", "condition": {"kind": "in_segment", "segment_id": segment.pk},
             "yes": None, "no": None}
    document = {"trigger": {"kind": "event", "event": "order_placed"}, "start": "s1", "steps": [split]}
    flow = Flow.objects.create(channel=CHANNEL, key=key, name="VIP フォロー", state=state,
                               draft=document if where == "draft" else {})
    if where == "split":
        flow.live_version = FlowVersion.objects.create(flow=flow, number=1, definition=document)
        flow.save(update_fields=["live_version"])
    return flow


def test_a_flow_using_the_segment_is_named_and_keeps_it_even_with_detach(gql, segment):
    own_flow(segment, FlowState.LIVE)
    own_flow(segment, FlowState.DRAFT, where="draft", key="draft-only")
    own_flow(segment, FlowState.ARCHIVED, key="archived-one")  # archived: no longer a use
    use(segment, "churn_risk")
    writer = key("segments:write", "settings:write")[0]
    updated = gql(UPDATE_SEGMENT.replace("usedBy { channel", "usedBy { kind name channel"),
                  {"id": segment_gid(segment), "input": {"description": "x"}}, writer)
    assert updated["data"]["ltvSavedSegmentUpdate"]["savedSegment"]["usedBy"] == [
        {"kind": "scenario", "name": "churn_risk", "channel": CHANNEL, "scenario": "churn_risk", "enabled": True},
        {"kind": "flow", "name": "VIP フォロー", "channel": CHANNEL, "scenario": "draft-only", "enabled": False},
        {"kind": "flow", "name": "VIP フォロー", "channel": CHANNEL, "scenario": "vip-followup", "enabled": True}]
    result = gql(DELETE_SEGMENT, {"id": segment_gid(segment), "detach": True}, writer)["data"]["ltvSavedSegmentDelete"]
    (error,) = result["errors"]
    assert error["field"] == "id" and error["code"] == "IN_USE", error
    assert "vip-followup" not in error["message"] and "'VIP フォロー'" in error["message"], error
    assert "churn_risk" not in error["message"]  # the scenario could be detached: only the flows block
    assert SavedSegment.objects.filter(pk=segment.pk).exists()
    assert ScenarioSetting.objects.get(scenario="churn_risk").params["segment_id"] == segment.pk  # nothing half-done
    moved = gql(UPDATE_SEGMENT, {"id": segment_gid(segment), "input": {"channel": "other-channel"}},
                writer)["data"]["ltvSavedSegmentUpdate"]
    assert moved["errors"][0]["code"] == "IN_USE" and "VIP フォロー" in moved["errors"][0]["message"]


def test_detach_republishes_the_scenario_flow_without_the_segment(gql, segment):
    from saleor_ltv_plugin.automation.flows import scenarios
    from saleor_ltv_plugin.automation.flows.definition import segment_ids_in

    scenarios.publish_setting(use(segment, "churn_risk"), "ja")
    flow = Flow.objects.get(channel=CHANNEL, key="churn_risk")
    assert segment.pk in segment_ids_in(flow.live_version.definition)
    result = gql(DELETE_SEGMENT, {"id": segment_gid(segment), "detach": True},
                 key("segments:write", "settings:write")[0])["data"]["ltvSavedSegmentDelete"]
    assert result["errors"] == []
    flow.refresh_from_db()
    assert flow.live_version.number == 2 and segment.pk not in segment_ids_in(flow.live_version.definition)
    assert flow.state == FlowState.LIVE
