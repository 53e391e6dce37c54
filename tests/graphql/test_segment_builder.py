"""The segment builder's API: a tree filter through GraphQL (live count, list, save, duplicate,
export link) and REST (list, export), errors by path in English and Japanese, and the bounds."""

import json

import pytest
from django.test import Client

from saleor_ltv_plugin.models import AccountMetrics, AccountTag, SavedSegment
from saleor_ltv_plugin.queries.accounts import clean_filter, filter_accounts
from saleor_ltv_plugin.queries.segment_spec import MAX_DEPTH, MAX_NODES

pytestmark = pytest.mark.django_db
REST = "/plugins/global/saleor.ltv/api/v1/"
COUNT = "query($filter: LtvAccountFilterInput) { ltvAccountCount(filter: $filter) }"
CREATE = """mutation($input: LtvSavedSegmentInput!) { ltvSavedSegmentCreate(input: $input) {
  savedSegment { id name filter accountsCount } errors { field message messageJa code } } }"""
DUPLICATE = """mutation($id: ID!, $name: String!) { ltvSavedSegmentDuplicate(id: $id, name: $name) {
  savedSegment { id name filter accountsCount } errors { field code } } }"""


def _tree(sku: str) -> dict:
    return {"any": [{"bought": {"sku": sku, "min_times": 2}}, {"tags": ["vip"]}],
            "not": {"stages": ["lost"]}}


@pytest.fixture
def tagged(scored_shop):
    ids = list(AccountMetrics.objects.order_by("account_id").values_list("account_id", flat=True)[::7])
    AccountTag.objects.bulk_create([AccountTag(account_id=a, tag="vip") for a in ids])
    from saleor_ltv_plugin.models import OrderLineFact

    return OrderLineFact.objects.values_list("sku", flat=True).order_by("sku").first()


def test_tree_filter_through_graphql_and_rest(tagged, gql, key_for):
    token = key_for("segments:write", "metrics:read")
    tree = _tree(tagged)
    want = set(filter_accounts(clean_filter({"channel": "default-channel", **tree})).values_list("account_id", flat=True))
    assert 0 < len(want) < AccountMetrics.objects.count()
    variables = {"filter": {"channel": "default-channel", "spec": json.dumps(tree)}}
    assert gql(COUNT, variables, token)["data"]["ltvAccountCount"] == len(want)
    listed = gql("query($filter: LtvAccountFilterInput) { ltvAccounts(filter: $filter, first: 100) { totalCount } }",
                 variables, token)["data"]["ltvAccounts"]
    assert listed["totalCount"] == len(want)
    # Saved with the typed fields and the JSON part as one node; duplicated; counted the same.
    made = gql(CREATE, {"input": {"name": "Two of a SKU or VIP", "channel": "default-channel",
                                  "filter": {"spec": json.dumps(tree)}}}, token)["data"]["ltvSavedSegmentCreate"]
    assert made["errors"] == [] and made["savedSegment"]["accountsCount"] == len(want)
    assert json.loads(made["savedSegment"]["filter"]) == clean_filter(tree)
    copy = gql(DUPLICATE, {"id": made["savedSegment"]["id"], "name": "Copy"}, token)["data"]["ltvSavedSegmentDuplicate"]
    assert copy["errors"] == [] and copy["savedSegment"]["accountsCount"] == len(want)
    assert SavedSegment.objects.filter(name="Copy", filter=clean_filter(tree)).exists()
    taken = gql(DUPLICATE, {"id": made["savedSegment"]["id"], "name": "Copy"}, token)["data"]["ltvSavedSegmentDuplicate"]
    assert taken["errors"][0]["code"] == "UNIQUE"
    # The export link carries the tree; the file holds exactly those accounts.
    export = gql("query($filter: LtvAccountFilterInput) { ltvSegmentExport(filter: $filter) { rowCount jsonUrl } }",
                 variables, token)["data"]["ltvSegmentExport"]
    assert export["rowCount"] == len(want)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = b"".join(client.get(export["jsonUrl"]).streaming_content).decode()
    assert {json.loads(line)["account_id"] for line in body.splitlines()} == want
    # REST's list takes the same JSON, ANDed with its own parameters.
    page = client.get(REST + "accounts", {"channel": "default-channel", "filter": json.dumps(tree), "first": 1}).json()
    assert page["total_count"] == len(want)


def test_errors_name_the_node_in_both_languages(tagged, gql, key_for):
    token = key_for("segments:write", "metrics:read")
    bad = {"any": [{"stages": ["repeat"]}, {"tags": ["vip"]}, {"bought": {"sku": "", "within_days": 0}}],
           "not": {"bought": {"category": "toner", "sku": "A"}}, "colour": "red"}
    made = gql(CREATE, {"input": {"name": "Bad", "channel": "default-channel", "filter": {"spec": json.dumps(bad)}}},
               token)["data"]["ltvSavedSegmentCreate"]
    errors = {e["field"]: e for e in made["errors"]}
    assert set(errors) == {"input.filter.any[2].bought.sku", "input.filter.not.bought.category", "input.filter.colour"}
    assert errors["input.filter.not.bought.category"]["messageJa"] == "注文明細には商品カテゴリがまだ記録されていません"
    assert "文字" in errors["input.filter.any[2].bought.sku"]["messageJa"] and not SavedSegment.objects.exists()
    # A query reports them as top-level errors with the same paths; REST as a 422.
    response = gql.post(COUNT, {"filter": {"spec": json.dumps(bad)}}, token).json()
    fields = {f["field"]: f for f in response["errors"][0]["extensions"]["fields"]}
    assert fields["filter.any[2].bought.sku"]["messageJa"] and not response.get("data")
    rest = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(REST + "accounts", {"filter": json.dumps(bad)})
    assert rest.status_code == 422
    by_field = {e["field"]: e for e in rest.json()["errors"]}
    assert by_field["filter.any[2].bought.sku"]["message_ja"] and "filter.colour" in by_field
    twice = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(REST + "accounts", {"channel": "x",
                                                                                 "filter": '{"channel": "y"}'})
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "channel"
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(REST + "accounts", {"filter": "{"}).status_code == 422


def test_hostile_trees_are_refused_before_any_query(tagged, gql, key_for, django_assert_max_num_queries):
    token = key_for("metrics:read")
    deep: dict = {"tags": ["vip"]}
    for _ in range(MAX_DEPTH + 2):
        deep = {"not": deep}
    wide = {"any": [{"all": [{"tags": [f"t{i}"]} for i in range(20)]} for _ in range(20)]}
    long_list = {"tags": [f"t{i}" for i in range(5000)]}
    for tree, reason in ((deep, "nest"), (wide, f"{MAX_NODES}"), (long_list, "at most")):
        with django_assert_max_num_queries(2):  # the key's lookup and its last-used stamp, no filter
            response = gql.post(COUNT, {"filter": {"spec": json.dumps(tree)}}, token).json()
        messages = " ".join(f["message"] for f in response["errors"][0]["extensions"]["fields"])
        assert reason in messages, messages
    anonymous = gql.post(COUNT, {"filter": {"spec": json.dumps(wide)}}).json()
    assert anonymous["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied", anonymous
