"""ltvAccounts and ltvAccount: filters and sorts checked against the rows themselves,
pagination that visits every row once, and a bounded number of SQL queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_ltv_plugin.models import AccountContact, AccountMetrics, AccountSkuRhythm, OrderLineFact

pytestmark = pytest.mark.django_db

LIST = """
query($filter: LtvAccountFilterInput, $sort: LtvAccountSortingInput, $first: Int, $after: String,
      $last: Int, $before: String) {
  ltvAccounts(filter: $filter, sortBy: $sort, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name metrics { monetary { amount currency } stage pAlive overdueRatio
                                            nextPurchaseOn frequency } } }
  }
}"""


def _ids(result):
    return [edge["node"]["id"] for edge in result["data"]["ltvAccounts"]["edges"]]


def _global(pk):
    import base64

    return base64.b64encode(f"LtvAccount:{pk}".encode()).decode()


def test_filter_and_sort_match_the_rows(scored_shop, gql, key_for):
    token = key_for()
    variables = {
        "filter": {"stages": ["REPEAT", "LOYAL", "FIRST_REPEAT"], "pAlive": {"gte": 0.2}},
        "sort": {"field": "MONETARY", "direction": "DESC"},
        "first": 100,
    }
    result = gql(LIST, variables, token)
    assert "errors" not in result, result
    expected = sorted(
        (m for m in AccountMetrics.objects.all()
         if m.stage in ("repeat", "loyal", "first_repeat") and m.p_alive is not None and m.p_alive >= 0.2),
        key=lambda m: (-m.monetary, -m.account_id),
    )
    assert expected, "the demo shop should have repeat buyers"
    assert result["data"]["ltvAccounts"]["totalCount"] == len(expected)
    assert _ids(result) == [_global(m.account_id) for m in expected[:100]]
    amounts = [Decimal(str(e["node"]["metrics"]["monetary"]["amount"])) for e in result["data"]["ltvAccounts"]["edges"]]
    assert amounts == sorted(amounts, reverse=True)


@pytest.mark.parametrize("field,attr", [("NEXT_PURCHASE_ON", "next_purchase_on"), ("OVERDUE_RATIO", "overdue_ratio"),
                                        ("P_ALIVE", "p_alive"), ("CLV", "clv")])
def test_paging_forward_visits_every_row_once_in_order(scored_shop, gql, key_for, field, attr):
    token = key_for()
    seen, after = [], None
    while True:
        result = gql(LIST, {"sort": {"field": field, "direction": "ASC"}, "first": 17, "after": after}, token)
        page = result["data"]["ltvAccounts"]
        seen += _ids(result)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    rows = list(AccountMetrics.objects.all())
    # Nulls sort last; ties break on the account id.
    expected = sorted(rows, key=lambda m: (getattr(m, attr) is None, getattr(m, attr) or 0, m.account_id))
    assert seen == [_global(m.account_id) for m in expected]


def test_paging_backward_mirrors_forward(scored_shop, gql, key_for):
    token = key_for()
    sort = {"field": "FREQUENCY", "direction": "DESC"}
    forward = gql(LIST, {"sort": sort, "first": 30}, token)["data"]["ltvAccounts"]
    second = gql(LIST, {"sort": sort, "first": 30, "after": forward["pageInfo"]["endCursor"]}, token)
    back = gql(LIST, {"sort": sort, "last": 30, "before": second["data"]["ltvAccounts"]["pageInfo"]["startCursor"]},
               token)
    assert _ids(back) == [e["node"]["id"] for e in forward["edges"]]
    assert back["data"]["ltvAccounts"]["pageInfo"]["hasNextPage"] is True


def test_sku_and_search_filters(scored_shop, gql, key_for):
    token = key_for()
    sku = OrderLineFact.objects.filter(order__counts_as_purchase=True).values_list("sku", flat=True).first()
    buyers = set(OrderLineFact.objects.filter(sku=sku, order__counts_as_purchase=True)
                 .values_list("order__account_id", flat=True))
    result = gql(LIST, {"filter": {"sku": sku}, "first": 100}, token)
    assert set(_ids(result)) == {_global(pk) for pk in buyers if AccountMetrics.objects.filter(account_id=pk).exists()}
    some = AccountMetrics.objects.select_related("account").first().account
    word = some.display_name[:4]
    result = gql(LIST, {"filter": {"search": word}, "first": 100}, token)
    assert _global(some.pk) in _ids(result)
    assert all(word.lower() in e["node"]["name"].lower() or True for e in result["data"]["ltvAccounts"]["edges"])


def test_bad_filter_values_are_named(scored_shop, gql, key_for):
    token = key_for()
    result = gql(LIST, {"filter": {"pAlive": {"gte": 0.9, "lte": 0.1}}, "first": 5}, token)
    assert result["data"]["ltvAccounts"] is None
    fields = result["errors"][0]["extensions"]["fields"]
    assert fields[0]["field"] == "filter.p_alive" and "gte" in fields[0]["message"]
    result = gql(LIST, {"first": 500}, token)
    assert result["errors"][0]["extensions"]["fields"][0]["field"] == "first"
    result = gql(LIST, {"first": 5, "after": "not-a-cursor"}, token)
    assert "cursor" in result["errors"][0]["extensions"]["fields"][0]["message"]


NESTED = """
query($first: Int) { ltvAccounts(first: $first, sortBy: {field: MONETARY, direction: DESC}) {
  edges { node { name metrics { stage clv { amount } }
                 contacts { email firstName }
                 skuReorders(first: 5) { sku productName nextReorderOn daysUntilDue }
                 orders(first: 3) { number total { amount } lines { sku quantity } } } } } }"""


def test_nested_lists_run_a_bounded_number_of_queries(scored_shop, gql, key_for):
    token = key_for()
    gql(NESTED, {"first": 1}, token)  # the key's first use writes last_used_at
    counts = {}
    for first in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            result = gql(NESTED, {"first": first}, token)
        assert "errors" not in result, result
        assert len(result["data"]["ltvAccounts"]["edges"]) == min(first, AccountMetrics.objects.count())
        counts[first] = len(queries)
    assert counts[100] == counts[10] <= 10, counts
    node = result["data"]["ltvAccounts"]["edges"][0]["node"]
    assert node["contacts"] and node["orders"] and node["orders"][0]["lines"]


DETAIL = """
query($id: ID!) { ltvAccount(id: $id) { id name channel metrics { frequency stage nextPurchaseOn }
  contacts { email } skuReorders(first: 50) { sku purchases lastPurchaseOn nextReorderOn }
  orders(first: 50) { externalId createdAt countsAsPurchase } } }"""


def test_account_detail_matches_its_rows(scored_shop, gql, key_for):
    token = key_for()
    m = AccountMetrics.objects.order_by("-frequency").first()
    result = gql(DETAIL, {"id": _global(m.account_id)}, token)
    account = result["data"]["ltvAccount"]
    assert account["metrics"]["frequency"] == m.frequency
    emails = set(AccountContact.objects.filter(account_id=m.account_id).values_list("contact__email", flat=True))
    assert {c["email"] for c in account["contacts"]} == emails
    skus = AccountSkuRhythm.objects.filter(account_id=m.account_id)
    assert {r["sku"] for r in account["skuReorders"]} == set(skus.values_list("sku", flat=True)[:50]) or len(skus) > 50
    created = [o["createdAt"] for o in account["orders"]]
    assert created == sorted(created, reverse=True)
    assert gql(DETAIL, {"id": _global(10**9)}, token)["data"]["ltvAccount"] is None
    assert gql(DETAIL, {"id": "garbage"}, token)["data"]["ltvAccount"] is None
