"""Issue 15 #13: crafted cursors and edge inputs on the account list (REST and GraphQL) are
a 4xx / a GraphQL error naming the field — never a 500."""

import base64
import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
REST = "/plugins/global/saleor.ltv/api/v1/accounts"
GRAPHQL = "/plugins/global/saleor.ltv/graphql/"
SORTS = ["monetary", "name", "frequency", "last_purchase_at", "p_alive", "recency_days"]


def b64(value) -> str:
    raw = value if isinstance(value, bytes) else (value if isinstance(value, str) else json.dumps(value)).encode()
    return base64.urlsafe_b64encode(raw).decode()


CURSORS = [
    "not base64!!", "====", "%00", "a" * 999, "\u65e5\u672c",
    b64(b"\xff\xfe\x00garbage"), b64("not json"), b64("{}"), b64("null"), b64("[]"),
    b64([10**30, 1]), b64([10**400, 10**30]), b64([-(10**30), -1]), b64([-1, -(2**63) - 1]),
    b64([2**63, 2**63]), b64(["x", "y"]), b64([[1], {"a": 1}]), b64([True, False]), b64([1, 2, 3]),
    b64("[NaN, 1]"), b64("[Infinity, -Infinity]"), b64("[1e400, 1]"), b64(["\u0000", 1]),
    b64(["9999-99-99", 1]), b64(["0000-01-01", 1]), b64([1.5, 2.5]), b64(["1" * 5000, 1]),
]


def rest(key, **params):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(REST, params)


def gql(key, query, variables=None):
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(
        GRAPHQL, {"query": query, "variables": variables or {}}, content_type="application/json")
    return response.status_code, response.json()


@pytest.mark.parametrize("sort_by", SORTS)
@pytest.mark.parametrize("cursor", CURSORS)
def test_rest_crafted_cursors_are_422_naming_after(scored_shop, key_for, sort_by, cursor):
    response = rest(key_for(), sort_by=sort_by, after=cursor)
    assert response.status_code == 422, (response.status_code, response.content[:300])
    assert "after" in [e["field"] for e in response.json()["errors"]]


QUERY = """query($after: String, $first: Int, $sort: LtvAccountSortingInput, $filter: LtvAccountFilterInput) {
  ltvAccounts(first: $first, after: $after, sortBy: $sort, filter: $filter) { edges { cursor } totalCount } }"""


@pytest.mark.parametrize("field", ["MONETARY", "NAME", "LAST_PURCHASE_AT"])
@pytest.mark.parametrize("cursor", CURSORS)
def test_graphql_crafted_cursors_are_errors_naming_after(scored_shop, key_for, field, cursor):
    status, body = gql(key_for(), QUERY, {"after": cursor, "first": 5, "sort": {"field": field, "direction": "DESC"}})
    assert status < 500 and body.get("errors"), body
    assert "after" in json.dumps(body["errors"]), body
    assert "Internal" not in json.dumps(body["errors"]), body


@pytest.mark.parametrize("params,field", [
    ({"p_alive_gte": "NaN"}, "p_alive_gte"), ({"p_alive_gte": "Infinity"}, "p_alive_gte"),
    ({"monetary_lte": "-inf"}, "monetary_lte"), ({"monetary_gte": "1e400"}, "monetary_gte"),
    ({"clv_gte": "1" * 500}, "clv_gte"), ({"frequency_gte": str(10**30)}, "frequency_gte"),
    ({"recency_days_lte": str(-(10**20))}, "recency_days_lte"), ({"r_score_gte": "1.5"}, "r_score_gte"),
    ({"first": "1000000"}, "first"), ({"first": "0"}, "first"), ({"first": str(2**70)}, "first"),
    ({"first": "-1"}, "first"), ({"sort_by": "password"}, "sort_by"), ({"direction": "sideways"}, "direction"),
    ({"last_purchase_at_gte": "99999-01-01"}, "last_purchase_at_gte"),
    ({"last_purchase_at_gte": "0000-00-00"}, "last_purchase_at_gte"), ({"stages": "nope"}, "stages"),
    ({"churn_risk": "maybe"}, "churn_risk"), ({"search": "x" * 300}, "search"),
])
def test_rest_edge_parameters_are_422_naming_the_field(scored_shop, key_for, params, field):
    response = rest(key_for(), **params)
    assert response.status_code == 422, (response.status_code, response.content[:300])
    assert any(field in e["field"] for e in response.json()["errors"]), response.json()


@pytest.mark.parametrize("variables,field", [
    ({"filter": {"pAlive": {"gte": float("nan")}}}, "p_alive"),
    ({"filter": {"monetary": {"gte": 1e308, "lte": 1e308}}}, None),  # a valid (empty) range
    ({"filter": {"frequency": {"gte": 2**40}}}, "variables.filter.frequency.gte"),
    ({"filter": {"frequency": {"gte": 2**31 - 1}}}, None),  # the largest, valid
    ({"first": 2**40}, ""), ({"first": 2**31}, ""),  # refused by the cost limit, before coercion
    ({"first": 101}, "first"), ({"first": -5}, "first"),
    ({"sort": {"field": "PASSWORD", "direction": "DESC"}}, "field"),
    ({"filter": {"lastPurchaseAt": {"gte": "0000-01-01"}}}, "gte"),
])
def test_graphql_edge_variables_are_errors_naming_the_field(scored_shop, key_for, variables, field):
    status, body = gql(key_for(), QUERY, {"first": 5, **variables})
    assert status < 500, body
    text = json.dumps(body.get("errors") or [])
    assert "Internal" not in text, body
    if field is None:
        assert not body.get("errors") and body["data"]["ltvAccounts"]["totalCount"] == 0, body
    else:
        assert body.get("errors") and field in text.lower().replace("palive", "p_alive"), body


def test_a_cursor_from_the_list_still_pages(scored_shop, key_for):
    for sort_by in SORTS:
        first = rest(key_for(), sort_by=sort_by, first=3).json()
        page = rest(key_for(), sort_by=sort_by, first=3, after=first["page_info"]["end_cursor"])
        assert page.status_code == 200 and page.json()["items"]
        assert {i["id"] for i in page.json()["items"]}.isdisjoint({i["id"] for i in first["items"]})
