"""The Analyses (cohorts, buying patterns, products, cross tabulation, RFMi) over GraphQL and
REST, each against a pandas computation written here over the same rows of the scored demo shop."""

import csv
import io

import numpy as np
import pandas as pd
import pytest
from django.test import Client

from saleor_ltv_plugin.api.analyses import table_csv
from saleor_ltv_plugin.models import AccountContact, AccountMetrics, OrderFact, OrderLineFact

pytestmark = pytest.mark.django_db
CHANNEL = "default-channel"
TZ = "Asia/Tokyo"
REST = "/plugins/global/saleor.ltv/api/v1/analyses/"


@pytest.fixture(scope="module")
def orders(scored_shop, django_db_blocker):
    with django_db_blocker.unblock():
        rows = list(OrderFact.objects.filter(counts_as_purchase=True, channel=CHANNEL).values(
            "account_id", "created_at", "amount", "sales_source"))
    frame = pd.DataFrame(rows)
    frame["local"] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(TZ)
    frame["amount"] = frame["amount"].astype(float)
    return frame


@pytest.fixture(scope="module")
def accounts(scored_shop, django_db_blocker):
    with django_db_blocker.unblock():
        # The analyses are of purchases: prospects (no purchase) are left out.
        frame = pd.DataFrame(list(AccountMetrics.objects.filter(channel=CHANNEL).exclude(stage="prospect").values()))
    frame["monetary"] = frame["monetary"].astype(float)
    return frame


def ok(result):
    assert "errors" not in result, result
    return result["data"]


COHORTS = """query($source: String, $months: Int) { ltvCohorts(channel: "default-channel", salesSource: $source,
  months: $months) { currency cells { cohort monthsSince cohortAccounts activeAccounts retention revenue
  revenuePerAccount cumulativeLtv } } }"""


def test_cohorts_match_pandas(orders, gql, key_for):
    cells = ok(gql(COHORTS, {"months": 120}, key_for()))["ltvCohorts"]["cells"]
    # Independent: periods, a pivot of distinct buyers and of revenue.
    month = orders["local"].dt.tz_localize(None).dt.to_period("M")
    first = month.groupby(orders["account_id"]).transform("min")
    since = (month - first).apply(lambda offset: offset.n)
    frame = orders.assign(cohort=first.astype(str), since=since)
    buyers = frame.groupby(["cohort", "since"])["account_id"].nunique()
    revenue = frame.groupby(["cohort", "since"])["amount"].sum()
    size = frame.groupby("cohort")["account_id"].nunique()
    last = month.max()
    expected_cells = sum((last - pd.Period(c, "M")).n + 1 for c in size.index)
    assert len(cells) == expected_cells
    by = {(c["cohort"], c["monthsSince"]): c for c in cells}
    for (cohort, k), n in buyers.items():
        cell = by[(cohort, k)]
        assert cell["cohortAccounts"] == size[cohort] and cell["activeAccounts"] == n
        assert cell["retention"] == pytest.approx(n / size[cohort])
        assert cell["revenue"] == pytest.approx(revenue[(cohort, k)])
    assert all(c["retention"] == 1 for c in cells if c["monthsSince"] == 0)
    cohort = size.index[0]
    ltv = (revenue.loc[cohort] / size[cohort]).cumsum()
    assert by[(cohort, int(ltv.index[-1]))]["cumulativeLtv"] == pytest.approx(ltv.iloc[-1])
    # By acquisition source: the demo sells in its own shop only.
    own = ok(gql(COHORTS, {"source": "own_shop", "months": 120}, key_for()))["ltvCohorts"]["cells"]
    assert own == cells
    assert ok(gql(COHORTS, {"source": "rakuten"}, key_for()))["ltvCohorts"]["cells"] == []
    bad = gql(COHORTS, {"source": "nowhere"}, key_for())
    assert bad["errors"][0]["extensions"]["fields"][0]["field"] == "salesSource"


PATTERNS = """query($bands: [Float!]) { ltvBuyingPatterns(channel: "default-channel", bands: $bands) {
  timezone proposedBands bands hourWeekday { weekday hour orders revenue }
  priceBands { band low high orders accounts revenue orderShare }
  purchasesPerMonth { purchases accountMonths accounts share } } }"""


