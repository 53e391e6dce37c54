"""The Analyses page in real Chromium: each tab's numbers on screen are the API's, and a cell
opens the account list behind it."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.slow
CHANNEL = "default-channel"

COHORTS = """{ ltvCohorts(channel: "default-channel", months: 24) { cells { cohort monthsSince cohortAccounts
  retention } } }"""
PATTERNS = """{ ltvBuyingPatterns(channel: "default-channel") { hourWeekday { weekday hour orders }
  priceBands { band orders } purchasesPerMonth { purchases accountMonths } } }"""
PRODUCTS = """{ ltvProductInsights(channel: "default-channel", first: 50, minAccounts: 2) {
  productRepeat { sku buyers } transitions { fromSku toSku accounts } repurchases { fromSku accounts }
  dropoff { occasion accounts } } }"""
CROSSTAB = """{ ltvCrosstab(channel: "default-channel", x: "stage", y: "cpm_cell") { cells { x y accounts } } }"""
RFMI = """{ ltvRfmi(channel: "default-channel") { cells { rScore iScore accounts } intervalScores { iScore accounts } } }"""
TRENDS = """query($to: Date) { ltvTrends(channel: "default-channel", to: $to) { from to days currentDay
  movementToCurrent movementFrom stages { day value accounts } cpmCells { day value accounts }
  movement { fromStage toStage accounts } } }"""
COUNT = """query($stage: LtvStage!) { ltvAccountCount(filter: {channel: "default-channel", stages: [$stage]}) }"""
SPEC_COUNT = """query($spec: JSONString) { ltvAccountCount(filter: {channel: "default-channel", spec: $spec}) }"""


def digits(text: str) -> int:
    return int(re.sub(r"[^\d-]", "", text))


def check_movement(app, trends) -> None:
    """Each from × to cell is the API's; the last day's column totals are that day's stage counts."""
    table = app.get_by_test_id("movement-table")
    moves = trends["movement"]
    assert moves and any(m["fromStage"] != m["toStage"] for m in moves)
    for move in moves:
        cell = table.locator(f'[data-cell="{move["fromStage"]}|{move["toStage"]}"]')
        assert digits(cell.inner_text()) == move["accounts"], move
    last = {p["value"]: p["accounts"] for p in trends["stages"] if p["day"] == trends["to"]}
    assert last
    for stage, count in last.items():
        if count:
            assert digits(table.locator(f'[data-column-total="{stage}"]').inner_text()) == count, stage


