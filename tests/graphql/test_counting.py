"""In autocommit (as in production) totalCount runs on another connection, beside the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_ltv_plugin import auth
from saleor_ltv_plugin.demo.loader import load_shop
from saleor_ltv_plugin.demo.synthetic import generate_shop
from saleor_ltv_plugin.metrics.recompute import recompute
from saleor_ltv_plugin.models import AccountMetrics

from .conftest import NOW

QUERY = """query($f: LtvAccountFilterInput) { ltvAccounts(first: 5, filter: $f) { totalCount
  edges { node { name } } } }"""


@pytest.mark.django_db(transaction=True)
def test_total_count_is_right_and_off_the_request_connection(gql):
    if connection.vendor != "postgresql":
        pytest.skip("the parallel count is PostgreSQL-only; SQLite counts inline")
    load_shop(generate_shop(n_companies=50, seed=9))
    recompute(now=NOW)
    token, _ = auth.new_api_key("count", ["metrics:read"])
    for stages in (["LOYAL"], ["LOST", "DORMANT"], None):
        with CaptureQueriesContext(connection) as queries:
            result = gql(QUERY, {"f": {"stages": stages} if stages else {}}, token)
        expected = AccountMetrics.objects.filter(**({"stage__in": [s.lower() for s in stages]} if stages else {}))
        assert result["data"]["ltvAccounts"]["totalCount"] == expected.count()
        assert not any("COUNT(" in q["sql"] for q in queries.captured_queries)  # it ran on the worker's
    without = gql("{ ltvAccounts(first: 1) { edges { cursor } } }", token=token)
    assert "totalCount" not in without["data"]["ltvAccounts"]