def test_buying_patterns_match_pandas(orders, gql, key_for):
    data = ok(gql(PATTERNS, {}, key_for()))["ltvBuyingPatterns"]
    assert data["timezone"] == TZ and len(data["hourWeekday"]) == 168
    grid = pd.crosstab(orders["local"].dt.day_of_week, orders["local"].dt.hour)
    for cell in data["hourWeekday"]:
        expected = grid.loc[cell["weekday"], cell["hour"]] if cell["hour"] in grid.columns else 0
        assert cell["orders"] == expected
    # Bands: quantiles of the order values, two significant figures.
    quantiles = orders["amount"].quantile([0.2, 0.4, 0.6, 0.8])
    nice = sorted({0.0, *(float(f"{q:.2g}") for q in quantiles)})
    assert data["proposedBands"] == pytest.approx(nice) and data["bands"] == data["proposedBands"]
    cut = pd.cut(orders["amount"], bins=[*nice, np.inf], right=False, labels=False)
    assert [b["orders"] for b in data["priceBands"]] == cut.value_counts().sort_index().tolist()
    assert sum(b["orders"] for b in data["priceBands"]) == len(orders)
    # Edited bands.
    edited = ok(gql(PATTERNS, {"bands": [0, 10000, 50000]}, key_for()))["ltvBuyingPatterns"]["priceBands"]
    assert edited[2]["orders"] == (orders["amount"] >= 50000).sum() and edited[2]["high"] is None
    assert edited[1]["accounts"] == orders[(orders["amount"] >= 10000) & (orders["amount"] < 50000)][
        "account_id"].nunique()
    bad = gql(PATTERNS, {"bands": [100, 50]}, key_for())
    assert bad["errors"][0]["extensions"]["fields"][0]["field"] == "bands"
    # Purchases per month: distinct purchase days per account and calendar month.
    local = orders["local"].dt.tz_localize(None)
    per = (orders.assign(day=local.dt.date, month=local.dt.to_period("M"))
           .groupby(["account_id", "month"])["day"].nunique().clip(upper=10))
    counts = per.value_counts().sort_index()
    assert {r["purchases"]: r["accountMonths"] for r in data["purchasesPerMonth"]} == counts.to_dict()


PRODUCTS = """query($min: Int) { ltvProductInsights(channel: "default-channel", first: 200, minAccounts: $min) {
  productRepeat { sku buyers repeatBuyers repeatRate daysToRepurchase revenue }
  productRepeatByProduct { product buyers revenue }
  transitions { fromSku toSku accounts lift } repurchases { fromSku toSku accounts }
  dropoff { occasion accounts continued } } }"""


def test_products_match_pandas(scored_shop, gql, key_for):
    data = ok(gql(PRODUCTS, {"min": 1}, key_for()))["ltvProductInsights"]
    lines = pd.DataFrame(list(OrderLineFact.objects.filter(order__counts_as_purchase=True).exclude(sku="").values(
        "order__account_id", "sku", "product_name", "amount", "order__created_at")))
    lines["day"] = pd.to_datetime(lines["order__created_at"], utc=True).dt.tz_convert(TZ).dt.date
    lines["amount"] = lines["amount"].astype(float)
    revenue = lines.groupby("sku")["amount"].sum()
    by_product = lines.groupby("product_name")["amount"].sum()
    for row in data["productRepeat"]:
        assert row["revenue"] == pytest.approx(revenue[row["sku"]])
        days = sorted(lines[lines["sku"] == row["sku"]].groupby("order__account_id")["day"].unique().map(sorted))
        gaps = [(d[1] - d[0]).days for d in days if len(d) > 1]
        assert row["repeatBuyers"] == len(gaps)
        if gaps:
            assert row["daysToRepurchase"] == pytest.approx(np.median(gaps))
    for row in data["productRepeatByProduct"][:20]:
        assert row["revenue"] == pytest.approx(by_product[row["product"]])
    assert data["transitions"] and all(t["fromSku"] != t["toSku"] for t in data["transitions"])
    assert data["repurchases"] and all(t["fromSku"] == t["toSku"] for t in data["repurchases"])
    # A→A from pandas: accounts with the same SKU on two consecutive purchase days.
    occasions = lines.groupby("order__account_id")["day"].transform(lambda d: d.rank(method="dense"))
    basket = lines.assign(occasion=occasions)[["order__account_id", "occasion", "sku"]].drop_duplicates()
    nxt = basket.assign(occasion=basket["occasion"] - 1)
    pairs = basket.merge(nxt, on=["order__account_id", "occasion", "sku"])
    repeat_accounts = pairs.groupby("sku")["order__account_id"].nunique()
    for row in data["repurchases"]:
        assert row["accounts"] == repeat_accounts[row["fromSku"]]
    moves = basket.merge(nxt, on=["order__account_id", "occasion"])
    moves = moves[moves["sku_x"] != moves["sku_y"]].groupby(["sku_x", "sku_y"])["order__account_id"].nunique()
    assert len(data["transitions"]) == min(len(moves), 200)
    for row in data["transitions"][:50]:
        assert row["accounts"] == moves[(row["fromSku"], row["toSku"])]
    assert [t["lift"] for t in data["transitions"]] == sorted((t["lift"] for t in data["transitions"]), reverse=True)
    strict = ok(gql(PRODUCTS, {"min": 2}, key_for()))["ltvProductInsights"]
    assert strict["transitions"] and all(t["accounts"] >= 2 for t in strict["transitions"])
    assert len(strict["transitions"]) < len(data["transitions"])
    assert gql(PRODUCTS, {"min": 0}, key_for())["errors"][0]["extensions"]["fields"][0]["field"] == "minAccounts"


