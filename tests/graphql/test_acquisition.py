"""Acquisition source in GraphQL: on the account, as a filter, and LTV by source in the overview —
checked against the scored shop's metric rows grouped here."""

from collections import defaultdict

import pytest

from saleor_ltv_plugin.models import Account, AccountMetrics

pytestmark = pytest.mark.django_db

QUERY = """
query($filter: LtvAccountFilterInput) {
  ltvAccounts(filter: $filter, first: 100) { totalCount edges { node { name acquisition { source medium salesSource } } } }
  ltvOverview(channel: "default-channel") { currency acquisitionSources { source accounts revenue averageRevenue } }
}"""


def test_acquisition_filter_and_ltv_by_source_match_the_rows(scored_shop, gql, key_for):
    accounts = list(Account.objects.filter(channel="default-channel").order_by("pk"))
    for index, account in enumerate(accounts):  # a third each from google and the newsletter, the rest unknown
        account.acquisition_source = ("google", "newsletter", "")[index % 3]
        account.acquisition_medium = "cpc" if index % 3 == 0 else ""
    Account.objects.bulk_update(accounts, ["acquisition_source", "acquisition_medium"])
    result = gql(QUERY, {"filter": {"channel": "default-channel", "acquisitionSource": "google"}}, key_for())
    assert "errors" not in result, result
    listed = result["data"]["ltvAccounts"]
    scored = AccountMetrics.objects.filter(channel="default-channel", account__acquisition_source="google")
    assert listed["totalCount"] == scored.count() > 0
    assert {e["node"]["acquisition"]["source"] for e in listed["edges"]} == {"google"}
    assert {e["node"]["acquisition"]["medium"] for e in listed["edges"]} == {"cpc"}

    overview = result["data"]["ltvOverview"]
    expected = defaultdict(lambda: [0, 0.0])
    for source, monetary in AccountMetrics.objects.filter(
            channel="default-channel", currency=overview["currency"]).values_list("account__acquisition_source",
                                                                                  "monetary"):
        expected[source][0] += 1
        expected[source][1] += float(monetary)
    got = {r["source"]: (r["accounts"], r["revenue"], r["averageRevenue"]) for r in overview["acquisitionSources"]}
    assert set(got) == set(expected) == {"google", "newsletter", ""}
    for source, (n, revenue) in expected.items():
        assert got[source][0] == n and got[source][1] == pytest.approx(revenue)
        assert got[source][2] == pytest.approx(revenue / n)
    revenues = [r["revenue"] for r in overview["acquisitionSources"]]
    assert revenues == sorted(revenues, reverse=True)
