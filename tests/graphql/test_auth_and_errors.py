"""Who sees what, and the shape of every kind of error (Saleor's JSON, 4xx not 500)."""

import pytest
from django.test import override_settings

from saleor_ltv_plugin.models import ApiKey

from .conftest import URL

pytestmark = pytest.mark.django_db
COUNT = "{ ltvAccounts(first: 1) { totalCount edges { node { name } } } }"


def test_anonymous_gets_a_permission_error_and_no_data(scored_shop, gql):
    result = gql(COUNT)
    assert result["data"]["ltvAccounts"] is None
    error = result["errors"][0]
    assert error["extensions"]["exception"]["code"] == "PermissionDenied"
    assert set(error["extensions"]["requiredPermissions"]) == {"MANAGE_USERS", "MANAGE_ORDERS"}
    assert error["path"] == ["ltvAccounts"]


def test_bad_and_revoked_keys_are_401(scored_shop, gql, key_for):
    response = gql.post(COUNT, token="ltv_not-a-real-key")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["exception"]["code"] == "InvalidToken"
    token = key_for()
    assert gql(COUNT, token=token)["data"]["ltvAccounts"]["totalCount"] > 0
    ApiKey.objects.update(revoked_at="2026-11-01T00:00:00Z")
    assert gql.post(COUNT, token=token).status_code == 401
    assert ApiKey.objects.get().key_hash != token  # only the hash is stored


def test_scopes_decide(scored_shop, gql, key_for):
    ingest_only = key_for("orders:write")
    assert gql(COUNT, token=ingest_only)["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    reader = key_for("metrics:read")
    result = gql('mutation { ltvApiKeyCreate(name: "x", scopes: [METRICS_READ]) { key errors { field } } }', token=reader)
    assert result["errors"][0]["extensions"]["requiredPermissions"] == ["MANAGE_PLUGINS"]
    admin = key_for("settings:write", "orders:write")  # one grants only scopes one holds (tests/security)
    created = gql('mutation { ltvApiKeyCreate(name: "ERP", scopes: [ORDERS_WRITE]) { key apiKey { id prefix scopes } '
                  'errors { field } } }', token=admin)["data"]["ltvApiKeyCreate"]
    assert created["key"].startswith("ltv_") and created["apiKey"]["scopes"] == ["orders:write"]
    assert created["key"].startswith(created["apiKey"]["prefix"])
    revoked = gql("mutation($id: Int!) { ltvApiKeyRevoke(id: $id) { apiKey { revokedAt } } }",
                  {"id": created["apiKey"]["id"]}, token=admin)
    assert revoked["data"]["ltvApiKeyRevoke"]["apiKey"]["revokedAt"]
    assert gql.post(COUNT, token=created["key"]).status_code == 401


def test_settings_master_key(scored_shop, gql):
    with override_settings(LTV_PLUGIN={"api_key": "s3cret-master"}):
        assert gql(COUNT, token="s3cret-master")["data"]["ltvAccounts"]["totalCount"] > 0
        assert gql.post(COUNT, token="s3cret-masterX").status_code == 401


def test_customer_token_sees_no_staff_data(scored_shop, gql, as_customer):
    result = gql(COUNT, token=as_customer("42"))
    assert result["data"]["ltvAccounts"] is None
    assert result["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


@pytest.mark.parametrize("body,content_type,status", [
    ("{not json", "application/json", 400),
    ('{"query": 5}', "application/json", 400),
    ('{"query": "{ ltvAccounts(first: 1) { nope } }"}', "application/json", 400),
    ('{"query": "{ ltvAccounts(first: 1"}', "application/json", 400),
    ('{"query": "query($f: Int) { ltvAccounts(first: $f) { totalCount } }", "variables": {"f": "x"}}',
     "application/json", 400),
    ('{"query": "{ ltvMe }", "variables": [1]}', "application/json", 400),
    ("[]", "application/json", 400),
    ("query=x", "application/x-www-form-urlencoded", 400),
])
def test_malformed_requests_are_4xx_with_errors(gql, body, content_type, status):
    response = gql.client.post(URL, body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["errors"][0]["message"]


def test_get_runs_queries_but_not_mutations(scored_shop, gql):
    response = gql.client.get(URL, {"query": "{ ltvMe }"})
    assert response.status_code == 200 and response.json()["data"]["ltvMe"] == "anonymous:"
    response = gql.client.get(URL, {"query": 'mutation { ltvRecomputeTrigger { queued } }'})
    assert response.status_code == 405


def test_graphiql_only_when_enabled(gql):
    with override_settings(DEBUG=True):
        assert b"graphiql" in gql.client.get(URL, HTTP_ACCEPT="text/html").content
    with override_settings(DEBUG=False, LTV_PLUGIN={}):
        assert gql.client.get(URL, HTTP_ACCEPT="text/html").status_code == 400


def test_cost_limit(scored_shop, gql, key_for):
    one = """ltvAccounts(first: 100) { edges { node { orders(first: 50) { lines { sku quantity amount } }
        skuReorders(first: 50) { sku productName } contacts { email } } } }"""
    costly = "{ " + " ".join(f"a{i}: {one}" for i in range(3)) + " }"
    response = gql.post(costly, token=key_for())
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["exception"]["code"] == "QueryCostError"
    assert error["extensions"]["cost"]["requestedQueryCost"] > error["extensions"]["cost"]["maximumAvailable"]
    assert gql.post("{ " + one + " }", token=key_for()).status_code == 200  # one of them is fine


def test_depth_limit_counts_through_fragments():
    from graphql import parse

    from saleor_ltv_plugin.graphql import limits

    deep = "query { " + "a { " * 13 + "b" + " }" * 13 + " }"
    with pytest.raises(limits.LimitExceeded) as caught:
        limits.check(parse(deep), None, {})
    assert caught.value.code == "QueryDepthError"
    via_fragment = "query { a { ...F } } fragment F on X { " + "b { " * 12 + "c" + " }" * 12 + " }"
    with pytest.raises(limits.LimitExceeded):
        limits.check(parse(via_fragment), None, {})
    limits.check(parse("query { " + "a { " * 11 + "b" + " }" * 11 + " }"), None, {})


def test_nul_characters_are_refused_before_any_write(gql, key_for):
    query = 'mutation($n: String!) { ltvApiKeyCreate(name: $n, scopes: [METRICS_READ]) { key } }'
    response = gql.post(query, {"n": "a\x00b"}, token=key_for("settings:write"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("variables.n: must not contain NUL")
    assert ApiKey.objects.count() == 1  # only the caller's own key
    literal = 'mutation { ltvApiKeyCreate(name: "a\\u0000b", scopes: [METRICS_READ]) { key } }'
    response = gql.post(literal, token=key_for("settings:write"))
    assert response.status_code == 400 and "NUL" in response.json()["errors"][0]["message"]