CROSSTAB = """query($x: String!, $y: String!, $measure: String) { ltvCrosstab(channel: "default-channel", x: $x, y: $y,
  measure: $measure) { x y measure cells { x y accounts revenue orders aov ordersPerAccount value } } }"""


def test_crosstab_matches_pandas(accounts, gql, key_for):
    data = ok(gql(CROSSTAB, {"x": "stage", "y": "cpm_cell", "measure": "aov"}, key_for()))["ltvCrosstab"]
    counts = pd.crosstab(accounts["stage"], accounts["cpm_cell"])
    spend = pd.pivot_table(accounts, index="stage", columns="cpm_cell", values="monetary", aggfunc="sum")
    orders = pd.pivot_table(accounts, index="stage", columns="cpm_cell", values="frequency", aggfunc="sum")
    assert len(data["cells"]) == int((counts > 0).sum().sum())
    for cell in data["cells"]:
        assert cell["accounts"] == counts.loc[cell["x"], cell["y"]]
        assert cell["value"] == pytest.approx(spend.loc[cell["x"], cell["y"]] / orders.loc[cell["x"], cell["y"]])
    prefectures = ok(gql(CROSSTAB, {"x": "prefecture", "y": "sales_source", "measure": "accounts"}, key_for()))
    latest = {}
    for account_id, prefecture in AccountContact.objects.exclude(contact__address_prefecture="").order_by(
            "last_seen_at").values_list("account_id", "contact__address_prefecture"):
        latest[account_id] = prefecture
    expected = pd.Series([latest.get(a, "") for a in accounts["account_id"]]).value_counts()
    assert {c["x"]: c["accounts"] for c in prefectures["ltvCrosstab"]["cells"]} == expected.to_dict()
    bad = gql(CROSSTAB, {"x": "stage", "y": "shoe_size"}, key_for())
    assert bad["errors"][0]["extensions"]["fields"][0]["field"] == "y"


RFMI = """{ ltvRfmi(channel: "default-channel") { cells { rScore fScore mScore iScore accounts revenue }
  intervalScores { iScore accounts minIntervalDays maxIntervalDays } } }"""