def test_each_analysis_tab_shows_the_api_figures(harness):
    api = harness.server.api
    harness.open("analyses")
    app = harness.app

    # Cohorts: retention per cell; a cell opens the cohort's accounts.
    cells = api(COHORTS)["ltvCohorts"]["cells"]
    heatmap = app.get_by_test_id("cohort-heatmap")
    heatmap.wait_for()
    for cell in cells[:6] + cells[-6:]:
        shown = heatmap.locator(f'[data-cell="{cell["cohort"]}:{cell["monthsSince"]}"]')
        assert float(shown.get_attribute("data-value")) == pytest.approx(cell["retention"]), cell
    biggest = max((c for c in cells if c["monthsSince"] == 0), key=lambda c: c["cohortAccounts"])
    heatmap.locator(f'[data-cell="{biggest["cohort"]}:1"], [data-cell="{biggest["cohort"]}:0"]').first.click()
    table = app.get_by_test_id("accounts-table")
    table.wait_for()
    assert int(table.get_attribute("data-total")) == biggest["cohortAccounts"]
    harness.shot("analyses-cohort-accounts")

    harness.open("analyses")
    app.get_by_test_id("tab-patterns").click()
    p = api(PATTERNS)["ltvBuyingPatterns"]
    hours = app.get_by_test_id("hour-heatmap")
    hours.wait_for()
    busiest = sorted(p["hourWeekday"], key=lambda c: -c["orders"])[:8]
    for cell in busiest:
        shown = hours.locator(f'[data-cell="{cell["weekday"]}:{cell["hour"]}"]')
        assert int(shown.get_attribute("data-value")) == cell["orders"], cell
    for band in p["priceBands"]:
        row = app.locator(f'[data-testid=price-bands] tr[data-band="{band["band"]}"] [data-field=orders]')
        assert digits(row.inner_text()) == band["orders"], band
    for row in p["purchasesPerMonth"]:
        shown = app.locator(f'[data-testid=per-month] tr[data-purchases="{row["purchases"]}"] [data-field=account-months]')
        assert digits(shown.inner_text()) == row["accountMonths"], row
    harness.shot("analyses-patterns")

    app.get_by_test_id("tab-products").click()
    products = api(PRODUCTS)["ltvProductInsights"]
    app.get_by_test_id("product-table").wait_for()
    for product in products["productRepeat"][:5]:
        row = app.locator(f'[data-testid=product-table] tr[data-key="{product["sku"]}"] [data-field=buyers]')
        assert digits(row.inner_text()) == product["buyers"], product
    moves = app.locator("[data-testid=transition-table] tbody tr")
    assert moves.count() == len(products["transitions"])
    assert all(moves.nth(i).get_attribute("data-from") != moves.nth(i).get_attribute("data-to")
               for i in range(min(moves.count(), 10)))
    assert app.locator("[data-testid=repurchase-table] tbody tr").count() == len(products["repurchases"])
    for step in products["dropoff"][:4]:
        row = app.locator(f'[data-testid=dropoff-table] tr[data-occasion="{step["occasion"]}"] [data-field=accounts]')
        assert digits(row.inner_text()) == step["accounts"], step
    harness.shot("analyses-products")

    app.get_by_test_id("tab-crosstab").click()
    crosstab = app.get_by_test_id("crosstab-heatmap")
    crosstab.wait_for()
    for cell in api(CROSSTAB)["ltvCrosstab"]["cells"]:
        shown = crosstab.locator(f'[data-cell="{cell["x"]}|{cell["y"]}"]')
        assert int(shown.get_attribute("data-value")) == cell["accounts"], cell
    harness.shot("analyses-crosstab")

    app.get_by_test_id("tab-rfmi").click()
    rfmi = api(RFMI)["ltvRfmi"]
    app.get_by_test_id("interval-table").wait_for()
    for score in rfmi["intervalScores"]:
        row = app.locator(f'[data-testid=interval-table] tr[data-score="{score["iScore"]}"] [data-field=accounts]')
        assert digits(row.inner_text()) == score["accounts"], score
    r5 = sum(c["accounts"] for c in rfmi["cells"] if c["rScore"] == 5 and c["iScore"] == 0)
    assert int(app.locator('[data-testid=rfmi-ri-heatmap] [data-cell="5:0"]').get_attribute("data-value")) == r5
    harness.shot("analyses-rfmi")

    app.get_by_test_id("tab-trends").click()
    trends = api(TRENDS)["ltvTrends"]
    assert len(trends["days"]) >= 3  # the demo's weekly runs
    chart = app.get_by_test_id("trend-stages")
    chart.wait_for()
    assert json.loads(chart.get_attribute("data-points")) == [[p["day"], p["value"], p["accounts"]]
                                                              for p in trends["stages"]]
    cpm = json.loads(app.get_by_test_id("trend-cpm").get_attribute("data-points"))
    assert cpm == [[p["day"], p["value"], p["accounts"]] for p in trends["cpmCells"]]
    assert app.locator("[data-testid=trend-stages] .recharts-line").count() == len({p["value"] for p in trends["stages"]})
    harness.shot("analyses-trends")
    check_movement(app, trends)
    # The demo scores "today" first, then replays its simulated weeks: the account list shows the
    # last run's stages, so the movement's column totals open it once the range ends on that run.
    if not trends["movementToCurrent"]:
        app.get_by_test_id("trends-to").fill(trends["currentDay"])
        app.get_by_test_id("trends-apply").click()
        trends = api(TRENDS, {"to": trends["currentDay"]})["ltvTrends"]
        app.locator(f'[data-testid=movement-table][data-to-day="{trends["to"]}"]').wait_for()
        check_movement(app, trends)
    assert trends["movementToCurrent"]
    table = app.get_by_test_id("movement-table")
    last = {p["value"]: p["accounts"] for p in trends["stages"] if p["day"] == trends["to"]}
    stage, count = max(last.items(), key=lambda item: item[1])
    assert api(COUNT, {"stage": stage.upper()})["ltvAccountCount"] == count
    harness.shot("analyses-trends-movement")
    table.locator(f'[data-column-total="{stage}"]').click()
    accounts = app.get_by_test_id("accounts-table")
    accounts.wait_for()
    assert int(accounts.get_attribute("data-total")) == count

    # The Sankey draws each non-empty pair; a cell opens its accounts by their stage on each day.
    harness.open("analyses")
    app = harness.app
    app.get_by_test_id("tab-trends").click()
    sankey = app.get_by_test_id("movement-sankey")
    sankey.wait_for()
    full = api(TRENDS)["ltvTrends"]
    assert sorted(map(tuple, json.loads(sankey.get_attribute("data-links")))) == sorted(
        (m["fromStage"], m["toStage"], m["accounts"]) for m in full["movement"] if m["accounts"])
    assert app.locator("[data-testid=movement-sankey] .recharts-sankey-link").count() == len(
        [m for m in full["movement"] if m["accounts"]])
    sankey.scroll_into_view_if_needed()
    harness.shot("analyses-trends-sankey")
    move = max((m for m in full["movement"] if m["toStage"] and m["fromStage"] != m["toStage"]),
               key=lambda m: m["accounts"])
    spec = json.dumps({"all": [{"stage_on": {"day": full["movementFrom"], "stages": [move["fromStage"] or "none"]}},
                               {"stage_on": {"day": full["to"], "stages": [move["toStage"]]}}]})
    expected = api(SPEC_COUNT, {"spec": spec})["ltvAccountCount"]
    assert 0 < expected <= move["accounts"]  # of the cell's accounts, those scored now
    app.get_by_test_id("movement-table").locator(f'[data-cell="{move["fromStage"]}|{move["toStage"]}"]').click()
    accounts = app.get_by_test_id("accounts-table")
    accounts.wait_for()
    assert int(accounts.get_attribute("data-total")) == expected
    chip = app.get_by_test_id("filter-spec").inner_text()  # the two days' stages in words, not the JSON
    assert chip.count(" · ") == 2 and "stage_on" not in chip

    harness.open("analyses", locale="ja")
    harness.app.get_by_test_id("tab-trends").click()
    assert "ステージ移動" in harness.app.get_by_test_id("analysis-movement").inner_text()
    harness.shot("analyses-trends-ja")