def test_rfmi_matches_pandas(accounts, gql, key_for):
    data = ok(gql(RFMI, {}, key_for()))["ltvRfmi"]
    interval = (accounts["tenure_days"] / (accounts["frequency"] - 1)).where(accounts["frequency"] >= 2)
    # Independent scoring: 1 + ⌊5 × (share of accounts with a strictly longer interval)⌋.
    known = interval.dropna()
    longer = known.apply(lambda v: (known > v).sum())
    scores = pd.Series(0, index=accounts.index)
    scores[known.index] = np.minimum(1 + (5 * longer) // len(known), 5)
    frame = accounts.assign(i=scores)
    grouped = frame.groupby(["r_score", "f_score", "m_score", "i"]).agg(n=("monetary", "size"),
                                                                         spend=("monetary", "sum"))
    assert len(data["cells"]) == len(grouped)
    for cell in data["cells"]:
        row = grouped.loc[(cell["rScore"], cell["fScore"], cell["mScore"], cell["iScore"])]
        assert cell["accounts"] == row["n"] and cell["revenue"] == pytest.approx(row["spend"])
    for score in data["intervalScores"]:
        held = interval[scores == score["iScore"]]
        assert score["accounts"] == (scores == score["iScore"]).sum()
        if score["iScore"]:
            assert score["minIntervalDays"] == pytest.approx(held.min())
    assert {s["iScore"] for s in data["intervalScores"]} <= {0, 1, 2, 3, 4, 5}


def test_rest_csv_downloads_match_graphql(gql, key_for, scored_shop):
    token = key_for()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    cells = ok(gql(COHORTS, {"months": 24}, token))["ltvCohorts"]["cells"]
    response = client.get(REST + "cohorts", {"channel": CHANNEL, "format": "csv"})
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(cells)
    assert float(rows[-1]["cumulative_ltv"]) == pytest.approx(cells[-1]["cumulativeLtv"])
    sjis = client.get(REST + "products", {"channel": CHANNEL, "table": "product_repeat_by_product", "format": "csv",
                                          "encoding": "shift_jis"})
    assert sjis.status_code == 200 and "shift_jis" in sjis["Content-Type"]
    named = list(csv.DictReader(io.StringIO(sjis.content.decode("cp932"))))
    by_product = ok(gql(PRODUCTS, {"min": 1}, token))["ltvProductInsights"]["productRepeatByProduct"]
    assert [r["product"] for r in named[:5]] == [r["product"] for r in by_product[:5]]
    assert any(ord(c) > 0x3000 for c in named[0]["product"])  # Japanese names survive Shift_JIS
    # Text that would run as a formula is quoted; numbers (a negative one too) stay numbers.
    assert table_csv([{"name": "=HYPERLINK(1)", "n": -1}]).decode() == "name,n\r\n'=HYPERLINK(1),-1\r\n"
    bands = client.get(REST + "buying-patterns", {"channel": CHANNEL, "table": "price_bands", "bands": [0, 5000]})
    assert bands.status_code == 200 and bands.json()["bands"] == [0, 5000]
    same = client.get(REST + "crosstab", {"channel": CHANNEL, "x": "stage", "y": "stage"})
    assert same.status_code == 422 and same.json()["errors"][0]["field"] == "y"
    assert Client().get(REST + "rfmi", {"channel": CHANNEL}).status_code == 401


def test_an_empty_channel_and_a_missing_permission(gql, key_for, scored_shop):
    token = key_for()
    empty = """{ c: ltvCohorts(channel: "nowhere") { cells { cohort } }
      b: ltvBuyingPatterns(channel: "nowhere") { proposedBands hourWeekday { orders } priceBands { orders }
         purchasesPerMonth { purchases } }
      x: ltvCrosstab(channel: "nowhere", x: "sales_source", y: "prefecture") { cells { x } }
      r: ltvRfmi(channel: "nowhere") { cells { accounts } } }"""
    data = ok(gql(empty, {}, token))
    assert data["c"]["cells"] == [] and data["x"]["cells"] == [] and data["r"]["cells"] == []
    assert data["b"]["proposedBands"] == [0] and sum(c["orders"] for c in data["b"]["hourWeekday"]) == 0
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    csv_body = client.get(REST + "rfmi", {"channel": "nowhere", "format": "csv"})
    assert csv_body.status_code == 200 and csv_body.content == b"\xef\xbb\xbf"
    for bad in ({"bands": ["inf"]}, {"bands": ["nan"]}, {"bands": ["-5"]}):
        answer = client.get(REST + "buying-patterns", {"channel": CHANNEL, **bad})
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "bands", bad
    assert client.get(REST + "cohorts", {"channel": CHANNEL, "months": 0}).status_code == 422
    denied = gql(COHORTS, {}, None)
    assert denied["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
